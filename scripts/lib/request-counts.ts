// What a counting proxy saw: requests by HTTP method and body bytes each way; and differences between two readings.

export interface RequestCounts {
  readonly byMethod: Readonly<Record<string, number>>;
  readonly requestBodyBytes: number;
  readonly responseBodyBytes: number;
  /** Requests the proxy could not forward or whose upstream failed mid-way. */
  readonly proxyErrors: number;
  /** Summed durations of finished requests: divided by wall time, the mean number in flight. */
  readonly requestSeconds: number;
  /** Most requests in flight at once since the previous reading. */
  readonly peakInFlight: number;
}

export const noRequests: RequestCounts = {
  byMethod: {},
  requestBodyBytes: 0,
  responseBodyBytes: 0,
  proxyErrors: 0,
  requestSeconds: 0,
  peakInFlight: 0,
};

export function totalRequests(counts: RequestCounts): number {
  return Object.values(counts.byMethod).reduce((sum, count) => sum + count, 0);
}

function combine(a: RequestCounts, b: RequestCounts, sign: 1 | -1): RequestCounts {
  const byMethod: Record<string, number> = { ...a.byMethod };
  for (const [method, count] of Object.entries(b.byMethod)) {
    const value = (byMethod[method] ?? 0) + sign * count;
    if (value === 0) delete byMethod[method];
    else byMethod[method] = value;
  }
  return {
    byMethod,
    requestBodyBytes: a.requestBodyBytes + sign * b.requestBodyBytes,
    responseBodyBytes: a.responseBodyBytes + sign * b.responseBodyBytes,
    proxyErrors: a.proxyErrors + sign * b.proxyErrors,
    requestSeconds: a.requestSeconds + sign * b.requestSeconds,
    peakInFlight: a.peakInFlight,
  };
}

/** The requests between two readings of the same proxy; the peak is the later reading's (it resets on reading). */
export function countsSince(before: RequestCounts, after: RequestCounts): RequestCounts {
  return combine(after, before, -1);
}

/** Two proxies' counts together; the peak is the larger of the two. */
export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  return { ...combine(a, b, 1), peakInFlight: Math.max(a.peakInFlight, b.peakInFlight) };
}

/** "GET 200, PUT 200" in a fixed method order. */
export function describeCounts(counts: RequestCounts): string {
  const order = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
  const methods = Object.keys(counts.byMethod).sort((a, b) => {
    const rank = (method: string): number => (order.includes(method) ? order.indexOf(method) : order.length);
    return rank(a) - rank(b);
  });
  if (methods.length === 0) return 'none';
  return methods.map((method) => `${method} ${counts.byMethod[method]}`).join(', ');
}
