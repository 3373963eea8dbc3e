/**
 * GET /api/health under load: autocannon (dev dependency, loaded on demand) against the served
 * devhost, from the bench's parent process while the app runs in its own.
 */
export interface HealthLoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Status of the warm-up answer (200 Healthy/Degraded, 503 Unhealthy) and its overall status. */
  warmup: { status: number; overall: string };
  /** The last warm-up answer, to serve from a bare server for the calibration run. */
  body: string;
}

interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  duration: number;
}

type Autocannon = (options: { url: string; connections: number; duration: number; pipelining?: number }) => Promise<AutocannonResult>;

export async function loadHealth(baseUrl: string, options: { connections: number; durationSeconds: number }): Promise<HealthLoadResult> {
  let autocannon: Autocannon;
  try {
    autocannon = require("autocannon") as Autocannon;
  } catch {
    throw new Error("autocannon is not installed (a dev dependency): run `npm ci`, or pass --skip-health");
  }
  const url = `${baseUrl}/api/health`;
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
  const result = await autocannon({ url, connections: options.connections, duration: options.durationSeconds, pipelining: 1 });
  return {
    connections: options.connections,
    durationSeconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: Math.round(result.latency.mean * 100) / 100 },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    warmup,
    body: text,
  };
}
