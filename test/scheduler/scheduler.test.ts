import { latestSlot } from "../../lib/scheduler/scheduler";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

test("latestSlot is the schedule's last firing at or before now", () => {
  expect(latestSlot("0 0 */6 * * *", new Date("2026-11-25T13:20:00Z")).toISOString()).toBe("2026-11-25T12:00:00.000Z");
  expect(latestSlot("0 0 */6 * * *", new Date("2026-11-25T12:00:00Z")).toISOString()).toBe("2026-11-25T12:00:00.000Z");
});

describe("the scheduler timer", () => {
  let world: SyncWorld;
  afterEach(async () => world.stop());

  test("keeps the token keeper running and starts each due slot exactly once, even when ticks overlap", async () => {
    world = await startSyncWorld({ users: 100 });
    world.host.terminate(`token:${TENANT}`, "simulated crash");
    await Promise.all([world.host.invokeFunction("scheduler"), world.host.invokeFunction("scheduler")]);
    await world.host.invokeFunction("scheduler");
    await world.host.runUntilIdle();
    expect(world.host.getStatus(`token:${TENANT}`)?.runtimeStatus).toBe("Running");
    const syncs = world.host.engine.listInstances({ instanceIdPrefix: `sync:${TENANT}:` });
    expect(syncs).toHaveLength(1);
    expect(syncs[0].instanceId).toMatch(/-scheduled$/);
    const status = await world.host.runToCompletion(syncs[0].instanceId, { maxVirtualMs: 60_000 });
    expect(status.runtimeStatus).toBe("Completed");
  });
});

describe("a schedule slot across restarts", () => {
  let world: SyncWorld;
  afterEach(async () => world.stop());

  test("a slot whose run is in the SQL run history is not started again when the durable instance is gone (a restart of the local host)", async () => {
    world = await startSyncWorld({ users: 100 });
    await world.host.invokeFunction("scheduler");
    const [slot] = world.host.engine.listInstances({ instanceIdPrefix: `sync:${TENANT}:` });
    expect(slot?.instanceId).toMatch(/-scheduled$/);
    expect((await world.host.runToCompletion(slot!.instanceId, { maxVirtualMs: 60_000 })).runtimeStatus).toBe("Completed");
    // The local host keeps durable state in memory: after a restart the instance is simply gone.
    world.host.engine.purge(slot!.instanceId);
    await world.host.invokeFunction("scheduler");
    await world.host.runUntilIdle();
    expect(world.host.engine.listInstances({ instanceIdPrefix: `sync:${TENANT}:` })).toHaveLength(0);
    const runs = await (await world.services.stores.storeFor(TENANT)).listRuns(TENANT, 10);
    expect(runs.filter((run) => run.runId.endsWith("-scheduled"))).toHaveLength(1);
  });
});
