// A front for moto that answers ECS DescribeTasks as ECS would: each lister container with the exit code its process had.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What ECS would report for one container of a task. */
export interface ContainerState {
  readonly name: string;
  readonly lastStatus: 'RUNNING' | 'STOPPED';
  readonly exitCode?: number;
}

/** The container the local runtime runs for a task, if it runs one. */
export type ContainerLookup = (taskArn: string) => ContainerState | undefined;

const describeTasksTarget = 'AmazonEC2ContainerServiceV20141113.DescribeTasks';

interface DescribedContainer {
  readonly name?: string;
  readonly [field: string]: unknown;
}

interface DescribedTask {
  readonly taskArn?: string;
  readonly containers?: readonly DescribedContainer[];
  readonly [field: string]: unknown;
}

/**
 * moto lists one container per task, built from the first container definition, with exit code 0 whatever happened.
 * For each task the runtime knows, its container's entry is replaced (or added) with the state the runtime saw.
 */
export function patchDescribeTasks<Response extends { readonly tasks?: readonly DescribedTask[] }>(
  response: Response,
  lookup: ContainerLookup,
): Omit<Response, 'tasks'> & { tasks: DescribedTask[] } {
  return {
    ...response,
    tasks: (response.tasks ?? []).map((task) => {
      const state = task.taskArn === undefined ? undefined : lookup(task.taskArn);
      if (!state) return task;
      const others = (task.containers ?? []).filter((container) => container.name !== state.name);
      const container = {
        name: state.name,
        taskArn: task.taskArn,
        lastStatus: state.lastStatus,
        ...(state.exitCode === undefined ? {} : { exitCode: state.exitCode }),
      };
      return { ...task, containers: [...others, container] } satisfies DescribedTask;
    }),
  };
}

/** Headers that describe one hop, not the request, and are not forwarded. */
const hopHeaders = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'expect',
]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopHeaders.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

export interface EcsFacade {
  /** Give this to clients instead of the moto URL (every other request is passed through unchanged). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the front on a free loopback port, forwarding to upstreamUrl (a moto server). */
export async function startEcsFacade(options: {
  upstreamUrl: string;
  lookup: ContainerLookup;
}): Promise<EcsFacade> {
  const upstream = options.upstreamUrl.replace(/\/+$/, '');
  const server = createServer(async (request, response) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const method = request.method ?? 'GET';
      const answer = await fetch(`${upstream}${request.url ?? '/'}`, {
        method,
        headers: forwardable(request.headers),
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      let body = Buffer.from(await answer.arrayBuffer());
      if (request.headers['x-amz-target'] === describeTasksTarget && answer.ok) {
        const patched = patchDescribeTasks(JSON.parse(body.toString('utf8')), options.lookup);
        body = Buffer.from(JSON.stringify(patched));
      }
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!hopHeaders.has(name) && name !== 'content-encoding') headers[name] = value;
      });
      // A HEAD answer says how long the body would be (S3 HeadObject's size): that length is passed on as it is.
      const length = method === 'HEAD' ? (answer.headers.get('content-length') ?? '0') : String(body.length);
      response.writeHead(answer.status, { ...headers, 'content-length': length });
      response.end(method === 'HEAD' ? undefined : body);
    } catch (error) {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`ecs facade: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
