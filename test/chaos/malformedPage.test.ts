/**
 * A page Clever keeps answering with something that is not its JSON envelope (truncated JSON, a
 * wrong envelope, a gateway's HTML page): retrying cannot help, so the run must fail cleanly —
 * Failed status, a run summary whose error names the resource and the page — and once the fault
 * is gone the next run must repair the mirror.
 */
import { LARGE, startChaosWorld, syncAndSummarize, type ChaosWorld } from "./chaosWorld";
import type { MalformedKind } from "../../lib/simulator";

const USERS = LARGE ? 3000 : 450;
const PAGE_SIZE = 100;
const KINDS: MalformedKind[] = ["invalid-json", "bad-envelope", "html"];

let world: ChaosWorld | undefined;
afterEach(async () => {
  const findings = (await world?.stopAndScan()) ?? [];
  world = undefined;
  expect(findings).toEqual([]);
});

test.each(KINDS)("a persistently %s users page 3: the run fails naming resource and page; after the fault clears the next run repairs", async (kind) => {
  world = await startChaosWorld({ users: USERS, pageSize: PAGE_SIZE });
  world.simulator.setFaults({ malformedPages: [{ resource: "users", page: 3, kind }] });

  const failed = await syncAndSummarize(world, "full", "run-1");
  expect(failed.status.runtimeStatus).toBe("Failed");
  const expected = /resource "users" page 3/;
  expect(String(failed.status.output)).toMatch(expected);
  expect(failed.status.customStatus).toMatchObject({ phase: "failed", lastError: expect.stringMatching(expected) });
  expect(failed.run).toMatchObject({ status: "failed", error: expect.stringMatching(expected) });
  // What was read before the bad page is kept (checkpointed), not thrown away.
  const store = await world.services.stores.storeFor("shelbyville");
  expect((await store.counts("shelbyville")).users.live).toBe(2 * PAGE_SIZE);
  // The durable retry tried again (and resumed after the checkpointed pages) before giving up.
  expect(world.simulator.requestStats().faults.malformed).toBeGreaterThanOrEqual(2);

  world.simulator.clearFaults();
  const repaired = await syncAndSummarize(world, "incremental", "run-2");
  expect(repaired.status.runtimeStatus).toBe("Completed");
  // No full sync ever completed, so events alone cannot build the mirror: it falls back to full.
  expect(repaired.status.output).toMatchObject({ mode: "full" });
  expect(repaired.run).toMatchObject({ status: "completed", error: null });
  expect(await world.differences()).toEqual([]);
}, 60_000);

test("a malformed page in the events feed fails the incremental run cleanly; the next run catches up", async () => {
  world = await startChaosWorld({ users: USERS, pageSize: PAGE_SIZE });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const sim = world.simulator;
  const district = sim.district();
  for (let seq = 0; seq < 150; seq++) sim.update("users", district.idAt("users", seq), { email: `moved.${seq}@example.org` });
  // Events come 100 to a page; the second one is broken until the fault is cleared.
  sim.injectNext({ kind: "malformed", malformed: "invalid-json" }, { count: 1000, path: /^\/v3\.0\/events\?.*starting_after=/ });

  const failed = await syncAndSummarize(world, "incremental", "run-2");
  expect(failed.status.runtimeStatus).toBe("Failed");
  expect(failed.run).toMatchObject({ status: "failed", error: expect.stringMatching(/resource "events" page \d/) });

  sim.clearFaults();
  const repaired = await syncAndSummarize(world, "incremental", "run-3");
  expect(repaired.status.runtimeStatus).toBe("Completed");
  expect(repaired.status.output).toMatchObject({ mode: "incremental" });
  expect(await world.differences()).toEqual([]);
}, 60_000);
