// A fault-injecting HTTP proxy for tests: forwards every request to one upstream (a moto server) unless a rule breaks it.
import {
  type CompletedRequest,
  getLocal,
  type Headers,
  type MockedEndpoint,
  type Mockttp,
  type RequestRuleBuilder,
  type requestSteps,
} from 'mockttp';

type CallbackRequestResult = requestSteps.CallbackRequestResult;

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/** Which requests a rule applies to; absent fields match anything. */
export interface RequestMatch {
  readonly method?: HttpMethod;
  /** Tested against the path without its query string, e.g. `/bucket/dir/key`. */
  readonly pathMatches?: RegExp;
  /** Query parameters the request must have: with this value, or with any value for `true`. */
  readonly query?: Readonly<Record<string, string | true>>;
  /** Any other condition, such as a Range header; must be synchronous. */
  readonly where?: (request: SeenRequest) => boolean;
}

/** A request as a rule or hook saw it. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  readonly headers: Readonly<Headers>;
}

export interface FaultRule {
  /** The requests this rule has acted on so far. */
  seen(): Promise<readonly SeenRequest[]>;
}

export interface FailRule extends RequestMatch {
  /** How many matching requests fail; later ones are forwarded. */
  readonly count: number;
}

export interface FailNextRule extends FailRule {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CutBodyRule extends FailRule {
  /** Body bytes sent before the connection is closed (0: the headers only). */
  readonly bytes: number;
}

/** Matched on the request line alone (no `where`), before the body arrives. */
export interface ResetRule {
  readonly method: HttpMethod;
  /** Tested against the path without its query string. */
  readonly pathMatches?: RegExp;
  /** Query parameters the request must have, with these values. */
  readonly query?: Readonly<Record<string, string>>;
  readonly count: number;
}

export interface HookRule extends RequestMatch {
  /** How many matching requests run the hook; default: all of them. */
  readonly count?: number;
}

export type RequestHook = (request: SeenRequest) => Promise<void> | void;

export interface FaultProxy {
  /** Where clients connect instead of the upstream. */
  readonly url: string;
  /** The next `count` matching requests are answered with this error; the upstream never sees them. */
  failNext(rule: FailNextRule): FaultRule;
  /**
   * The next `count` matching requests are forwarded, and the upstream's status and headers (Content-Length included)
   * come back, but the connection closes after `bytes` bytes of the body.
   */
  cutBodyAfter(rule: CutBodyRule): FaultRule;
  /**
   * The next `count` matching requests are forwarded and the upstream acts on them, but the connection is reset before
   * any of the response reaches the client: the client cannot tell whether the request took effect.
   */
  loseResponse(rule: FailRule): FaultRule;
  /**
   * The next `count` matching requests have their connection reset as soon as their headers arrive, while the client
   * is still sending the body; the upstream never sees them.
   */
  resetDuringRequest(rule: ResetRule): Promise<FaultRule>;
  /** Runs the hook before forwarding each matching request (up to `count`), then forwards it unchanged. */
  onRequest(rule: HookRule, hook: RequestHook): FaultRule;
  /** Requests received so far (whether forwarded or broken), by method. */
  requestCounts(): Readonly<Record<string, number>>;
  /** Responses that reached the client so far, whole or cut, by status code. */
  statusCounts(): Readonly<Record<number, number>>;
  /** Forgets every rule and counter, so the proxy forwards everything again. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

interface DispatchRule extends RequestMatch {
  remaining: number;
  readonly seen: SeenRequest[];
  /** What to do with a matching request; undefined: forward it. */
  readonly act: (request: CompletedRequest) => Promise<CallbackRequestResult | undefined>;
}

/** Rules above the forwarding rule, so mockttp tries them first and falls back once they are used up. */
const faultPriority = 2;

/** Headers that describe one hop, not the request, and must not be copied onto a new one. */
const hopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'expect',
  'host',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
]);

function queryMatches(wanted: Readonly<Record<string, string | true>>, params: URLSearchParams): boolean {
  return Object.entries(wanted).every(([name, value]) =>
    value === true ? params.has(name) : params.get(name) === value,
  );
}

function matches(match: RequestMatch, request: SeenRequest): boolean {
  if (match.method !== undefined && match.method !== request.method.toUpperCase()) return false;
  const url = new URL(request.path, 'http://proxy');
  if (match.pathMatches && !match.pathMatches.test(url.pathname)) return false;
  if (match.query && !queryMatches(match.query, url.searchParams)) return false;
  return match.where?.(request) ?? true;
}

function seenOf(request: CompletedRequest): SeenRequest {
  return { method: request.method, path: request.path, headers: request.headers };
}

function forwardableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopHeaders.has(name.toLowerCase())) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Sends the request to the upstream and reads the whole response. */
async function fetchUpstream(
  upstreamUrl: string,
  request: CompletedRequest,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const init: RequestInit = {
    method: request.method,
    headers: { ...forwardableHeaders(request.headers), 'accept-encoding': 'identity' },
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') init.body = request.body.buffer;
  const response = await fetch(`${upstreamUrl}${request.path}`, init);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

function methodRuleBuilder(
  server: Mockttp,
  method: HttpMethod,
  path: RegExp | undefined,
): RequestRuleBuilder {
  switch (method) {
    case 'GET':
      return server.forGet(path);
    case 'HEAD':
      return server.forHead(path);
    case 'PUT':
      return server.forPut(path);
    case 'POST':
      return server.forPost(path);
    case 'DELETE':
      return server.forDelete(path);
  }
}

/** A mockttp rule judged on the request line alone (mockttp's path matchers ignore the query string). */
function ruleBuilderFor(server: Mockttp, rule: ResetRule): RequestRuleBuilder {
  const builder = methodRuleBuilder(server, rule.method, rule.pathMatches);
  return rule.query ? builder.withQuery(rule.query) : builder;
}

/**
 * Starts a proxy on a free port that forwards to upstreamUrl (scheme, host and port; no path). Its url is on 127.0.0.1
 * (mockttp itself listens on every interface).
 */
export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  const server = getLocal({ cors: false, http2: false, suggestChanges: false });
  await server.start({ startPort: 20_000, endPort: 60_000 });
  const upstream = upstreamUrl.replace(/\/+$/, '');
  let rules: DispatchRule[] = [];
  let counts: Record<string, number> = {};
  let statuses: Record<number, number> = {};

  /** Picks the first matching rule with uses left and uses it up, synchronously, so concurrent requests never share one. */
  function claimRule(request: CompletedRequest): DispatchRule | undefined {
    const seen = seenOf(request);
    const rule = rules.find((candidate) => candidate.remaining > 0 && matches(candidate, seen));
    if (rule) {
      rule.remaining -= 1;
      rule.seen.push(seen);
    }
    return rule;
  }

  /** The listeners that count requests and responses, and the rule that forwards them; server.reset() removes both. */
  async function installForwarding(): Promise<void> {
    await server.on('request-initiated', (request) => {
      counts[request.method] = (counts[request.method] ?? 0) + 1;
    });
    await server.on('response-initiated', (response) => {
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    });
    await server.forAnyRequest().thenPassThrough({
      simulateConnectionErrors: true,
      beforeRequest: async (request) => {
        const action = await claimRule(request)?.act(request);
        return action ?? { url: `${upstream}${request.path}` };
      },
    });
  }
  await installForwarding();

  function addRule(match: RequestMatch, count: number, act: DispatchRule['act']): FaultRule {
    const rule: DispatchRule = { ...match, remaining: count, seen: [], act };
    rules.push(rule);
    return { seen: async () => [...rule.seen] };
  }

  return {
    url: server.url.replace(/\/+$/, '').replace('localhost', '127.0.0.1'),

    failNext(rule) {
      return addRule(rule, rule.count, async () => ({
        response: {
          statusCode: rule.status,
          headers: { 'content-type': 'application/xml', ...rule.headers },
          body: rule.body ?? '',
        },
      }));
    },

    cutBodyAfter(rule) {
      return addRule(rule, rule.count, async (request) => {
        const answer = await fetchUpstream(upstream, request);
        // writeResponseFromCallback keeps the upstream's Content-Length as given, and `connection: close` makes the
        // server close the socket once the short body is written: the client sees a body that ends too early.
        return {
          response: {
            statusCode: answer.status,
            headers: { ...answer.headers, connection: 'close' },
            rawBody: answer.body.subarray(0, rule.bytes),
          },
        };
      });
    },

    loseResponse(rule) {
      return addRule(rule, rule.count, async (request) => {
        await fetchUpstream(upstream, request);
        return { response: 'reset' };
      });
    },

    async resetDuringRequest(rule) {
      // A rule of its own, matched on the headers alone: the forwarding rule would first wait for the whole body.
      const endpoint: MockedEndpoint = await ruleBuilderFor(server, rule)
        .asPriority(faultPriority)
        .times(rule.count)
        .thenResetConnection();
      return {
        seen: async () => (await endpoint.getSeenRequests()).map(seenOf),
      };
    },

    onRequest(rule, hook) {
      return addRule(rule, rule.count ?? Number.POSITIVE_INFINITY, async (request) => {
        await hook(seenOf(request));
        return undefined;
      });
    },

    requestCounts: () => ({ ...counts }),
    statusCounts: () => ({ ...statuses }),

    async reset() {
      rules = [];
      counts = {};
      statuses = {};
      await server.reset();
      await installForwarding();
    },

    stop: async () => {
      await server.stop();
    },
  };
}
