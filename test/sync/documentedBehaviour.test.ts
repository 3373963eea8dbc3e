/**
 * The sync depends only on what Clever documents (issue 12): each test below drives the real
 * orchestration against the simulator and fails on code that leaned on simulator-only behaviour.
 */
import { CLEVER_AUTH_CHECK, type CleverAuthData } from "../../lib/health/checks";
import { healthChecks } from "../../lib/health/fromServices";
import { KeeperReaderSlot } from "../../lib/health/keeperStatus";
import type { SyncStatus } from "../../lib/sync/types";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

const DAY = 86_400_000;

async function firstOf<T>(source: AsyncIterable<T>): Promise<T> {
  for await (const item of source) return item;
  throw new Error("empty");
}

async function lastRun() {
  const store = await world.services.stores.storeFor(TENANT);
  const [run] = await store.listRuns(TENANT, 1);
  return run as typeof run & { counts: { plan: { mode: string; reason: string; eventsUnavailable: string | null } } };
}

/** The tenant's sync state lives in its own database, beside the rows. */
async function syncState() {
  return (await world.services.stores.storeFor(TENANT)).syncState(TENANT);
}
async function saveSyncState(change: { eventsCursor?: string | null; lastFullSyncAt?: string | null }) {
  const store = await world.services.stores.storeFor(TENANT);
  await store.saveSyncState(TENANT, change, new Date(world.host.clock.now()).toISOString());
}

test("1. a last full sync older than 25 days makes an incremental request run full, saying why", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const state = (await syncState())!;
  const old = new Date(world.host.clock.now() - 26 * DAY).toISOString();
  await saveSyncState({ eventsCursor: state.eventsCursor, lastFullSyncAt: old });

  const status = await world.sync("incremental", "run-2");
  expect(status.output).toMatchObject({ mode: "full" });
  expect((status.customStatus as SyncStatus).reason).toMatch(/last full sync .* older than 25 days/);
  expect((await lastRun()).counts.plan.reason).toMatch(/older than 25 days/);
});

test("1. an events cursor whose ObjectId time is older than 25 days makes the run full, before asking Clever", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const seconds = Math.floor((world.host.clock.now() - 27 * DAY) / 1000);
  const staleCursor = seconds.toString(16).padStart(8, "0") + "0000000000000000";
  await saveSyncState({ eventsCursor: staleCursor, lastFullSyncAt: new Date(world.host.clock.now()).toISOString() });

  const status = await world.sync("incremental", "run-2");
  expect(status.output).toMatchObject({ mode: "full" });
  expect((status.customStatus as SyncStatus).reason).toMatch(/events cursor dates from .* older than 25 days/);
  expect(await world.differences()).toEqual([]);
});

test("2. the cursor is taken by documented paging (no ending_before=last), and a full sync completes when /events fails", async () => {
  world = await startSyncWorld({ users: 100 });
  const [user] = [await firstOf(world.simulator.groundTruth("users"))];
  world.simulator.update("users", user.id, { email: "one@example.org" });
  world.simulator.update("users", user.id, { email: "two@example.org" });
  const newest = world.simulator.district().events.all().at(-1)!.id;
  // A Clever that does not serve `ending_before=last` (documented only for v1.x).
  world.simulator.injectNext({ kind: "status", status: 400, body: '{"message":"bad ending_before"}' }, { count: 1000, path: /ending_before=last/ });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  expect((await syncState())?.eventsCursor).toBe(newest);

  // Events not enabled for the app: Clever answers an error for /events.
  world.simulator.injectNext({ kind: "status", status: 403, body: '{"message":"events are not enabled"}' }, { count: 1000, path: /^\/v3\.0\/events/ });
  const full = await world.sync("full", "run-2");
  expect(full.runtimeStatus).toBe("Completed");
  expect((full.customStatus as SyncStatus).incremental).toMatch(/^unavailable: .*403.*Enable events/);
  expect((await lastRun()).counts.plan.eventsUnavailable).toMatch(/403/);
  expect(await world.differences()).toEqual([]);

  // Later runs stay full and say why, even once nothing fails any more.
  const next = await world.sync("incremental", "run-3");
  expect(next.runtimeStatus).toBe("Completed");
  expect(next.output).toMatchObject({ mode: "full" });
  expect((next.customStatus as SyncStatus).reason).toMatch(/incremental sync is unavailable for this tenant: .*403/);

  // Health (the per-tenant /api/health/clever-auth data) says so too, and why.
  const keepers = new KeeperReaderSlot();
  keepers.bind(async () => [{ tenantId: TENANT, runtimeStatus: "Running" }]);
  const check = healthChecks(world.services, keepers)[CLEVER_AUTH_CHECK]!;
  const health = await check(new AbortController().signal);
  expect((health.data as unknown as CleverAuthData).tenants[0]).toMatchObject({ tenantId: TENANT, incrementalSync: expect.stringMatching(/^unavailable: .*403.*Enable events/) });
});

test("4. a synced record that later arrives invalid keeps its last good row live, flagged stale, pointing at the quarantine entry", async () => {
  world = await startSyncWorld({ users: 120 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const user = await firstOf(world.simulator.groundTruth("users"));
  const store = await world.services.stores.storeFor(TENANT);
  const before = (await firstOf(store.rows(TENANT, "users"))).raw;
  world.simulator.update("users", user.id, { roles: "teacher" });

  const status = await world.sync("full", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  const rows = [];
  for await (const row of store.rows(TENANT, "users", { includeDeleted: true })) if (row.cleverId === user.id) rows.push(row);
  expect(rows).toHaveLength(1);
  expect(rows[0].deletedAt).toBeNull();
  expect(rows[0].raw).toBe(before);
  expect(await store.staleRows(TENANT, "users")).toEqual([expect.objectContaining({ cleverId: user.id, quarantineRunId: "run-2", reason: expect.stringMatching(/roles/) })]);
  expect((await store.quarantined(TENANT, { runId: "run-2" })).map((q) => q.cleverId)).toEqual([user.id]);
  expect((status.output as { counts: { users: { stale: number } } }).counts.users.stale).toBe(1);

  // Valid again: no longer stale.
  world.simulator.update("users", user.id, { roles: { teacher: {} } });
  expect((await world.sync("full", "run-3")).runtimeStatus).toBe("Completed");
  expect(await store.staleRows(TENANT, "users")).toEqual([]);
});

test("5. one malformed event is quarantined with its reason and the cursor moves past it; an event without `created` applies", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const sim = world.simulator;
  const [a, b] = [await firstOf(sim.groundTruth("users")), await firstOf(sim.groundTruth("schools"))];
  const events = sim.district().events;
  events.appendRaw({ type: "users.updated", data: { object: { ...a, email: "no.created@example.org" } } });
  sim.update("users", a.id, { email: "no.created@example.org" });
  events.appendRaw({ type: "users.updated", created: new Date().toISOString(), data: {} });
  sim.update("schools", b.id, { name: "After The Bad Event" });

  const status = await world.sync("incremental", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toMatchObject({ mode: "incremental" });
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const quarantined = await store.quarantined(TENANT, { runId: "run-2" });
  expect(quarantined).toHaveLength(1);
  expect(quarantined[0].reason).toMatch(/data\.object with an id is missing/);
  expect((await syncState())?.eventsCursor).toBe(events.all().at(-1)!.id);

  // The next run does not trip over it again, and stays incremental from the advanced cursor.
  const next = await world.sync("incremental", "run-3");
  expect(next.runtimeStatus).toBe("Completed");
  expect(next.output).toMatchObject({ mode: "incremental" });
});

test("API v3.1 is a setting: a full sync through /v3.1 stores the v3.1 records; v3.0 (the default) leaves v3.1-only fields out", async () => {
  world = await startSyncWorld({ users: 150, apiVersion: "v3.1" });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const raws: string[] = [];
  for await (const row of store.rows(TENANT, "users")) raws.push(row.raw);
  expect(raws.some((raw) => raw.includes('"frl_status"'))).toBe(true);
  await world.stop();

  world = await startSyncWorld({ users: 150 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const v30 = await world.services.stores.storeFor(TENANT);
  for await (const row of v30.rows(TENANT, "users")) expect(row.raw).not.toContain('"frl_status"');
});

test("bounded: a record over CLEVER_MAX_RECORD_BYTES fails the run with a named error and deletes nothing", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);
  const before = await store.counts(TENANT);
  const user = await firstOf(world.simulator.groundTruth("users"));
  world.simulator.update("users", user.id, { name: { first: "x".repeat(3 * 1024 * 1024), last: "Big" } });

  const status = await world.sync("full", "run-2");
  expect(status.runtimeStatus).toBe("Failed");
  expect((status.customStatus as SyncStatus).lastError).toMatch(/RecordTooLargeError|over the 2097152-byte cap/);
  expect(await store.counts(TENANT)).toEqual(before);
  const [run] = await store.listRuns(TENANT, 1);
  expect(run).toMatchObject({ runId: "run-2", status: "failed" });
}, 120_000);

test("isolation: an event carrying another district's record is quarantined, never written", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const user = await firstOf(world.simulator.groundTruth("users"));
  const stranger = { ...user, id: "ffffffffffffffffffffff01", district: "5f0000000000000000000099" };
  world.simulator.district().events.appendRaw({ type: "users.created", created: new Date().toISOString(), data: { object: stranger } });

  const status = await world.sync("incremental", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const quarantined = await store.quarantined(TENANT, { runId: "run-2" });
  expect(quarantined.map((q) => q.cleverId)).toEqual([stranger.id]);
  expect(quarantined[0].reason).toMatch(/belongs to district 5f0000000000000000000099/);
});

test("4. an update event carrying an invalid record keeps the last good row live and flags it stale", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const user = await firstOf(world.simulator.groundTruth("users"));
  world.simulator.update("users", user.id, { roles: "teacher" });
  const status = await world.sync("incremental", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toMatchObject({ mode: "incremental" });
  expect((status.customStatus as SyncStatus).incremental).toBe("available");
  const store = await world.services.stores.storeFor(TENANT);
  const row = await firstOf(store.rows(TENANT, "users"));
  expect(row.cleverId).toBe(user.id);
  expect(await store.staleRows(TENANT, "users")).toEqual([expect.objectContaining({ cleverId: user.id, quarantineRunId: "run-2" })]);
});

test("1. the 404 fallback is kept: Clever refusing the stored cursor makes the run full, saying why", async () => {
  world = await startSyncWorld({ users: 100 });
  const user = await firstOf(world.simulator.groundTruth("users"));
  world.simulator.update("users", user.id, { email: "before.full@example.org" });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const cursor = (await syncState())!.eventsCursor!;
  expect(cursor).toMatch(/^[0-9a-f]{24}$/);
  world.simulator.update("users", user.id, { email: "after.full@example.org" });
  world.simulator.injectNext({ kind: "status", status: 404, body: '{"message":"cursor not found"}' }, { count: 1, path: new RegExp(`^/v3\\.0/events\\?.*starting_after=${cursor}`) });

  const status = await world.sync("incremental", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toMatchObject({ mode: "full" });
  expect((status.customStatus as SyncStatus).reason).toMatch(/404 for the stored events cursor/);
  expect(await world.differences()).toEqual([]);
});
