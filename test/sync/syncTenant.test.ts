import { DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

test("a full sync of a 5,000-user district equals the simulator's ground truth, record by record", async () => {
  world = await startSyncWorld({ users: 5000 });
  const status = await world.sync("full", "run-1");
  expect(status.runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const counts = await store.counts(TENANT);
  expect(counts.users.live).toBe(5000);
  expect(status.customStatus).toMatchObject({ phase: "completed", mode: "full", lastError: null });
  const [run] = await store.listRuns(TENANT, 1);
  expect(run).toMatchObject({ runId: "run-1", status: "completed", mode: "full" });

  // Telemetry: the signals the alert rules use, and no secret anywhere in what was emitted.
  const events = world.telemetry.of("event").map((e) => e.name);
  expect(events).toEqual(expect.arrayContaining(["TokenRefreshed", "SyncStarted", "SyncCompleted"]));
  const records = world.telemetry.of("metric").filter((m) => m.name === "RecordsSynced").reduce((sum, m) => sum + m.value, 0);
  expect(records).toBe(status.output && (status.output as { records: number }).records);
  const token = (await world.services.tokenCache.get(TENANT))!.accessToken;
  const emitted = JSON.stringify(world.telemetry.items) + JSON.stringify(world.host.logs);
  expect(emitted).not.toContain(token);
  expect(emitted).not.toContain(DEMO_CLIENT_SECRET);
}, 120_000);

test("create, update and delete across resources, then an incremental sync: equal again", async () => {
  world = await startSyncWorld({ users: 400 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");

  const sim = world.simulator;
  const district = sim.district();
  const [firstUser] = await first(sim.groundTruth("users"), 1);
  const [aSection, bSection] = await first(sim.groundTruth("sections"), 2);
  const [aSchool] = await first(sim.groundTruth("schools"), 1);
  sim.update("users", firstUser.id, { email: "changed@example.org" });
  sim.update("schools", aSchool.id, { name: "Renamed Elementary" });
  sim.remove("sections", aSection.id);
  const created = sim.create("users", { name: { first: "New", last: "Student" }, email: "new.student@example.org", roles: { student: { school: aSchool.id, grade: "3" } }, district: district.id });
  sim.update("sections", bSection.id, { students: [...((bSection.students as string[]) ?? []), created.id] });

  // The comparison sees every kind of change before the sync (so it can fail) ...
  const before = await world.differences();
  expect(before).toEqual(
    expect.arrayContaining([
      `users ${firstUser.id}: database copy differs from Clever`,
      `schools ${aSchool.id}: database copy differs from Clever`,
      `sections ${aSection.id}: live in the database, not in Clever`,
      `users ${created.id}: in Clever, missing from the database`,
    ]),
  );
  // ... and none after it.
  const status = await world.sync("incremental", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toMatchObject({ mode: "incremental" });
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const enrollments = await store.enrollments(TENANT, bSection.id);
  expect(enrollments.map((e) => e.userId)).toContain(created.id);
}, 60_000);

test("an incremental sync before any full sync falls back to a full sync", async () => {
  world = await startSyncWorld({ users: 200 });
  const status = await world.sync("incremental", "run-1");
  expect(status.output).toMatchObject({ mode: "full" });
  expect(await world.differences()).toEqual([]);
});

test("a full sync soft-deletes what Clever no longer returns, only after the resource completed", async () => {
  world = await startSyncWorld({ users: 300 });
  await world.sync("full", "run-1");
  const [gone] = await first(world.simulator.groundTruth("users"), 1);
  world.simulator.remove("users", gone.id);
  await world.sync("full", "run-2");
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const all = [];
  for await (const row of store.rows(TENANT, "users", { includeDeleted: true })) if (row.cleverId === gone.id) all.push(row);
  expect(all).toHaveLength(1);
  expect(all[0].deletedAt).not.toBeNull();
});

test("a run interrupted by failures resumes from its checkpoint under durable retry and ends equal", async () => {
  world = await startSyncWorld({ users: 3000, pageSize: 500 });
  // The users page after the first fails until the client's own 5 attempts are spent: the activity
  // fails after page 1 was checkpointed, and its durable retry resumes from there.
  world.simulator.injectNext({ kind: "status", status: 503 }, { count: 5, path: /^\/v3\.0\/users\?.*starting_after=/ });
  const status = await world.sync("full", "run-1");
  expect(status.runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const counts = (status.output as { counts: Record<string, { records: number; resumedFromPage: number; durationMs: number }> }).counts;
  const users = counts.users;
  expect(users.records).toBe(3000);
  expect(users.resumedFromPage).toBe(1);
  // A resource's duration spans its retries (the 1 s durable backoff here), measured by the orchestration clock.
  expect(users.durationMs).toBeGreaterThanOrEqual(1000);
  expect(counts.schools.durationMs).toBe(0);
  const retryTimers = world.host.historyWithChildren(status.instanceId).filter((e) => e.EventType === 10 && e.EventId >= 0);
  expect(retryTimers.length).toBeGreaterThanOrEqual(1);
});

test("a resource that fails for good while its sibling is still retrying: the run fails naming it, the sibling completes, nothing is caught while work is open", async () => {
  world = await startSyncWorld({ users: 400, pageSize: 100 });
  // users page 3 is never valid (fails every durable attempt); sections fail all but their last
  // attempt (the client makes 5 requests per attempt), so they are still open when users gives up.
  world.simulator.setFaults({ malformedPages: [{ resource: "users", page: 3, kind: "invalid-json" }] });
  world.simulator.injectNext({ kind: "status", status: 503 }, { count: 5 * 3, path: /^\/v3\.0\/sections/ });
  const status = await world.sync("full", "run-1");
  expect(status.runtimeStatus).toBe("Failed");
  expect(String(status.output)).toMatch(/resource "users" page 3/);
  expect(status.customStatus).toMatchObject({ phase: "failed", resources: { users: { state: "failed" }, sections: { state: "done" } } });
  const store = await world.services.stores.storeFor(TENANT);
  const [run] = await store.listRuns(TENANT, 1);
  expect(run).toMatchObject({ runId: "run-1", status: "failed", error: expect.stringMatching(/resource "users" page 3/) });
  // The sibling finished its work (it is equal to Clever), and its durable retries did happen.
  expect((await world.differences()).filter((d) => d.startsWith("sections "))).toEqual([]);
  expect(world.host.historyWithChildren(status.instanceId).filter((e) => e.EventType === 6 && /syncResource/.test(String(e.Reason))).length).toBeGreaterThanOrEqual(3 + 4);
  // The devhost warns when an orchestrator goes past work the Azure host still awaits (the
  // mis-numbering hazard of OutOfProcOrchestrationShim.ProcessAsyncActionsV2): never here.
  expect(world.host.engine.warnings.filter((w) => /still has open work/.test(w.message))).toEqual([]);
}, 60_000);

async function first<T>(source: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) {
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}
