import * as df from "durable-functions";
import { CleverClient } from "../../lib/clever";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { processServices } from "../../lib/runtime/services";
import { tenantTokenProvider } from "../../lib/runtime/tokenFunctions";
import { fingerprintOf, tokenKeeperInstanceId, TenantTokenProvider } from "../../lib/tokens";
import { startTokenWorld, TENANT, TokenWorld } from "./harness";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A sync-like activity: reads Clever through the product's token provider and durable client. */
df.app.activity("probeClever", {
  extraInputs: [df.input.durableClient()],
  handler: async (requests: number, context) => {
    const services = processServices.get();
    const provider = tenantTokenProvider(services, df.getClient(context), TENANT, "probeClever");
    const client = new CleverClient({ tokenProvider: provider, baseUrl: services.settings.CLEVER_API_BASE_URL, sleep: async () => undefined });
    try {
      for (let i = 0; i < requests; i++) await client.me();
      return "ok";
    } finally {
      await client.close();
    }
  },
});
df.app.orchestration("probeOrchestration", function* (context) {
  return yield context.df.callActivity("probeClever", context.df.getInput<number>());
});

let world: TokenWorld;
afterEach(async () => {
  await world.stop();
});

test("three simulated days with 1-hour tokens: refresh at 45 minutes, no failed request, bounded history", async () => {
  world = await startTokenWorld({ faults: { tokenLifetimeSeconds: 3600 } });
  const start = world.host.clock.now();
  const id = world.startKeeper();
  await world.host.runUntilIdle();
  expect(world.status()).toMatchObject({ tenantId: TENANT, state: "valid", mode: "client-credentials", consecutiveFailures: 0 });

  // A concurrent caller reads Clever every 5 simulated minutes with whatever token the cache holds.
  const caller = new TenantTokenProvider(TENANT, world.services.tokenCache, { requestRefresh: async () => world.host.raiseEvent(id, "refreshNow", {}) }, {
    waitTimeoutMs: 5_000,
    now: () => world.host.clock.now(),
  });
  const client = new CleverClient({ tokenProvider: caller, baseUrl: world.services.settings.CLEVER_API_BASE_URL, refreshOn401: false, sleep: async () => undefined });
  const refreshes: number[] = [];
  let failedRequests = 0;
  let longestHistory = 0;
  let lastFingerprint = world.status().fingerprint;
  for (let t = 0; t < 72 * HOUR; t += 5 * MINUTE) {
    await world.host.advance(5 * MINUTE);
    await client.me().catch(() => failedRequests++);
    const status = world.status();
    if (status.fingerprint !== lastFingerprint) {
      refreshes.push(Date.parse(status.lastRefreshedAt!) - start);
      lastFingerprint = status.fingerprint;
    }
    longestHistory = Math.max(longestHistory, world.host.history(id).length);
  }
  await client.close();

  expect(failedRequests).toBe(0);
  // 72 h / 45 min = 96 refreshes, each 45 minutes after the previous one.
  expect(refreshes.length).toBe(96);
  const gaps = refreshes.map((at, i) => at - (i === 0 ? 0 : refreshes[i - 1]));
  expect(gaps.every((gap) => gap === 45 * MINUTE)).toBe(true);
  expect(longestHistory).toBeLessThanOrEqual(20);
  expect(world.host.getStatus(id)?.runtimeStatus).toBe("Running");
}, 60_000);

test("token endpoint down for 10 minutes: backoff, failing status, recovery on its own", async () => {
  world = await startTokenWorld({ faults: { tokenLifetimeSeconds: 3600 } });
  world.simulator.injectNext({ kind: "status", status: 503 }, { count: 1_000_000, target: "oauth" });
  world.startKeeper();
  // A failed cycle takes 15 s: three attempts 5 s and 10 s apart, and no backoff after the last
  // one (DTFx RetryInterceptor's dummy timer fires at once). Cycles start at 0, 1.25, 3.5 and 7.75
  // minutes, so the 4th has failed by 8.5 minutes.
  await world.host.advance(8 * MINUTE + 30_000);
  const failing = world.status();
  expect(failing).toMatchObject({ state: "failing", consecutiveFailures: 4, fingerprint: null });
  expect(failing.lastError).toMatch(/503|unavailable|server/i);
  // Backoff doubles: the next attempt is 8 minutes after the 4th failed cycle.
  expect(Date.parse(failing.nextRefreshAt) - world.host.clock.now()).toBeGreaterThan(7 * MINUTE);

  world.simulator.clearFaults();
  await world.host.advance(10 * MINUTE);
  expect(world.status()).toMatchObject({ state: "valid", consecutiveFailures: 0, lastError: null });
  expect(world.status().fingerprint).toMatch(/^[0-9a-f]{12}$/);
}, 30_000);

test("a 401 during a request refreshes at once through refreshNow and the request succeeds", async () => {
  world = await startTokenWorld({ faults: { tokenLifetimeSeconds: 3600 } });
  const keeper = world.startKeeper();
  await world.host.runUntilIdle();
  const before = world.status().fingerprint;
  // Each token is revoked after 4 requests; the keeper's own validation (/me) used one.
  world.simulator.updateFaults({ revokeTokenAfterRequests: 4 });

  const probe = world.host.startNew("probeOrchestration", { input: 5 });
  const status = await world.host.runToCompletion(probe, { autoAdvance: false });
  expect(status).toMatchObject({ runtimeStatus: "Completed", output: "ok" });
  // The keeper ran again because of the event, not because time passed.
  expect(world.status().fingerprint).not.toBe(before);
  expect((world.host.getStatus(keeper)?.input as { reason: string }).reason).toBe("refreshNow");
  expect(world.simulator.requestStats().byStatus[401]).toBe(1);
}, 30_000);

test("non-expiring district tokens are validated on schedule, and a revoked one is replaced", async () => {
  world = await startTokenWorld({ authMode: "district-token" });
  world.startKeeper();
  await world.host.runUntilIdle();
  const first = world.status();
  expect(first).toMatchObject({ state: "valid", mode: "district-token", expiresAt: null });
  expect(Date.parse(first.nextRefreshAt) - world.host.clock.now()).toBe(HOUR);

  await world.host.advance(HOUR);
  expect(world.status().fingerprint).toBe(first.fingerprint); // validated, kept

  const cached = await world.services.tokenCache.get(TENANT);
  world.simulator.revokeToken(cached!.accessToken);
  // The district approves the app again: Clever lists a new district token.
  world.simulator.authorizeDistrict(DEMO_CLIENT_ID, world.simulator.district().id);
  await world.host.advance(HOUR);
  const after = world.status();
  expect(after.fingerprint).not.toBe(first.fingerprint);
  expect(fingerprintOf(((await world.services.tokenCache.get(TENANT))!).accessToken)).toBe(after.fingerprint);
}, 30_000);

test("nothing secret reaches durable state: history, status, input and output hold metadata only", async () => {
  world = await startTokenWorld({ faults: { tokenLifetimeSeconds: 3600 } });
  const id = world.startKeeper();
  await world.host.advance(2 * HOUR);
  const token = (await world.services.tokenCache.get(TENANT))!.accessToken;
  const durable = JSON.stringify({ history: world.host.history(id), status: world.host.getStatus(id), logs: world.host.logs });
  expect(durable).not.toContain(token);
  expect(durable).not.toContain(DEMO_CLIENT_SECRET);
  expect(durable).toContain(tokenKeeperInstanceId(TENANT));
});

test("the keeper's schedule reads epoch milliseconds, never the text of a date carried through state", async () => {
  world = await startTokenWorld();
  const start = world.host.clock.now();
  // The host re-formats date-like strings in activity output (lib/devhost/hostJson.ts); here the
  // text is not even a date, and the schedule must not care.
  world.host.replaceActivity("refreshToken", () => ({
    action: "fetched",
    fingerprint: "abcdef012345",
    mode: "client-credentials",
    obtainedAt: "not a date",
    expiresAt: "not a date either",
    obtainedAtMs: start,
    expiresAtMs: start + HOUR,
  }));
  world.startKeeper();
  await world.host.runUntilIdle();
  const status = world.status();
  expect(Date.parse(status.nextRefreshAt) - start).toBe(45 * MINUTE);
  expect(Date.parse(status.expiresAt!) - start).toBe(HOUR);
  expect(Date.parse(status.lastRefreshedAt!) - start).toBe(0);
});

