// A small EC2 instance metadata (IMDSv2) client: session token, then short GETs; off EC2 it answers "unavailable" fast.
import type { Clock } from '../ports/clock.ts';

export const defaultImdsBaseUrl = 'http://169.254.169.254';
/** Whole-request limit; IMDS answers in milliseconds, so anything slower means "not on EC2". */
export const defaultImdsTimeoutMs = 1_000;
/** The longest token lifetime IMDS grants (6 hours). */
export const defaultImdsTokenTtlSec = 21_600;

export const imdsPaths = {
  token: '/latest/api/token',
  identityDocument: '/latest/dynamic/instance-identity/document',
  spotInstanceAction: '/latest/meta-data/spot/instance-action',
  targetLifecycleState: '/latest/meta-data/autoscaling/target-lifecycle-state',
} as const;

/** What one IMDS read gave: the body, "no such item" (404), or no usable answer at all. */
export type ImdsRead =
  | { readonly kind: 'found'; readonly text: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface InstanceIdentity {
  readonly instanceId: string;
  readonly region: string;
}

export interface SpotInterruption {
  /** 'terminate', 'stop' or 'hibernate'. */
  readonly action: string;
  readonly time: Date;
}

export interface ImdsClient {
  /** One metadata path, e.g. imdsPaths.spotInstanceAction. */
  read(path: string): Promise<ImdsRead>;
  /** This instance's id and region; undefined off EC2. */
  instanceIdentity(): Promise<InstanceIdentity | undefined>;
  /** The pending spot interruption notice; undefined when there is none (or off EC2). */
  spotInterruption(): Promise<SpotInterruption | undefined>;
  /** 'InService', 'Terminated', 'Warmed:Stopped' ...; undefined outside an Auto Scaling group (or off EC2). */
  autoScalingTargetLifecycleState(): Promise<string | undefined>;
}

export interface ImdsClientOptions {
  readonly clock: Clock;
  /** Overrides the environment and the default address. */
  readonly baseUrl?: string;
  /** Read for AWS_EC2_METADATA_SERVICE_ENDPOINT and AWS_EC2_METADATA_DISABLED; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  readonly tokenTtlSec?: number;
}

interface CachedToken {
  readonly value: string;
  /** When the token stops being used: a little before IMDS expires it. */
  readonly refreshAtMs: number;
}

type TokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly reason: string };

/** The base URL: explicit option, else AWS_EC2_METADATA_SERVICE_ENDPOINT, else the link-local default. */
export function imdsBaseUrl(options: {
  baseUrl?: string;
  env: Readonly<Record<string, string | undefined>>;
}): string {
  const chosen = options.baseUrl ?? options.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? defaultImdsBaseUrl;
  return chosen.replace(/\/+$/, '');
}

/** A token is replaced a minute before it expires (or halfway through a lifetime shorter than two minutes). */
export function tokenRefreshAtMs(obtainedAtMs: number, ttlSec: number): number {
  const ttlMs = ttlSec * 1000;
  return obtainedAtMs + ttlMs - Math.min(60_000, ttlMs / 2);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The instance id and region out of the instance identity document; undefined when malformed. */
export function parseInstanceIdentity(text: string): InstanceIdentity | undefined {
  const document = parseJson(text);
  if (!isRecord(document)) return undefined;
  const { instanceId, region } = document;
  if (typeof instanceId !== 'string' || typeof region !== 'string') return undefined;
  return { instanceId, region };
}

/** The spot/instance-action document; undefined when malformed. */
export function parseSpotInterruption(text: string): SpotInterruption | undefined {
  const document = parseJson(text);
  if (!isRecord(document)) return undefined;
  const { action, time } = document;
  if (typeof action !== 'string' || typeof time !== 'string') return undefined;
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) return undefined;
  return { action, time: at };
}

function isImdsDisabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.AWS_EC2_METADATA_DISABLED?.trim().toLowerCase() === 'true';
}

export function createImdsClient(options: ImdsClientOptions): ImdsClient {
  const env = options.env ?? process.env;
  const baseUrl = imdsBaseUrl({
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    env,
  });
  const timeoutMs = options.timeoutMs ?? defaultImdsTimeoutMs;
  const tokenTtlSec = options.tokenTtlSec ?? defaultImdsTokenTtlSec;
  const disabled = isImdsDisabled(env);
  let cached: CachedToken | undefined;
  let pending: Promise<TokenResult> | undefined;

  const request = async (path: string, init: RequestInit): Promise<Response> =>
    await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });

  const fetchToken = async (): Promise<TokenResult> => {
    try {
      const response = await request(imdsPaths.token, {
        method: 'PUT',
        headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(tokenTtlSec) },
      });
      const text = await response.text();
      if (!response.ok) return { ok: false, reason: `token request answered ${response.status}` };
      cached = { value: text, refreshAtMs: tokenRefreshAtMs(options.clock.now().getTime(), tokenTtlSec) };
      return { ok: true, token: text };
    } catch (error) {
      return { ok: false, reason: `token request failed: ${describeFetchError(error)}` };
    }
  };

  /** A fresh token; concurrent callers share one request. */
  const token = async (): Promise<TokenResult> => {
    if (cached && options.clock.now().getTime() < cached.refreshAtMs)
      return { ok: true, token: cached.value };
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return await pending;
  };

  const getWithToken = async (path: string, value: string): Promise<Response> =>
    await request(path, { method: 'GET', headers: { 'X-aws-ec2-metadata-token': value } });

  const read = async (path: string): Promise<ImdsRead> => {
    if (disabled) return { kind: 'unavailable', reason: 'AWS_EC2_METADATA_DISABLED is true' };
    try {
      let granted = await token();
      if (!granted.ok) return { kind: 'unavailable', reason: granted.reason };
      let response = await getWithToken(path, granted.token);
      if (response.status === 401) {
        // The token expired or IMDS restarted: one new token, one more try.
        await response.body?.cancel();
        cached = undefined;
        granted = await token();
        if (!granted.ok) return { kind: 'unavailable', reason: granted.reason };
        response = await getWithToken(path, granted.token);
      }
      const text = await response.text();
      if (response.status === 404) return { kind: 'absent' };
      if (!response.ok) return { kind: 'unavailable', reason: `${path} answered ${response.status}` };
      return { kind: 'found', text };
    } catch (error) {
      return { kind: 'unavailable', reason: `${path} failed: ${describeFetchError(error)}` };
    }
  };

  const readParsed = async <T>(
    path: string,
    parse: (text: string) => T | undefined,
  ): Promise<T | undefined> => {
    const answer = await read(path);
    return answer.kind === 'found' ? parse(answer.text) : undefined;
  };

  return {
    read,
    instanceIdentity: () => readParsed(imdsPaths.identityDocument, parseInstanceIdentity),
    spotInterruption: () => readParsed(imdsPaths.spotInstanceAction, parseSpotInterruption),
    autoScalingTargetLifecycleState: () =>
      readParsed(imdsPaths.targetLifecycleState, (text) => text.trim() || undefined),
  };
}

/** fetch() wraps network errors as "fetch failed" with the real cause (ECONNREFUSED, timeout ...) inside. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    return code ?? cause.message;
  }
  return error.message;
}
