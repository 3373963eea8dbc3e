/** The Clever metrics hook → named telemetry, synthetic and through the real client against the simulator. */
import type { CleverSimulator } from "../../lib/simulator";
import { TelemetryMetrics, cleverMetricsToTelemetry, createLogger, resourceOfPath } from "../../lib/telemetry";
import { clientFor, collect, startSimulator } from "../clever/harness";
import { recordingSink } from "./recordingSink";

function setup() {
  const sink = recordingSink();
  const logger = createLogger({ console: false, sinks: [sink] });
  return { sink, listener: cleverMetricsToTelemetry(logger, { tenantId: "district-7" }) };
}

describe("cleverMetricsToTelemetry", () => {
  it("sends RecordsSynced and CleverPageLatencyMs per page, nothing per request", () => {
    const { sink, listener } = setup();
    listener({ type: "request", method: "GET", path: "/v3.0/users", status: 200, durationMs: 40, bytes: 90_000, attempt: 1 });
    listener({ type: "rate_limit_wait", delayMs: 1000 });
    listener({ type: "page", resource: "users", page: 1, records: 500, bytes: 90_000, latencyMs: 52 });
    expect(sink.items).toEqual([
      { kind: "metric", name: TelemetryMetrics.RecordsSynced, value: 500, properties: { tenantId: "district-7", resource: "users" } },
      { kind: "metric", name: TelemetryMetrics.CleverPageLatencyMs, value: 52, properties: { tenantId: "district-7", resource: "users" } },
    ]);
  });

  it("counts 429s and retries with a bounded resource dimension and the retry reason", () => {
    const { sink, listener } = setup();
    listener({ type: "rate_limited", path: "/v3.0/sections", retryAfterMs: 7000 });
    listener({ type: "retry", path: "/v3.0/sections", reason: "rate_limited", attempt: 1, delayMs: 7000, status: 429 });
    listener({ type: "network_error", method: "GET", path: "/v3.0/users/5f1a2b3c4d5e6f7a8b9c0d1e", failure: "connection", durationMs: 3, attempt: 1 });
    listener({ type: "retry", path: "/v3.0/users/5f1a2b3c4d5e6f7a8b9c0d1e", reason: "connection", attempt: 1, delayMs: 100 });
    expect(sink.items).toEqual([
      { kind: "metric", name: TelemetryMetrics.CleverRateLimited, value: 1, properties: { tenantId: "district-7", resource: "sections" } },
      { kind: "metric", name: TelemetryMetrics.CleverRetries, value: 1, properties: { tenantId: "district-7", resource: "sections", reason: "rate_limited" } },
      { kind: "metric", name: TelemetryMetrics.CleverRetries, value: 1, properties: { tenantId: "district-7", resource: "users", reason: "connection" } },
    ]);
  });

  it.each([
    ["/v3.0/users", "users"],
    ["/v3.0/events?starting_after=abc", "events"],
    ["/clever/v3.0/sections", "sections"],
    ["/v3.0/districts/5f1a2b3c4d5e6f7a8b9c0d1e", "districts"],
    ["/v3.0/5f1a2b3c4d5e6f7a8b9c0d1e", "other"],
    ["/oauth/tokens", "other"],
  ])("resourceOfPath(%p) is %p", (path, resource) => {
    expect(resourceOfPath(path)).toBe(resource);
  });

  describe("through the real Clever client", () => {
    let sim: CleverSimulator;
    beforeAll(async () => {
      sim = await startSimulator({ seed: 61, users: 250 });
    });
    afterAll(async () => {
      await sim.stop();
    });

    it("sums RecordsSynced to the records the client returned and counts injected 429s", async () => {
      const { sink, listener } = setup();
      const { client } = clientFor(sim, { pageSize: 100, onMetric: listener });
      sim.injectNext({ kind: "rate_limit", retryAfterSeconds: 1 }, { count: 2 });
      const users = await collect(client.records("users"));
      await client.close();

      const metrics = sink.of("metric");
      const synced = metrics.filter((metric) => metric.name === TelemetryMetrics.RecordsSynced);
      expect(synced.reduce((sum, metric) => sum + metric.value, 0)).toBe(users.length);
      expect(synced.length).toBeGreaterThanOrEqual(Math.ceil(users.length / 100));
      expect(metrics.filter((metric) => metric.name === TelemetryMetrics.CleverRateLimited)).toHaveLength(2);
      expect(metrics.filter((metric) => metric.name === TelemetryMetrics.CleverRetries).map((metric) => metric.properties.reason)).toEqual(["rate_limited", "rate_limited"]);
      expect(new Set(metrics.map((metric) => metric.properties.resource))).toEqual(new Set(["users"]));
    });
  });
});
