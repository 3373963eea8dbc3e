/**
 * Token validation uses `GET /v3.0/districts` (documented to return only the token's district),
 * never `/v3.0/me`, whose shape for district-app tokens Clever does not document.
 */
import { startTokenWorld, TENANT, TokenWorld } from "./harness";

let world: TokenWorld;
afterEach(async () => {
  await world.stop();
});

test("a district token is validated without /v3.0/me: the keeper stays valid when /me is unavailable", async () => {
  world = await startTokenWorld({ authMode: "district-token" });
  // Any answer from /me but a 200 would fail validation that relies on it.
  world.simulator.injectNext({ kind: "status", status: 404, body: '{"message":"not found"}' }, { count: 1000, path: "/v3.0/me" });
  world.startKeeper();
  await world.host.runUntilIdle();
  expect(world.status()).toMatchObject({ tenantId: TENANT, state: "valid", mode: "district-token", consecutiveFailures: 0 });

  // The scheduled validation an hour later uses /districts too, and sees a revocation as a refetch.
  await world.host.advance(61 * 60_000);
  expect(world.status()).toMatchObject({ state: "valid", consecutiveFailures: 0 });
  expect(world.simulator.requestStats().faults.serverErrors ?? 0).toBe(0);
});
