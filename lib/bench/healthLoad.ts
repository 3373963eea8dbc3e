/**
 * HTTP load with autocannon (dev dependency, loaded on demand) against the served devhost, from
 * the bench's parent process while the app runs in its own: `GET /api/health`, and any route
 * (e.g. `GET /api/tenants/<tenant>/runs` with the function key) for a fixed time or until a sync ends.
 */
export interface RouteLoadResult {
  /** Path requested (without the key). */
  route: string;
  connections: number;
  durationSeconds: number;
  /** Requests sent, and answered (any status) — the rest timed out or failed. */
  sent: number;
  requests: number;
  requestsPerSecond: number;
  /** Of answered requests only: a timed-out request has no latency (see `timeouts`). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  /** Requests with no answer within autocannon's per-request timeout (10 s). */
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export interface HealthLoadResult extends RouteLoadResult {
  /** Status of the warm-up answer (200 Healthy/Degraded, 503 Unhealthy) and its overall status. */
  warmup: { status: number; overall: string };
  /** The last warm-up answer, to serve from a bare server for the calibration run. */
  body: string;
}

interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  requests: { average: number; total: number; sent?: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  duration: number;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  headers?: Record<string, string>;
}

type Autocannon = ((options: AutocannonOptions) => Promise<AutocannonResult>) &
  ((options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => { stop(): void });

/** autocannon's per-request timeout (its default), named in the result. */
export const REQUEST_TIMEOUT_S = 10;

function autocannon(skipFlag: string): Autocannon {
  try {
    return require("autocannon") as Autocannon;
  } catch {
    throw new Error(`autocannon is not installed (a dev dependency): run \`npm ci\`, or pass ${skipFlag}`);
  }
}

export function toRouteResult(route: string, connections: number, result: AutocannonResult): RouteLoadResult {
  return {
    route,
    connections,
    durationSeconds: result.duration,
    sent: result.requests.sent ?? result.requests.total,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: Math.round(result.latency.mean * 100) / 100 },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
  };
}

/**
 * `connections` clients on `GET baseUrl + route`: for `durationSeconds`, or, with `until`, from now
 * until that promise settles (`durationSeconds` is then the cap).
 */
export async function loadRoute(
  baseUrl: string,
  route: string,
  options: { connections: number; durationSeconds: number; headers?: Record<string, string>; until?: Promise<unknown> },
): Promise<RouteLoadResult> {
  const run = autocannon("--skip-api-during-sync");
  const request = { url: `${baseUrl}${route}`, connections: options.connections, duration: options.durationSeconds, pipelining: 1, headers: options.headers };
  if (!options.until) return toRouteResult(route, options.connections, await run(request));
  const until = options.until;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const tracker = run(request, (error, value) => (error ? reject(error) : resolve(value)));
    // Settled either way, the load stops: the caller reads the sync's outcome from `until` itself.
    until.then(
      () => tracker.stop(),
      () => tracker.stop(),
    );
  });
  return toRouteResult(route, options.connections, result);
}

export async function loadHealth(baseUrl: string, options: { connections: number; durationSeconds: number }): Promise<HealthLoadResult> {
  const url = `${baseUrl}/api/health`;
  autocannon("--skip-health");
  // The snapshot is built on the first request and its checks run in the background: wait for them.
  let warmup = { status: 0, overall: "unknown" };
  let text = "";
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(url);
    text = await response.text();
    warmup = { status: response.status, overall: String((JSON.parse(text) as { status?: string }).status) };
    if (!/warming up/i.test(text) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await loadRoute(baseUrl, "/api/health", options);
  return { ...result, warmup, body: text };
}
