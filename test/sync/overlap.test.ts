/**
 * Overlapping runs of one tenant (a CLI run while the schedule fires, two processes on one
 * database): the run lease in the tenant's database lets one write at a time, so neither run's
 * sweep can delete what the other saw. Both runs here are started straight on the engine, around
 * every starter, as another process would: only the lease stands between them.
 */
import { retryInputFrom } from "../../lib/sync/starter";
import { SYNC_TENANT, syncInstanceId } from "../../lib/sync/syncTenant";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

test("two full syncs started together end equal to Clever, and their runs never overlap", async () => {
  world = await startSyncWorld({ users: 3000, pageSize: 250 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const start = (runId: string) =>
    world.host.startNew(SYNC_TENANT, { instanceId: syncInstanceId(TENANT, runId), input: { tenantId: TENANT, runId, mode: "full", retry: retryInputFrom(world.services.settings) } });
  const a = start("run-2");
  const b = start("run-3");
  const [sa, sb] = [await world.host.runToCompletion(a, { maxVirtualMs: 30 * 60_000 }), await world.host.runToCompletion(b, { maxVirtualMs: 30 * 60_000 })];
  // Clever never changed: nothing may be missing or deleted.
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  expect((await store.counts(TENANT)).users).toEqual({ live: 3000, deleted: 0 });
  // One run wrote at a time: the other waited (durable retry of its planning) or gave up, never interleaved.
  const runs = (await store.listRuns(TENANT, 10)).filter((r) => r.runId !== "run-1");
  expect([sa.runtimeStatus, sb.runtimeStatus]).toContain("Completed");
  const completed = runs.filter((r) => r.status === "completed").sort((x, y) => x.startedAt.localeCompare(y.startedAt));
  for (let i = 1; i < completed.length; i++) expect(completed[i]!.startedAt >= completed[i - 1]!.finishedAt!).toBe(true);
}, 180_000);
