/**
 * Tokens revoked while a sync runs.
 *  - Client-credentials tenant: Clever revokes each token after a few requests. Every 401 makes
 *    the activity invalidate the token and ask the keeper for a new one; the sync completes equal.
 *  - District-token tenant: the district's token is revoked mid-run and Clever lists no other, so
 *    no token can be had: the run fails cleanly; once the district authorizes the app again, the
 *    next run repairs.
 * Both scan everything for the client secret and every token the simulator issued; a planted
 * token proves the scan looks where the tokens would be.
 */
import { DEMO_CLIENT_ID } from "../../lib/simulator";
import { tokenKeeperInstanceId } from "../../lib/tokens";
import { issuedTokens, LARGE, startChaosWorld, syncAndSummarize, TENANT, type ChaosWorld } from "./chaosWorld";

const USERS = LARGE ? 3000 : 500;
const PAGE_SIZE = 100;

let world: ChaosWorld | undefined;
afterEach(async () => {
  const findings = (await world?.stopAndScan()) ?? [];
  world = undefined;
  expect(findings).toEqual([]);
});

test("client-credentials tokens revoked every few requests: the sync rotates tokens and completes equal", async () => {
  world = await startChaosWorld({ users: USERS, pageSize: PAGE_SIZE });
  await world.services.tenants.update(TENANT, { settings: { authMode: "client-credentials" } });
  // The keeper's current token (a district token from start-up) and every later one die after 4 requests.
  world.simulator.setFaults({ revokeTokenAfterRequests: 4 });

  const { status, run } = await syncAndSummarize(world, "full", "run-1");
  expect(status.runtimeStatus).toBe("Completed");
  expect(run).toMatchObject({ status: "completed", error: null });
  expect(await world.differences()).toEqual([]);
  const revoked = world.simulator.requestStats().faults.revoked;
  expect(revoked).toBeGreaterThanOrEqual(3);
  // A revocation costs a 401 per request in flight with that token and one refresh — never a failed activity.
  expect(world.simulator.requestStats().byStatus[401]).toBeGreaterThanOrEqual(revoked);
  expect(world.host.history(status.instanceId).filter((e) => e.EventType === 6 /* TaskFailed */)).toEqual([]);
  const keeper = world.host.getStatus(tokenKeeperInstanceId(TENANT))!.customStatus as { state: string; mode: string };
  expect(keeper).toMatchObject({ state: "valid", mode: "client-credentials" });
  expect(issuedTokens(world.simulator).length).toBeGreaterThanOrEqual(revoked + 1);
}, 60_000);

test("the district's token is revoked mid-run and no other exists: the run fails cleanly; after re-authorization the next run repairs", async () => {
  world = await startChaosWorld({ users: USERS, pageSize: PAGE_SIZE });
  // Real time an activity waits for the keeper before failing (default 30 s); durable retries follow.
  world.services.settings.TOKEN_WAIT_TIMEOUT_SECONDS = 0.3;
  world.simulator.setFaults({ revokeTokenAfterRequests: 6 });

  const failed = await syncAndSummarize(world, "full", "run-1");
  expect(failed.status.runtimeStatus).toBe("Failed");
  expect(failed.run).toMatchObject({ status: "failed", error: expect.stringMatching(/token/i) });
  expect(failed.run!.error).toContain("token:shelbyville");
  // The error sends operators to the keeper's custom status. It shows the failure once the keeper's
  // own durable retries of the refresh (5 s, 10 s) are spent; until then it still reads "valid".
  await world.host.advance(60_000);
  const keeper = world.host.getStatus(tokenKeeperInstanceId(TENANT))!.customStatus as { state: string; lastError: string };
  expect(keeper).toMatchObject({ state: "failing", lastError: expect.stringMatching(/not authorized|authoriz/i) });

  // The district approves the app again: Clever lists a new district token.
  world.simulator.clearFaults();
  world.simulator.authorizeDistrict(DEMO_CLIENT_ID, world.simulator.district().id);
  const repaired = await syncAndSummarize(world, "full", "run-2");
  expect(repaired.status.runtimeStatus).toBe("Completed");
  expect(repaired.run).toMatchObject({ status: "completed", error: null });
  expect(await world.differences()).toEqual([]);
}, 60_000);

test("the secret scan finds a token wherever one would leak (positive control)", async () => {
  const w = await startChaosWorld({ users: 50 });
  await w.sync("full", "run-1");
  const [token] = issuedTokens(w.simulator);
  expect(token).toMatch(/^[0-9a-f]{40}$/);
  // Plant it where a careless change would put it: a log line, and the reason an instance ended with.
  w.host.logs.push({ functionName: "planted", invocationId: "", level: "information", message: `Authorization: Bearer ${token}` });
  w.host.terminate(tokenKeeperInstanceId(TENANT), `planted ${token}`);
  await w.host.runUntilIdle();
  const findings = await w.stopAndScan();
  expect(findings).toEqual(
    expect.arrayContaining([
      "devhost logs: simulator token #1",
      `instance ${tokenKeeperInstanceId(TENANT)} (input, output, custom status): simulator token #1`,
      expect.stringMatching(/^HTTP GET \/runtime\/webhooks\/durabletask\/instances.* → 200: simulator token #1$/),
    ]),
  );
}, 30_000);
