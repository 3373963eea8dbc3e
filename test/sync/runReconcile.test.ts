/**
 * Runs never stay "running" when nothing will close them: a run whose orchestration instance is
 * gone, failed or was terminated is closed with the reason, at start-up and when runs are read.
 */
import type { RunSummary } from "../../lib/store";
import { reconciledRun } from "../../lib/sync/runReconcile";
import { reconcileRunSummaries } from "../../lib/localstack/syncRunner";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

const running: RunSummary = { runId: "r1", tenantId: "t1", mode: "full", status: "running", startedAt: "2026-01-05T08:00:00Z", instanceId: "sync:t1:r1" };

describe("reconciledRun", () => {
  test("an instance that is gone closes the run as interrupted, naming the instance", () => {
    expect(reconciledRun(running, undefined)).toMatchObject({ status: "failed", error: expect.stringMatching(/^Interrupted: .*'sync:t1:r1' no longer exists/) });
  });
  test.each(["Failed", "Terminated", "Canceled"])("an instance that is %s closes the run with its reason", (runtimeStatus) => {
    expect(reconciledRun(running, { runtimeStatus, output: "boom\nstack" })).toMatchObject({ status: "failed", error: `Interrupted: its orchestration instance 'sync:t1:r1' is ${runtimeStatus} (boom).` });
  });
  test("a completed instance closes the run as completed with its counts", () => {
    expect(reconciledRun(running, { runtimeStatus: "Completed", output: { counts: { users: 3 } } })).toEqual({ status: "completed", counts: { users: 3 }, error: null });
  });
  test.each(["Running", "Pending", "Suspended"])("a %s instance leaves the run alone", (runtimeStatus) => {
    expect(reconciledRun(running, { runtimeStatus, output: null })).toBeUndefined();
  });
  test("finished runs are never touched", () => {
    expect(reconciledRun({ ...running, status: "completed" }, undefined)).toBeUndefined();
  });
});

describe("with the real store and host", () => {
  let world: SyncWorld;
  beforeAll(async () => {
    world = await startSyncWorld({ users: 100 });
  });
  afterAll(async () => {
    await world.stop();
  });

  test("at start-up and on read (GET /api/tenants/{id}/runs), a run left running by a lost instance is closed", async () => {
    const store = await world.services.stores.storeFor(TENANT);
    await store.startRun({ runId: "lost-1", tenantId: TENANT, mode: "full", status: "running", startedAt: "2026-01-05T07:00:00Z", instanceId: `sync:${TENANT}:lost-1` });
    const closed = await reconcileRunSummaries(world.host, world.services);
    expect(closed).toEqual([{ tenantId: TENANT, runId: "lost-1", error: expect.stringMatching(/^Interrupted: /) }]);
    expect((await store.listRuns(TENANT, 5)).find((r) => r.runId === "lost-1")).toMatchObject({ status: "failed", error: expect.stringMatching(/no longer exists/) });

    await store.startRun({ runId: "lost-2", tenantId: TENANT, mode: "full", status: "running", startedAt: "2026-01-05T07:30:00Z", instanceId: `sync:${TENANT}:lost-2` });
    const response = await world.host.fetch(`/api/tenants/${TENANT}/runs?limit=5`, { key: world.host.keys.functionKey });
    const { runs } = (await response.json()) as { runs: RunSummary[] };
    expect(runs.find((r) => r.runId === "lost-2")).toMatchObject({ status: "failed", error: expect.stringMatching(/^Interrupted: /) });
    expect((await store.listRuns(TENANT, 5)).find((r) => r.runId === "lost-2")?.status).toBe("failed");
  });

  test("runs their own orchestration closed are left as they are", async () => {
    const status = await world.sync("full", "live-1");
    expect(status.runtimeStatus).toBe("Completed");
    const store = await world.services.stores.storeFor(TENANT);
    expect((await store.listRuns(TENANT, 10)).find((r) => r.runId === "live-1")?.status).toBe("completed");
    expect(await reconcileRunSummaries(world.host, world.services)).toEqual([]);
  });
});
