/**
 * The health endpoints through the devhost (the product's own registrations in functions/health.ts)
 * with an injected snapshot of counting checks: shapes, status codes, key protection, what each
 * endpoint may show, and that requests never run a check.
 */
import "../../functions/health";
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { performance } from "node:perf_hooks";
import { CLEVER_AUTH_CHECK, cleverAuthCheck } from "../../lib/health/checks";
import { processHealth, type HealthRuntime } from "../../lib/health/holder";
import { healthResponse, readinessResponse } from "../../lib/health/httpHandlers";
import { KeeperReaderSlot } from "../../lib/health/keeperStatus";
import { HealthSnapshot, WARMING_UP_DESCRIPTION, type HealthCheck, type HealthCheckResult } from "../../lib/health/snapshot";
import type { HealthReport } from "../../lib/health/report";
import { DevHost } from "../../lib/devhost";
import { processServices } from "../../lib/runtime/services";
import type { TokenKeeperStatus } from "../../lib/tokens";
import { waitFor } from "./helpers";

/** Stands in for token:{tenantId}: publishes the given custom status, then waits. */
df.app.orchestration("fakeTokenKeeper", function* (context: OrchestrationContext) {
  context.df.setCustomStatus(context.df.getInput());
  yield context.df.waitForExternalEvent("stop");
});

const TENANTS = ["springfield", "shelbyville", "ogdenville"];
const ACCESS_TOKEN = "clever-access-token-value-0123456789";
const SQL_CONNECTION = "Server=tcp:roster.example.net;Database=roster;User ID=app;Password=Sql-Pa55word-Value;";
const CLIENT_SECRET = "client-secret-value-abcdef";

type Counting = HealthCheck & { calls: number; result: HealthCheckResult };
function counting(result: HealthCheckResult): Counting {
  const check = Object.assign(
    async () => {
      check.calls += 1;
      return check.result;
    },
    { calls: 0, result },
  );
  return check;
}

interface World {
  runtime: HealthRuntime;
  checks: Record<"keyVault" | "sql" | "tables" | "clever", Counting>;
  cleverAuthCalls: () => number;
}

function world(): World {
  const checks = {
    keyVault: counting({ status: "Healthy", description: "Key Vault answered." }),
    sql: counting({ status: "Healthy", description: "The default SQLite database answered." }),
    tables: counting({ status: "Healthy", description: "The tenant registry answered." }),
    clever: counting({ status: "Healthy", description: "Clever answered 401." }),
  };
  const keepers = new KeeperReaderSlot();
  let cleverAuthCalls = 0;
  const cleverAuth = cleverAuthCheck({ enabledTenantIds: async () => TENANTS, readKeeperStatuses: () => keepers.read(), now: () => host.clock.now() });
  const snapshot = new HealthSnapshot({
    checks: {
      ...checks,
      [CLEVER_AUTH_CHECK]: (signal) => {
        cleverAuthCalls += 1;
        return cleverAuth(signal);
      },
    },
    secrets: () => [SQL_CONNECTION, CLIENT_SECRET, ACCESS_TOKEN],
    intervalMs: 60_000,
  });
  return { runtime: { snapshot, keepers }, checks, cleverAuthCalls: () => cleverAuthCalls };
}

function keeperStatus(tenantId: string, overrides: Partial<TokenKeeperStatus> = {}): TokenKeeperStatus {
  const now = host.clock.now();
  return {
    tenantId,
    state: "valid",
    mode: "client-credentials",
    fingerprint: "0123456789ab",
    expiresAt: new Date(now + 3_600_000).toISOString(),
    nextRefreshAt: new Date(now + 2_700_000).toISOString(),
    lastRefreshedAt: new Date(now).toISOString(),
    consecutiveFailures: 0,
    lastError: null,
    ...overrides,
  };
}

let host: DevHost;
let current: World;

beforeAll(async () => {
  host = await DevHost.start();
  // Keepers as the real ones publish them; one status also carries a token it must never show.
  host.startNew("fakeTokenKeeper", { instanceId: "token:springfield", input: { ...keeperStatus("springfield"), accessToken: ACCESS_TOKEN } });
  host.startNew("fakeTokenKeeper", { instanceId: "token:shelbyville", input: keeperStatus("shelbyville", { state: "failing", consecutiveFailures: 1, lastError: `token endpoint said client_secret=${CLIENT_SECRET} is invalid` }) });
  await host.runUntilIdle();
});
afterAll(async () => {
  processHealth.use(undefined);
  await host.stop();
});
beforeEach(() => {
  current = world();
  processHealth.use(current.runtime);
});
afterEach(() => current.runtime.snapshot.stop());

async function get(path: string, key: string | false = false): Promise<{ status: number; headers: Headers; text: string; body: HealthReport }> {
  const response = await host.fetch(path, { key });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as HealthReport };
}

/** Binds the durable client (first request), then waits for the full refresh it does not wait for. */
async function refreshed(): Promise<void> {
  await get("/api/health");
  await current.runtime.snapshot.refresh();
}

const TIME_SPAN = /^\d{2}:\d{2}:\d{2}\.\d{7}$/;

test("before the first refresh: 200 Degraded 'warming up', ASP.NET Core shape, no-store", async () => {
  const { status, headers, body } = await get("/api/health");
  expect(status).toBe(200);
  expect(headers.get("cache-control")).toBe("no-store");
  expect(headers.get("content-type")).toMatch(/^application\/json/);
  expect(body.status).toBe("Degraded");
  expect(body.totalDuration).toMatch(TIME_SPAN);
  expect(Object.keys(body.entries)).toEqual(["host", "keyVault", "sql", "tables", "clever", "cleverAuth"]);
  expect(body.entries.host.status).toBe("Healthy");
  expect(body.entries.sql).toEqual({ status: "Degraded", description: WARMING_UP_DESCRIPTION, duration: "00:00:00.0000000", data: {} });
  const ready = await get("/api/health/ready");
  expect(ready.body.status).toBe("Degraded");
  expect(Object.keys(ready.body.entries)).toEqual(["keyVault", "sql", "tables", "clever"]);
});

test("after a refresh: each endpoint's entries, statuses and shapes", async () => {
  await refreshed();
  const health = await get("/api/health");
  expect(health.status).toBe(503); // ogdenville has no keeper: Unhealthy
  expect(health.body.status).toBe("Unhealthy");
  expect(health.body.entries.sql).toMatchObject({ status: "Healthy", description: "The default SQLite database answered.", duration: expect.stringMatching(TIME_SPAN) });
  expect(health.body.entries.cleverAuth).toMatchObject({ status: "Unhealthy", data: { tenants: 3, healthy: 1, degraded: 1, unhealthy: 1 } });

  const ready = await get("/api/health/ready");
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe("Healthy");
  expect(ready.headers.get("cache-control")).toBe("no-store");

  const auth = await get("/api/health/clever-auth", host.keys.functionKey);
  expect(auth.status).toBe(503);
  expect(auth.headers.get("cache-control")).toBe("no-store");
  expect(Object.keys(auth.body.entries)).toEqual(["ogdenville", "shelbyville", "springfield"]);
  expect(auth.body.entries.springfield).toEqual({
    status: "Healthy",
    description: expect.stringMatching(/^Token valid until /),
    duration: expect.stringMatching(TIME_SPAN),
    data: {
      tenantId: "springfield",
      state: "valid",
      runtimeStatus: "Running",
      mode: "client-credentials",
      fingerprint: "0123456789ab",
      expiresAt: expect.any(String),
      nextRefreshAt: expect.any(String),
      lastRefreshedAt: expect.any(String),
      consecutiveFailures: 0,
      lastError: null,
    },
  });
  expect(auth.body.entries.shelbyville).toMatchObject({ status: "Degraded", data: { state: "failing", consecutiveFailures: 1 } });
  expect(auth.body.entries.ogdenville).toMatchObject({ status: "Unhealthy", data: { state: "missing", runtimeStatus: null } });
});

test("503 when a dependency is Unhealthy; liveness stays 200", async () => {
  current.checks.sql.result = { status: "Unhealthy", description: "StoreUnavailableError: cannot open the SQLite database" };
  await refreshed();
  expect((await get("/api/health")).status).toBe(503);
  const ready = await get("/api/health/ready");
  expect(ready.status).toBe(503);
  expect(ready.body.entries.sql.status).toBe("Unhealthy");
  const live = await get("/api/health/live");
  expect(live.status).toBe(200);
  expect(live.body).toEqual({ status: "Healthy", totalDuration: "00:00:00.0000000", entries: { host: expect.objectContaining({ status: "Healthy" }) } });
  expect(live.headers.get("cache-control")).toBe("no-store");
});

test("Degraded answers 200", async () => {
  current.checks.clever.result = { status: "Degraded", description: "rate limited" };
  await refreshed();
  const ready = await get("/api/health/ready");
  expect([ready.status, ready.body.status]).toEqual([200, "Degraded"]);
});

test("health, live and ready are anonymous; clever-auth needs a function key", async () => {
  for (const path of ["/api/health", "/api/health/live", "/api/health/ready"]) expect((await host.fetch(path, { key: false })).status).not.toBe(401);
  expect((await host.fetch("/api/health/clever-auth", { key: false })).status).toBe(401);
  expect((await host.fetch("/api/health/clever-auth", { key: "not-the-key" })).status).toBe(401);
  expect((await host.fetch("/api/health/clever-auth", { key: host.keys.functionKey })).status).not.toBe(401);
  expect((await host.fetch(`/api/health/clever-auth?code=${host.keys.functionKey}`, { key: false })).status).not.toBe(401);
});

test("/api/health never shows a tenant id or tenant detail, even when the token check fails naming one", async () => {
  await refreshed();
  const healthy = await get("/api/health");
  const ready = await get("/api/health/ready");
  for (const text of [healthy.text, ready.text]) {
    for (const tenant of TENANTS) expect(text).not.toContain(tenant);
    expect(text).not.toContain("0123456789ab");
  }
  // A failure whose message names a tenant (a corrupt registry row, say) is summarized generically.
  const failing = new HealthSnapshot({
    checks: {
      [CLEVER_AUTH_CHECK]: async () => {
        throw new Error("Tenant 'springfield' has a corrupt row");
      },
    },
  });
  await failing.refresh();
  processHealth.use({ snapshot: failing, keepers: new KeeperReaderSlot() });
  const failed = await get("/api/health");
  expect(failed.body.entries.cleverAuth).toMatchObject({ status: "Unhealthy", description: expect.stringContaining("/api/health/clever-auth") });
  expect(failed.text).not.toContain("springfield");
  // The key holder's endpoint shows the detail.
  expect((await get("/api/health/clever-auth", host.keys.functionKey)).text).toContain("springfield");
});

test("no response carries a secret: tokens, client secrets, connection strings", async () => {
  current.checks.sql.result = { status: "Unhealthy", description: `Login failed for ${SQL_CONNECTION}`, data: { connectionString: SQL_CONNECTION } };
  current.checks.keyVault.result = { status: "Degraded", description: `served cached ${CLIENT_SECRET}`, data: { clientSecret: CLIENT_SECRET } };
  await refreshed();
  const texts = [
    (await get("/api/health")).text,
    (await get("/api/health/ready")).text,
    (await get("/api/health/live")).text,
    (await get("/api/health/clever-auth", host.keys.functionKey)).text,
  ];
  for (const text of texts) {
    for (const secret of [ACCESS_TOKEN, CLIENT_SECRET, "Sql-Pa55word-Value", "accessToken"]) expect(text).not.toContain(secret);
  }
  // The failing keeper's lastError is kept, with the secret scrubbed out.
  expect(texts[3]).toContain("token endpoint said client_secret=[REDACTED]");
});

test("requests never run a check: counts before and after many requests are equal", async () => {
  await refreshed();
  // The first binding's one-off refresh of the token check has settled.
  await waitFor(() => !current.runtime.snapshot.running || current.cleverAuthCalls() >= 2);
  const before = [...Object.values(current.checks).map((c) => c.calls), current.cleverAuthCalls()];
  for (let i = 0; i < 50; i++) {
    await Promise.all([get("/api/health"), get("/api/health/ready"), get("/api/health/live"), get("/api/health/clever-auth", host.keys.functionKey)]);
  }
  const after = [...Object.values(current.checks).map((c) => c.calls), current.cleverAuthCalls()];
  expect(after).toEqual(before);
});

test("the snapshot is refreshed in the background, not by requests", async () => {
  const fast = world();
  const snapshot = new HealthSnapshot({ checks: { sql: fast.checks.sql }, intervalMs: 30 });
  processHealth.use({ snapshot, keepers: fast.runtime.keepers });
  snapshot.start();
  try {
    await waitFor(() => fast.checks.sql.calls >= 3);
    fast.checks.sql.result = { status: "Unhealthy", description: "gone" };
    await waitFor(() => snapshot.record("sql").entry.status === "Unhealthy");
    expect((await get("/api/health/ready")).status).toBe(503);
  } finally {
    snapshot.stop();
  }
});

test("invalid settings: the lazily built runtime fails, health answers 503 naming the setting (never its value); liveness is unaffected", async () => {
  processHealth.use(undefined);
  processServices.use(undefined);
  const saved = process.env.CLEVER_API_BASE_URL;
  process.env.CLEVER_API_BASE_URL = "not-a-url-but-maybe-private";
  try {
    for (const path of ["/api/health", "/api/health/ready"]) {
      const { status, text, body } = await get(path);
      expect(status).toBe(503);
      expect(body.entries.configuration).toMatchObject({ status: "Unhealthy", description: expect.stringMatching(/^SettingsError: .*CLEVER_API_BASE_URL/s) });
      expect(text).not.toContain("not-a-url-but-maybe-private");
    }
    expect((await get("/api/health/clever-auth", host.keys.functionKey)).status).toBe(503);
    expect((await get("/api/health/live")).status).toBe(200);
    expect(processHealth.current).toBeUndefined();
  } finally {
    if (saved === undefined) delete process.env.CLEVER_API_BASE_URL;
    else process.env.CLEVER_API_BASE_URL = saved;
    processServices.use(undefined);
  }
});

test("latency: handlers answer from memory (measured, not asserted)", async () => {
  await refreshed();
  const provide = () => current.runtime;
  const calls = 20_000;
  let started = performance.now();
  for (let i = 0; i < calls; i++) {
    healthResponse(provide);
    readinessResponse(provide);
  }
  const handlerMicros = ((performance.now() - started) * 1000) / (calls * 2);

  const requests = 400;
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    started = performance.now();
    await get("/api/health");
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  if (process.env.MEASURE) console.log(
    `health latency: handler in-process ${handlerMicros.toFixed(1)} µs/call; ` + `GET /api/health through the devhost over loopback p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms (${requests} sequential requests)`,
  );
  expect(times.length).toBe(requests);
});
