/**
 * The SQLite writer thread (lib/store/sqliteWriter.ts): writes on a worker thread give exactly what
 * the same writes give in-thread, its errors come back as the store's typed errors, a thread that
 * dies fails its pending calls at once (and the next write starts another), and stores on one file
 * — each with its own writer thread — still serialize their writes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { RunNotFoundError, SqliteRosterStore, StoreInputError, StoreNotReadyError, StoreQueryError, StoreUnavailableError, type RosterRow } from "../../lib/store";
import type { RetryEvent, RetryOptions } from "../../lib/store/retry";
import { decodeRows, encodeRows } from "../../lib/store/sqliteWireRows";
import { prepareRows } from "../../lib/store/normalize";
import { hexId, sectionRow, userRow } from "./contract";

let dir: string;
let files = 0;
const stores: SqliteRosterStore[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "roster-writer-"));
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(options: { writerThread?: boolean; busyTimeoutMs?: number; filename?: string; maxRowsPerTransaction?: number; retry?: RetryOptions } = {}): Promise<SqliteRosterStore> {
  const store = new SqliteRosterStore({ filename: options.filename ?? join(dir, `db-${files++}`, "roster.db"), ...options });
  stores.push(store);
  await store.migrate();
  return store;
}

/** The store's writer thread, reached past `private` (only to kill it, as a crash would). */
function writerThread(store: SqliteRosterStore): Worker | undefined {
  return (store as unknown as { writer: { worker?: Worker } }).writer.worker;
}

const T = "tenant-w";
const at = (minute: number) => `2024-09-02T08:${String(minute).padStart(2, "0")}:00.000Z`;
const student = (n: number) => hexId(n, 0x0a);
const teacher = (n: number) => hexId(n, 0x0b);

function users(from: number, to: number, variant = ""): RosterRow[] {
  return Array.from({ length: to - from }, (_, i) => {
    const n = from + i;
    const row = userRow(n, variant ? { variant } : {});
    return { ...row, schools: [hexId(n % 3, 0x5), hexId(4, 0x5)].slice(0, variant ? 1 : 2), contacts: n % 5 === 0 ? [{ studentId: student(n + 1), relationship: variant || "Parent", type: "guardian" }] : undefined };
  });
}

function sections(from: number, to: number, students: number): RosterRow[] {
  return Array.from({ length: to - from }, (_, i) => {
    const n = from + i;
    return sectionRow(
      n,
      Array.from({ length: students }, (_, k) => student(n * 7 + k)),
      [teacher(n)],
    );
  });
}

/** One scripted sequence of every kind of write, and everything a reader can see afterwards. */
async function script(store: SqliteRosterStore): Promise<unknown> {
  const out: unknown[] = [];
  const guard = { minStudents: 5, maxLossShare: 0.5 };
  await store.startRun({ runId: "r1", tenantId: T, mode: "full", status: "running", startedAt: at(0), finishedAt: null, counts: null, error: null });
  out.push(await Promise.all([store.upsert(T, "users", users(0, 300), { runId: "r1", syncedAt: at(1) }), store.upsert(T, "sections", sections(0, 40, 10), { runId: "r1", syncedAt: at(1), sectionLossGuard: guard })]));
  out.push(await store.softDeleteMissing(T, "users", "r1", at(2)));
  // Run 2: some users changed, some gone; sections lose students (one beyond the guard), gain others.
  out.push(await store.upsert(T, "users", [...users(0, 100), ...users(100, 200, "changed")], { runId: "r2", syncedAt: at(3) }));
  const shrunk = sections(0, 40, 10).map((s, i) => ({ ...s, raw: `${s.raw} `, enrollments: s.enrollments!.slice(i === 0 ? 8 : 2) }));
  out.push(await store.upsert(T, "sections", shrunk, { runId: "r2", syncedAt: at(3), sectionLossGuard: guard }));
  out.push(await store.markStale(T, "users", [{ cleverId: hexId(250, 0x0a), reason: "bad email" }], { runId: "r2", staleSince: at(3) }));
  out.push(await store.softDeleteMissing(T, "users", "r2", at(4)));
  await store.quarantine(T, "r2", [{ resource: "users", cleverId: "x", reason: "no id", raw: "{}" }]);
  // Run 3: deleted users come back (restored), unchanged ones stay.
  out.push(await store.upsert(T, "users", users(0, 300), { runId: "r3", syncedAt: at(5) }));
  await store.finishRun(T, "r1", { status: "completed", finishedAt: at(6), counts: { n: 1 }, error: null });
  out.push(await store.acquireLease(T, { runId: "r3", instanceId: "i", now: at(6), ttlMs: 60_000 }));
  const read: Record<string, unknown> = {};
  for (const resource of ["users", "sections"] as const) {
    const rows = [];
    for await (const row of store.rows(T, resource, { includeDeleted: true })) rows.push(row);
    read[resource] = rows;
  }
  read.enrollments = await Promise.all(Array.from({ length: 40 }, (_, n) => store.enrollments(T, hexId(n, 0x5c))));
  read.schools = await Promise.all(Array.from({ length: 300 }, (_, n) => store.userSchools(T, hexId(n, 0x0a), { includeDeleted: true })));
  read.contacts = await Promise.all(Array.from({ length: 300 }, (_, n) => store.contactRelationships(T, hexId(n, 0x0a), { includeDeleted: true })));
  read.counts = await store.counts(T);
  read.stale = await store.staleRows(T, "users");
  read.quarantined = (await store.quarantined(T)).map((q) => ({ ...q, quarantinedAt: "-" }));
  read.runs = await store.listRuns(T, 10);
  return { out, read };
}

it("writes on the writer thread give exactly what the same writes give in-thread (counts, rows, enrollments, links, held sections)", async () => {
  const threaded = await script(await open());
  const inThread = await script(await open({ writerThread: false }));
  expect(threaded).toEqual(inThread);
  const { out } = threaded as { out: unknown[] };
  // Not vacuous: the sequence inserted, updated, held, swept and restored.
  expect(out[0]).toEqual([
    { inserted: 300, updated: 0, unchanged: 0, restored: 0 },
    expect.objectContaining({ inserted: 40, updated: 0, unchanged: 0, enrollmentsRemoved: 0 }),
  ]);
  expect(out[2]).toEqual({ inserted: 0, updated: 100, unchanged: 100, restored: 0 });
  expect(out[3]).toEqual(expect.objectContaining({ updated: 40, enrollmentsRemoved: 39 * 2, heldSections: [{ sectionId: hexId(0, 0x5c), liveStudents: 10, removedStudents: 8 }] }));
  expect(out[5]).toBe(99);
  // User 250 was marked stale in run 2 (stamped, so not swept): unchanged in run 3.
  expect(out[6]).toEqual({ inserted: 0, updated: 199, unchanged: 101, restored: 99 });
});

it("rows cross to the thread in compact form and come back the same", () => {
  const batch = prepareRows("users", users(0, 20));
  const sectionBatch = prepareRows("sections", sections(0, 5, 4));
  expect(decodeRows(encodeRows(batch))).toEqual(batch);
  expect(decodeRows(encodeRows(sectionBatch))).toEqual(sectionBatch);
});

it("errors from the writer thread come back typed: run not found, a failing statement, a closed store", async () => {
  const filename = join(dir, `db-${files++}`, "roster.db");
  const store = await open({ filename });
  expect(writerThread(store)).toBeUndefined();
  const missing = store.finishRun(T, "nope", { status: "completed", finishedAt: at(1), counts: null, error: null });
  await expect(missing).rejects.toThrow(RunNotFoundError);
  await expect(missing).rejects.toMatchObject({ tenantId: T, runId: "nope", code: "RUN_NOT_FOUND" });
  expect(writerThread(store)).toBeDefined();

  // A statement SQLite refuses (a trigger aborts it): permanent, with SQLite's code and the operation named.
  const db = new Database(filename);
  db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON users WHEN NEW.clever_id = '${hexId(7, 0x0a)}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`);
  db.close();
  const refused = store.upsert(T, "users", users(0, 10), { runId: "r1", syncedAt: at(1) });
  await expect(refused).rejects.toThrow(StoreQueryError);
  await expect(refused).rejects.toMatchObject({ operation: "upsert", dbCode: "SQLITE_CONSTRAINT_TRIGGER", transient: false, message: expect.stringContaining("refused by test") });

  // Bad input is refused before anything is sent, naming the field.
  await expect(store.upsert(T, "users", [{ ...userRow(1), columns: { nope: 1 } }], { runId: "r1", syncedAt: at(1) })).rejects.toMatchObject({
    constructor: StoreInputError,
    field: `users[${hexId(1, 0x0a)}].columns.nope`,
  });

  await store.close();
  await expect(store.upsert(T, "users", users(0, 1), { runId: "r1", syncedAt: at(1) })).rejects.toThrow(StoreNotReadyError);
});

/** Kills the store's writer thread once the first transactions of what it is writing have committed. */
async function killMidBatch(store: SqliteRosterStore): Promise<void> {
  while ((await store.counts(T)).users.live === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await writerThread(store)!.terminate();
}

it("a writer thread that dies fails its pending writes at once with StoreUnavailableError; rerunning them loses nothing; close() is clean", async () => {
  // No retries here, to see the failure itself (the next test sees the store's own retry).
  const store = await open({ maxRowsPerTransaction: 500, retry: { delaysMs: [] } });
  await store.startRun({ runId: "r1", tenantId: T, mode: "full", status: "running", startedAt: at(0), finishedAt: null, counts: null, error: null });
  const rows = users(0, 20_000);
  const pending = [store.upsert(T, "users", rows, { runId: "r1", syncedAt: at(1) }), store.upsert(T, "sections", sections(0, 200, 20), { runId: "r1", syncedAt: at(1) })];
  const settled = Promise.allSettled(pending);
  // Killed mid-batch, as a crash of the thread would.
  const started = Date.now();
  await killMidBatch(store);
  const results = await settled;
  expect(Date.now() - started).toBeLessThan(5000);
  for (const r of results) {
    expect(r.status).toBe("rejected");
    const reason = (r as PromiseRejectedResult).reason as StoreUnavailableError;
    expect(reason).toBeInstanceOf(StoreUnavailableError);
    expect(reason.message).toMatch(/writer thread stopped/);
    expect(reason.transient).toBe(true);
  }
  // The next write starts a new thread; rerunning the page ends in the full state (committed chunks count as unchanged).
  const again = await store.upsert(T, "users", rows, { runId: "r1", syncedAt: at(1) });
  expect(again.inserted + again.unchanged).toBe(20_000);
  expect((await store.counts(T)).users).toEqual({ live: 20_000, deleted: 0 });
  await store.close();
  expect(writerThread(store)).toBeUndefined();
});

it("an upsert whose writer thread died is retried on a new thread and completes", async () => {
  const retries: RetryEvent[] = [];
  const store = await open({ maxRowsPerTransaction: 500, retry: { delaysMs: [10], onRetry: (e) => retries.push(e) } });
  const write = store.upsert(T, "users", users(0, 20_000), { runId: "r1", syncedAt: at(1) });
  await killMidBatch(store);
  const counts = await write;
  expect(retries).toEqual([expect.objectContaining({ operation: "upsert", attempt: 1, error: expect.any(StoreUnavailableError) })]);
  // The retry resumes at the transaction the crash rolled back (one committed just before it, unconfirmed, would count as unchanged).
  expect(counts.inserted + counts.unchanged).toBe(20_000);
  expect((await store.counts(T)).users).toEqual({ live: 20_000, deleted: 0 });
});

it("close() waits for writes under way (every transaction of an upsert), then stops the thread", async () => {
  const store = await open({ maxRowsPerTransaction: 300 });
  const write = store.upsert(T, "users", users(0, 2000), { runId: "r1", syncedAt: at(1) });
  const thread = writerThread(store)!;
  const exited = new Promise((resolve) => thread.once("exit", resolve));
  await store.close();
  await expect(write).resolves.toEqual({ inserted: 2000, updated: 0, unchanged: 0, restored: 0 });
  await expect(exited).resolves.toBe(0);
});

it("two stores on one file (two writer threads) serialize their writes: busy waits, nothing lost", async () => {
  const filename = join(dir, `db-${files++}`, "roster.db");
  const a = await open({ filename, maxRowsPerTransaction: 100 });
  const b = await open({ filename, maxRowsPerTransaction: 100 });
  const batches = (store: SqliteRosterStore, tenant: string) =>
    Promise.all([
      (async () => {
        for (let i = 0; i < 3000; i += 500) await store.upsert(tenant, "users", users(i, i + 500), { runId: "r1", syncedAt: at(1) });
      })(),
      store.upsert(tenant, "sections", sections(0, 100, 10), { runId: "r1", syncedAt: at(1) }),
    ]);
  await Promise.all([batches(a, "ta"), batches(b, "tb"), batches(a, "tc")]);
  for (const tenant of ["ta", "tb", "tc"]) {
    const counts = await b.counts(tenant);
    expect(counts.users.live).toBe(3000);
    expect(counts.sections.live).toBe(100);
    expect(await a.enrollments(tenant, hexId(99, 0x5c))).toHaveLength(11);
  }
});

it("a writer thread whose code is missing (an incomplete build) fails at once as permanent, naming the fix", async () => {
  const { ThreadWriter } = await import("../../lib/store/sqliteWriter");
  const writer = new ThreadWriter({ filename: join(dir, "missing-script.db"), busyTimeoutMs: 100, maxRowsPerTransaction: 10, script: join(dir, "no-such-writer.js") });
  const error = await writer.call("saveSyncState", ["t1", { eventsCursor: null }, new Date().toISOString()] as never).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect(error).toMatchObject({ transient: false });
  expect(String((error as Error).message)).toMatch(/cannot start.*npm run build/);
  await writer.close();
});
