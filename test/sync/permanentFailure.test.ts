/**
 * A failure no retry can fix stops the run at once (issue 16): a tenant whose Clever credentials
 * are missing fails after one planning attempt — no durable retry, no backoff timer — and the run
 * summary and the instance's error name the missing setting.
 */
import { HistoryEventType } from "../../lib/devhost";
import { retryInputFrom } from "../../lib/sync/starter";
import { PLAN_SYNC_RUN, SYNC_TENANT, syncInstanceId } from "../../lib/sync/syncTenant";
import { startSyncWorld, SyncWorld } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

test("missing credentials: one planning attempt, no retry timer, the run names CLEVER__ACME__CLIENT_ID", async () => {
  world = await startSyncWorld({ users: 50 });
  await world.services.tenants.create({ id: "acme", displayName: "Acme", cleverDistrictId: world.simulator.district().id });
  const runId = "20260105T080000.000Z-test-a1";
  const id = world.host.startNew(SYNC_TENANT, { instanceId: syncInstanceId("acme", runId), input: { tenantId: "acme", runId, mode: "full", retry: retryInputFrom(world.services.settings) } });
  const started = world.host.clock.now();
  const status = await world.host.runToCompletion(id, { maxVirtualMs: 30 * 60_000 });

  expect(status.runtimeStatus).toBe("Failed");
  expect(JSON.stringify(status.output)).toMatch(/CLEVER__ACME__CLIENT_ID/);
  const history = world.host.history(id);
  const plans = history.filter((e) => e.EventType === HistoryEventType.TaskScheduled && (e as { Name?: string }).Name === PLAN_SYNC_RUN);
  expect(plans).toHaveLength(1);
  expect(history.filter((e) => e.EventType === HistoryEventType.TimerCreated)).toEqual([]);
  expect(world.host.clock.now() - started).toBe(0);
  const store = await world.services.stores.storeFor("acme");
  const [run] = await store.listRuns("acme", 1);
  expect(run).toMatchObject({ runId, status: "failed", error: expect.stringMatching(/CLEVER__ACME__CLIENT_ID/) });
});
