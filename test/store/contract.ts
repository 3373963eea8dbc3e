/**
 * The RosterStore contract: one suite every dialect must pass (SQLite always, SQL Server when
 * MSSQL_TEST_CONNECTION is set). Every test uses fresh random tenant ids, so the suite also runs
 * against a shared, long-lived database without cleanup.
 */
import { randomBytes } from "node:crypto";
import { ROSTER_COLUMNS, ROSTER_RESOURCES, RunNotFoundError, StoreInputError, StoreNotReadyError, type RosterResource, type RosterRow, type RosterStore, type RunSummary } from "../../lib/store";
import type { RetryEvent } from "../../lib/store/retry";
import { CONTACTS_TABLE, ENROLLMENTS_TABLE, QUARANTINE_TABLE, USER_SCHOOLS_TABLE, relationships } from "../../lib/store/schema";

/** Store settings a contract test may override. */
export interface StoreOverrides {
  maxRowsPerTransaction?: number;
  retry?: { delaysMs?: readonly number[] };
}

/**
 * Plain SQL on the database a store uses, for what the RosterStore interface does not expose:
 * joins between tables, and failures injected inside the database itself (a trigger).
 */
export interface RawSql {
  /** A table's name as this dialect's queries must write it (schema-qualified on SQL Server). */
  table(name: string): string;
  /** Rows of a query; values are inlined by the caller (test-made ids only). */
  query(text: string): Promise<Record<string, unknown>[]>;
  /** From now on, writing this row (tenant + key column value) into the table fails inside the database; call the result to stop. */
  failWrites(table: string, keyColumn: string, tenantId: string, key: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** A new store that has NOT been migrated yet. */
  create: (overrides?: StoreOverrides) => Promise<RosterStore> | RosterStore;
  /** SQL access to the database of the store create() made last; dialects that can offer it run the SQL-level checks. */
  rawSql?: () => Promise<RawSql> | RawSql;
  /**
   * A store whose next operations meet transient faults — a real lock held by another connection
   * (SQLite), errors injected at the driver edge (SQL Server) — retrying with `onRetry`. `done()`
   * ends the faults, checks they were all met, and cleans up.
   */
  transientFaults?: (onRetry: (event: RetryEvent) => void) => Promise<{ store: RosterStore; done: () => Promise<void> }>;
}

/** A deterministic 24-hex Clever-style id; `space` keeps resources apart. */
export function hexId(n: number, space = 0): string {
  return space.toString(16).padStart(4, "0") + n.toString(16).padStart(20, "0");
}

export function uniqueTenant(label: string): string {
  return `${label}-${randomBytes(6).toString("hex")}`;
}

const DISTRICT = hexId(1, 0xd);

export function userRow(n: number, overrides: Record<string, unknown> = {}, space = 0x0a): RosterRow {
  const record = { id: hexId(n, space), district: DISTRICT, email: `user${n}@example.org`, name: { first: `First${n}`, last: `Last${n}` }, roles: { student: { grade: "3" } }, ...overrides };
  return {
    cleverId: record.id,
    columns: {
      district_id: DISTRICT,
      email: String(record.email),
      first_name: `First${n}`,
      last_name: `Last${n}`,
      is_student: true,
      is_teacher: false,
      grade: "3",
    },
    raw: JSON.stringify(record),
    lastModified: "2024-09-01T10:00:00Z",
  };
}

export function sectionRow(n: number, students: string[], teachers: string[], extra: Record<string, unknown> = {}): RosterRow {
  const record = { id: hexId(n, 0x5c), district: DISTRICT, name: `Section ${n}`, students, teachers, ...extra };
  return {
    cleverId: record.id,
    columns: { district_id: DISTRICT, name: record.name, primary_teacher_id: teachers[0] ?? null },
    raw: JSON.stringify(record),
    lastModified: null,
    enrollments: [...students.map((userId) => ({ userId, role: "student" as const })), ...teachers.map((userId) => ({ userId, role: "teacher" as const }))],
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const run = (runId: string, syncedAt = "2024-09-02T08:00:00.000Z") => ({ runId, syncedAt });

export function describeRosterStoreContract(label: string, options: ContractOptions): void {
  describe(`RosterStore contract: ${label}`, () => {
    let store: RosterStore;

    beforeEach(async () => {
      store = await options.create();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("migrations", () => {
      it("migrating twice is a no-op that keeps data and records each version once", async () => {
        const tenant = uniqueTenant("mig");
        const versions = await store.migrationVersions();
        expect(versions.length).toBeGreaterThanOrEqual(1);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
        await store.upsert(tenant, "users", [userRow(1)], run("r1"));
        await store.migrate();
        await store.migrate();
        expect(await store.migrationVersions()).toEqual(versions);
        expect((await store.counts(tenant)).users).toEqual({ live: 1, deleted: 0 });
      });

      it("refuses to work before migrate() and after close()", async () => {
        const fresh = await options.create();
        try {
          await expect(fresh.upsert(uniqueTenant("early"), "users", [userRow(1)], run("r1"))).rejects.toBeInstanceOf(StoreNotReadyError);
        } finally {
          await fresh.close();
        }
        await fresh.close(); // idempotent
        await expect(fresh.counts("x")).rejects.toBeInstanceOf(StoreNotReadyError);
      });
    });

    describe("upsert", () => {
      it("counts inserted, updated and unchanged rows and writes typed columns", async () => {
        const tenant = uniqueTenant("ups");
        expect(await store.upsert(tenant, "users", [userRow(1), userRow(2), userRow(3)], run("r1"))).toEqual({ inserted: 3, updated: 0, unchanged: 0, restored: 0 });
        const changed = userRow(2, { email: "changed@example.org" });
        expect(await store.upsert(tenant, "users", [userRow(1), changed, userRow(3), userRow(4)], run("r2"))).toEqual({ inserted: 1, updated: 1, unchanged: 2, restored: 0 });
        const rows = await collect(store.rows(tenant, "users"));
        expect(rows.map((r) => r.cleverId)).toEqual([1, 2, 3, 4].map((n) => hexId(n, 0x0a)));
        expect(rows[1]).toMatchObject({ raw: changed.raw, runId: "r2", deletedAt: null });
        expect(rows[1]!.columns).toMatchObject({ email: "changed@example.org", is_student: true, is_teacher: false, is_staff: null, grade: "3", first_name: "First2" });
      });

      it("is idempotent: repeating a call changes nothing but the run stamp", async () => {
        const tenant = uniqueTenant("idem");
        const rows = [userRow(1), userRow(2)];
        await store.upsert(tenant, "users", rows, run("r1"));
        const before = await collect(store.rows(tenant, "users"));
        expect(await store.upsert(tenant, "users", rows, run("r1"))).toEqual({ inserted: 0, updated: 0, unchanged: 2, restored: 0 });
        expect(await collect(store.rows(tenant, "users"))).toEqual(before);
        expect(await store.upsert(tenant, "users", rows, run("r2"))).toEqual({ inserted: 0, updated: 0, unchanged: 2, restored: 0 });
        expect((await collect(store.rows(tenant, "users"))).map((r) => r.runId)).toEqual(["r2", "r2"]);
        expect((await store.counts(tenant)).users).toEqual({ live: 2, deleted: 0 });
      });

      it("treats a case-only change of raw JSON as a change", async () => {
        const tenant = uniqueTenant("case");
        await store.upsert(tenant, "users", [userRow(1, { email: "smith@example.org" })], run("r1"));
        expect(await store.upsert(tenant, "users", [userRow(1, { email: "SMITH@example.org" })], run("r2"))).toEqual({ inserted: 0, updated: 1, unchanged: 0, restored: 0 });
      });

      it("collapses a cleverId repeated within one call to its last row", async () => {
        const tenant = uniqueTenant("dup");
        const last = userRow(1, { email: "last@example.org" });
        expect(await store.upsert(tenant, "users", [userRow(1), userRow(2), last], run("r1"))).toEqual({ inserted: 2, updated: 0, unchanged: 0, restored: 0 });
        expect((await collect(store.rows(tenant, "users")))[0]!.raw).toBe(last.raw);
      });

      it("accepts an empty batch", async () => {
        expect(await store.upsert(uniqueTenant("empty"), "courses", [], run("r1"))).toEqual({ inserted: 0, updated: 0, unchanged: 0, restored: 0 });
      });

      it("round-trips every column kind: text (cut to its width), booleans, dates, NULLs, unicode", async () => {
        const tenant = uniqueTenant("kinds");
        const term: RosterRow = {
          cleverId: hexId(7, 0x7e),
          columns: { district_id: DISTRICT, name: `Ünïcødé 学期 ${"x".repeat(400)}`, start_date: "2024-08-19", end_date: "2025-06-06T00:00:00Z" },
          raw: JSON.stringify({ id: hexId(7, 0x7e), name: "Ünïcødé 学期" }),
          lastModified: "2024-09-01T10:00:00+02:00",
        };
        await store.upsert(tenant, "terms", [term], run("r1"));
        const [stored] = await collect(store.rows(tenant, "terms"));
        expect(stored!.columns).toEqual({ district_id: DISTRICT, name: `Ünïcødé 学期 ${"x".repeat(400)}`.slice(0, 256), start_date: "2024-08-19", end_date: "2025-06-06" });
        expect(stored!.raw).toBe(term.raw);
        const user = userRow(1);
        user.columns = { is_student: false, is_teacher: true, is_staff: true, is_district_admin: false, is_contact: null };
        await store.upsert(tenant, "users", [user], run("r1"));
        const [u] = await collect(store.rows(tenant, "users"));
        expect(u!.columns).toMatchObject({ is_student: false, is_teacher: true, is_staff: true, is_district_admin: false, is_contact: null, email: null });
      });

      it("rejects bad input before writing anything", async () => {
        const tenant = uniqueTenant("bad");
        await expect(store.upsert(tenant, "students" as never, [userRow(1)], run("r1"))).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert("", "users", [userRow(1)], run("r1"))).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert("t".repeat(65), "users", [userRow(1)], run("r1"))).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert(tenant, "users", [userRow(1)], { runId: "", syncedAt: "2024-01-01T00:00:00Z" })).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert(tenant, "users", [userRow(1)], { runId: "r1", syncedAt: "yesterday" })).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert(tenant, "users", [{ ...userRow(2), columns: { email: { nested: true } as never } }], run("r1"))).rejects.toThrow(/users\[.*\]\.columns\.email/);
        await expect(store.upsert(tenant, "users", [{ ...userRow(2), columns: { shoe_size: "9" } }], run("r1"))).rejects.toThrow(/columns\.shoe_size: is not a column of users/);
        await expect(store.upsert(tenant, "users", [{ ...userRow(2), enrollments: [] }], run("r1"))).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.upsert(tenant, "users", [{ ...userRow(2), cleverId: "" }], run("r1"))).rejects.toBeInstanceOf(StoreInputError);
        expect((await store.counts(tenant)).users).toEqual({ live: 0, deleted: 0 });
      });

      it("writes a big batch (5000 rows) in one call", async () => {
        const tenant = uniqueTenant("big");
        const rows = Array.from({ length: 5000 }, (_, i) => userRow(i));
        expect(await store.upsert(tenant, "users", rows, run("r1"))).toEqual({ inserted: 5000, updated: 0, unchanged: 0, restored: 0 });
        rows[4999] = userRow(4999, { email: "moved@example.org" });
        expect(await store.upsert(tenant, "users", rows, run("r2"))).toEqual({ inserted: 0, updated: 1, unchanged: 4999, restored: 0 });
        expect((await store.counts(tenant)).users).toEqual({ live: 5000, deleted: 0 });
        const sections = Array.from({ length: 300 }, (_, i) => sectionRow(i, [hexId(i, 1), hexId(i + 1, 1), hexId(i + 2, 1)], [hexId(i, 2)]));
        expect(await store.upsert(tenant, "sections", sections, run("r1"))).toMatchObject({ inserted: 300, updated: 0, unchanged: 0, restored: 0 });
        expect(await store.enrollments(tenant, sections[299]!.cleverId)).toHaveLength(4);
      });
    });

    describe("deletions", () => {
      it("softDeleteMissing marks only live rows of this tenant+resource the run did not touch", async () => {
        const a = uniqueTenant("sweep-a");
        const b = uniqueTenant("sweep-b");
        await store.upsert(a, "users", [userRow(1), userRow(2), userRow(3)], run("r1"));
        await store.upsert(b, "users", [userRow(1), userRow(2), userRow(3)], run("r1"));
        const school: RosterRow = { cleverId: hexId(1, 0x5), columns: { name: "Old School" }, raw: "{}", lastModified: null };
        await store.upsert(a, "schools", [school], run("r1"));
        // Run r2 has seen users 1 and 2 so far.
        await store.upsert(a, "users", [userRow(1), userRow(2, { email: "new@example.org" })], run("r2", "2024-09-03T08:00:00.000Z"));
        expect(await store.softDeleteMissing(a, "users", "r2", "2024-09-03T09:00:00Z")).toBe(1);
        const rows = await collect(store.rows(a, "users", { includeDeleted: true }));
        expect(rows.map((r) => [r.cleverId, r.deletedAt])).toEqual([
          [hexId(1, 0x0a), null],
          [hexId(2, 0x0a), null],
          [hexId(3, 0x0a), "2024-09-03T09:00:00.000Z"],
        ]);
        expect(rows[2]!.runId).toBe("r1"); // the sweep keeps the id of the last run that saw the row alive
        expect(await store.softDeleteMissing(a, "users", "r2", "2024-09-03T10:00:00Z")).toBe(0);
        expect((await store.counts(a)).schools).toEqual({ live: 1, deleted: 0 });
        expect((await store.counts(b)).users).toEqual({ live: 3, deleted: 0 });
        // Only rows of OLDER runs are swept: a row stamped by a newer run (id sorting after) is kept.
        await store.upsert(a, "courses", [{ cleverId: hexId(1, 0xc), columns: {}, raw: "{}", lastModified: null }], run("a-run"));
        await store.upsert(a, "courses", [{ cleverId: hexId(2, 0xc), columns: {}, raw: "{}", lastModified: null }], run("z-run"));
        await store.upsert(a, "courses", [{ cleverId: hexId(3, 0xc), columns: {}, raw: "{}", lastModified: null }], run("m-run"));
        expect(await store.softDeleteMissing(a, "courses", "m-run", "2024-09-03T10:00:00Z")).toBe(1);
        expect((await collect(store.rows(a, "courses"))).map((r) => r.runId)).toEqual(["z-run", "m-run"]);
      });

      it("a record that reappears is undeleted and counts as updated", async () => {
        const tenant = uniqueTenant("undel");
        await store.upsert(tenant, "users", [userRow(1), userRow(2)], run("r1"));
        await store.upsert(tenant, "users", [userRow(1)], run("r2"));
        expect(await store.softDeleteMissing(tenant, "users", "r2", "2024-09-03T00:00:00Z")).toBe(1);
        expect((await store.counts(tenant)).users).toEqual({ live: 1, deleted: 1 });
        expect(await store.upsert(tenant, "users", [userRow(1), userRow(2)], run("r3"))).toEqual({ inserted: 0, updated: 1, unchanged: 1, restored: 1 });
        expect((await store.counts(tenant)).users).toEqual({ live: 2, deleted: 0 });
        const rows = await collect(store.rows(tenant, "users", { includeDeleted: true }));
        expect(rows.map((r) => [r.deletedAt, r.runId])).toEqual([
          [null, "r3"],
          [null, "r3"],
        ]);
      });

      it("softDelete marks the given live ids of this tenant only and counts each once", async () => {
        const a = uniqueTenant("del-a");
        const b = uniqueTenant("del-b");
        await store.upsert(a, "users", [userRow(1), userRow(2), userRow(3)], run("r1"));
        await store.upsert(b, "users", [userRow(1)], run("r1"));
        const ids = [hexId(1, 0x0a), hexId(2, 0x0a), hexId(1, 0x0a), hexId(99, 0x0a)];
        expect(await store.softDelete(a, "users", ids, { runId: "ev1", deletedAt: "2024-09-04T00:00:00Z" })).toBe(2);
        expect(await store.softDelete(a, "users", ids, { runId: "ev2", deletedAt: "2024-09-05T00:00:00Z" })).toBe(0);
        expect(await store.softDelete(a, "users", [], { runId: "ev2", deletedAt: "2024-09-05T00:00:00Z" })).toBe(0);
        const rows = await collect(store.rows(a, "users", { includeDeleted: true }));
        expect(rows.map((r) => [r.deletedAt, r.runId])).toEqual([
          ["2024-09-04T00:00:00.000Z", "ev1"],
          ["2024-09-04T00:00:00.000Z", "ev1"],
          [null, "r1"],
        ]);
        expect((await store.counts(b)).users).toEqual({ live: 1, deleted: 0 });
        await expect(store.softDelete(a, "users", [""], { runId: "ev3", deletedAt: "2024-09-05T00:00:00Z" })).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    it("isolates tenants: B never sees, changes or deletes A's rows", async () => {
      const a = uniqueTenant("iso-a");
      const b = uniqueTenant("iso-b");
      await store.upsert(a, "users", [userRow(1, { email: "a@example.org" }), userRow(2)], run("ra"));
      await store.upsert(a, "sections", [sectionRow(1, [hexId(1, 0x0a)], [])], run("ra"));
      await store.quarantine(a, "ra", [{ resource: "users", cleverId: "x", reason: "bad", raw: "{}" }]);
      await store.startRun({ runId: "ra", tenantId: a, mode: "full", status: "running", startedAt: "2024-09-01T00:00:00Z" });
      // B writes the same ids with other content, then sweeps and deletes.
      expect(await store.upsert(b, "users", [userRow(1, { email: "b@example.org" })], run("rb"))).toEqual({ inserted: 1, updated: 0, unchanged: 0, restored: 0 });
      await store.upsert(b, "sections", [sectionRow(1, [], [hexId(9, 0x0a)])], run("rb"));
      expect(await store.softDeleteMissing(b, "users", "rb", "2024-09-02T00:00:00Z")).toBe(0);
      expect(await store.softDelete(b, "users", [hexId(2, 0x0a)], { runId: "rb", deletedAt: "2024-09-02T00:00:00Z" })).toBe(0);

      const rowsA = await collect(store.rows(a, "users", { includeDeleted: true }));
      expect(rowsA.map((r) => [r.columns.email, r.deletedAt, r.runId])).toEqual([
        ["a@example.org", null, "ra"],
        ["user2@example.org", null, "ra"],
      ]);
      expect((await collect(store.rows(b, "users"))).map((r) => r.columns.email)).toEqual(["b@example.org"]);
      expect(await store.enrollments(a, hexId(1, 0x5c))).toEqual([{ userId: hexId(1, 0x0a), role: "student" }]);
      expect(await store.enrollments(b, hexId(1, 0x5c))).toEqual([{ userId: hexId(9, 0x0a), role: "teacher" }]);
      expect(await store.quarantined(b)).toEqual([]);
      expect(await store.listRuns(b, 10)).toEqual([]);
      await expect(store.finishRun(b, "ra", { status: "completed", finishedAt: "2024-09-02T00:00:00Z", counts: null, error: null })).rejects.toBeInstanceOf(RunNotFoundError);
      expect((await store.counts(a)).users).toEqual({ live: 2, deleted: 0 });
    });

    describe("section enrollments", () => {
      it("replaces a section's enrollments when it changes, per section, and keeps them when unchanged", async () => {
        const tenant = uniqueTenant("enr");
        const [u1, u2, u3, u4, t1, t2] = [1, 2, 3, 4].map((n) => hexId(n, 0x0a)).concat([hexId(1, 0x7c), hexId(2, 0x7c)]) as string[];
        const s1 = sectionRow(1, [u1!, u2!], [t1!]);
        const s2 = sectionRow(2, [u3!], [t2!]);
        await store.upsert(tenant, "sections", [s1, s2], run("r1"));
        expect(await store.enrollments(tenant, s1.cleverId)).toEqual([
          { userId: u1, role: "student" },
          { userId: u2, role: "student" },
          { userId: t1, role: "teacher" },
        ]);
        // s1 changes; s2 is repeated unchanged.
        const s1b = sectionRow(1, [u2!, u4!], [t2!, u2!]);
        expect(await store.upsert(tenant, "sections", [s1b, s2], run("r2"))).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, restored: 0 });
        expect(await store.enrollments(tenant, s1.cleverId)).toEqual([
          { userId: u2, role: "student" },
          { userId: u4, role: "student" },
          { userId: u2, role: "teacher" },
          { userId: t2, role: "teacher" },
        ]);
        expect(await store.enrollments(tenant, s2.cleverId)).toEqual([
          { userId: u3, role: "student" },
          { userId: t2, role: "teacher" },
        ]);
        // An empty list clears them; duplicates collapse; a row without enrollments leaves them alone.
        await store.upsert(tenant, "sections", [sectionRow(2, [u3!, u3!], [], { name: "renamed" })], run("r3"));
        expect(await store.enrollments(tenant, s2.cleverId)).toEqual([{ userId: u3, role: "student" }]);
        await store.upsert(tenant, "sections", [sectionRow(2, [], [])], run("r4"));
        expect(await store.enrollments(tenant, s2.cleverId)).toEqual([]);
        const withoutEnrollments = { ...sectionRow(1, [], [], { name: "other" }), enrollments: undefined };
        await store.upsert(tenant, "sections", [withoutEnrollments], run("r5"));
        expect(await store.enrollments(tenant, s1.cleverId)).toHaveLength(4);
        expect(await store.enrollments(tenant, hexId(404, 0x5c))).toEqual([]);
      });
    });

    it("stores quarantined records once per run, with their reason and raw JSON", async () => {
      const tenant = uniqueTenant("quar");
      const entries = [
        { resource: "users" as const, cleverId: "not-an-id", reason: "users.id: expected a Clever id", raw: '{"id":"not-an-id"}' },
        { resource: "sections" as const, cleverId: null, reason: "sections: expected a record object, got null", raw: "null" },
      ];
      await store.quarantine(tenant, "r1", entries);
      await store.quarantine(tenant, "r1", [...entries, entries[0]!]); // a retried activity
      await store.quarantine(tenant, "r2", [entries[0]!]);
      await store.quarantine(tenant, "r2", []);
      const all = await store.quarantined(tenant);
      expect(all).toHaveLength(3);
      const r1 = await store.quarantined(tenant, { runId: "r1" });
      expect(r1.map(({ quarantinedAt: _, ...rest }) => rest).sort((x, y) => x.resource.localeCompare(y.resource))).toEqual([
        { ...entries[1], runId: "r1" },
        { ...entries[0], runId: "r1" },
      ]);
      expect(r1[0]!.quarantinedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(await store.quarantined(tenant, { limit: 1 })).toHaveLength(1);
      expect(await store.quarantineCount(tenant)).toBe(3);
      expect(await store.quarantineCount(uniqueTenant("quar-empty"))).toBe(0);
      await expect(store.quarantine(tenant, "r1", [{ ...entries[0]!, resource: "pets" as never }])).rejects.toBeInstanceOf(StoreInputError);
    });

    it("records runs: start (idempotent), finish, list newest first", async () => {
      const tenant = uniqueTenant("runs");
      const start = (runId: string, startedAt: string, mode: RunSummary["mode"] = "full"): RunSummary => ({ runId, tenantId: tenant, mode, status: "running", startedAt, instanceId: `sync:${tenant}:${runId}` });
      await store.startRun(start("r1", "2024-09-01T00:00:00Z"));
      await store.startRun(start("r2", "2024-09-02T00:00:00.5Z", "incremental"));
      await store.startRun(start("r3", "2024-09-03T00:00:00Z"));
      await store.startRun({ ...start("r1", "2024-09-09T00:00:00Z"), status: "failed" }); // a retried start changes nothing
      await store.finishRun(tenant, "r2", { status: "completed", finishedAt: "2024-09-02T01:00:00Z", counts: { users: { inserted: 5 } }, error: null });
      await store.finishRun(tenant, "r3", { status: "failed", finishedAt: "2024-09-03T01:00:00Z", counts: null, error: "Clever answered 500" });
      expect(await store.listRuns(tenant, 10)).toEqual([
        { runId: "r3", tenantId: tenant, mode: "full", status: "failed", startedAt: "2024-09-03T00:00:00.000Z", finishedAt: "2024-09-03T01:00:00.000Z", counts: null, error: "Clever answered 500", instanceId: `sync:${tenant}:r3` },
        { runId: "r2", tenantId: tenant, mode: "incremental", status: "completed", startedAt: "2024-09-02T00:00:00.500Z", finishedAt: "2024-09-02T01:00:00.000Z", counts: { users: { inserted: 5 } }, error: null, instanceId: `sync:${tenant}:r2` },
        { runId: "r1", tenantId: tenant, mode: "full", status: "running", startedAt: "2024-09-01T00:00:00.000Z", finishedAt: null, counts: null, error: null, instanceId: `sync:${tenant}:r1` },
      ]);
      expect((await store.listRuns(tenant, 2)).map((r) => r.runId)).toEqual(["r3", "r2"]);
      await expect(store.finishRun(tenant, "nope", { status: "completed", finishedAt: null, counts: null, error: null })).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(store.startRun({ ...start("r4", "2024-09-04T00:00:00Z"), mode: "partial" as never })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.listRuns(tenant, 0)).rejects.toBeInstanceOf(StoreInputError);
    });

    it("streams rows in clever_id order across keyset batches, live only unless includeDeleted", async () => {
      const tenant = uniqueTenant("rows");
      const numbers = Array.from({ length: 1203 }, (_, i) => i);
      const shuffled = [...numbers].sort((x, y) => ((x * 7919) % 1203) - ((y * 7919) % 1203));
      await store.upsert(tenant, "users", shuffled.map((n) => userRow(n)), run("r1"));
      await store.softDelete(tenant, "users", [hexId(0, 0x0a), hexId(600, 0x0a), hexId(1202, 0x0a)], { runId: "r1", deletedAt: "2024-09-05T00:00:00Z" });
      const live = await collect(store.rows(tenant, "users"));
      expect(live).toHaveLength(1200);
      expect(live.map((r) => r.cleverId)).toEqual(numbers.filter((n) => n !== 0 && n !== 600 && n !== 1202).map((n) => hexId(n, 0x0a)));
      expect(live.every((r) => r.deletedAt === null)).toBe(true);
      const all = await collect(store.rows(tenant, "users", { includeDeleted: true }));
      expect(all.map((r) => r.cleverId)).toEqual(numbers.map((n) => hexId(n, 0x0a)));
      expect(all.filter((r) => r.deletedAt !== null).map((r) => r.cleverId)).toEqual([0, 600, 1202].map((n) => hexId(n, 0x0a)));
      expect(await collect(store.rows(uniqueTenant("none"), "users"))).toEqual([]);
      // Writing while iterating is allowed (no statement stays open across batches).
      let seen = 0;
      for await (const row of store.rows(tenant, "users")) {
        if (seen++ === 10) await store.upsert(tenant, "users", [userRow(5000)], run("r2"));
        expect(row.cleverId).toBeDefined();
      }
      expect(seen).toBe(1201);
    });

    it("counts live and deleted rows per resource, zeros included", async () => {
      const tenant = uniqueTenant("counts");
      await store.upsert(tenant, "users", [userRow(1), userRow(2), userRow(3)], run("r1"));
      await store.upsert(tenant, "terms", [{ cleverId: hexId(1, 0x7e), columns: {}, raw: "{}", lastModified: null }], run("r1"));
      await store.softDelete(tenant, "users", [hexId(3, 0x0a)], { runId: "r1", deletedAt: "2024-09-05T00:00:00Z" });
      const counts = await store.counts(tenant);
      expect(Object.keys(counts).sort()).toEqual([...ROSTER_RESOURCES].sort());
      expect(counts).toEqual({
        districts: { live: 0, deleted: 0 },
        schools: { live: 0, deleted: 0 },
        terms: { live: 1, deleted: 0 },
        courses: { live: 0, deleted: 0 },
        users: { live: 2, deleted: 1 },
        sections: { live: 0, deleted: 0 },
      });
    });

    describe("run lease", () => {
      const at = (s: number) => new Date(Date.UTC(2024, 8, 1, 8, 0, s)).toISOString();
      it("one run holds a tenant's lease until it releases it or it expires; the holder re-takes and renews it", async () => {
        const tenant = uniqueTenant("lease");
        const first = await store.acquireLease(tenant, { runId: "r1", instanceId: "sync:t:r1", now: at(0), ttlMs: 10_000 });
        expect(first).toEqual({ acquired: true, lease: { tenantId: tenant, runId: "r1", instanceId: "sync:t:r1", acquiredAt: at(0), expiresAt: at(10) } });
        // Another run is refused and told who holds it.
        expect(await store.acquireLease(tenant, { runId: "r2", instanceId: "sync:t:r2", now: at(5), ttlMs: 10_000 })).toEqual({ acquired: false, holder: first.acquired ? first.lease : undefined });
        // Other tenants are independent.
        expect((await store.acquireLease(uniqueTenant("lease-other"), { runId: "r2", instanceId: null, now: at(5), ttlMs: 10_000 })).acquired).toBe(true);
        // The holder re-takes it (same run: renewed, acquiredAt kept) and renews it.
        expect(await store.acquireLease(tenant, { runId: "r1", instanceId: null, now: at(6), ttlMs: 10_000 })).toMatchObject({ acquired: true, lease: { acquiredAt: at(0), expiresAt: at(16), instanceId: "sync:t:r1" } });
        expect(await store.renewLease(tenant, "r1", at(12), 10_000)).toBe(true);
        expect(await store.renewLease(tenant, "r2", at(12), 10_000)).toBe(false);
        expect((await store.acquireLease(tenant, { runId: "r2", instanceId: null, now: at(21), ttlMs: 10_000 })).acquired).toBe(false);
        // Expired: the next run takes it over, and the old holder can no longer renew or release it.
        expect(await store.acquireLease(tenant, { runId: "r2", instanceId: "sync:t:r2", now: at(22), ttlMs: 10_000 })).toMatchObject({ acquired: true, lease: { runId: "r2", acquiredAt: at(22) } });
        expect(await store.renewLease(tenant, "r1", at(23), 10_000)).toBe(false);
        // A taker without an instance id does not inherit the previous holder's.
        expect(await store.releaseLease(tenant, "r2")).toBe(true);
        await store.acquireLease(tenant, { runId: "r1", instanceId: "sync:t:r1", now: at(22), ttlMs: 1000 });
        expect(await store.acquireLease(tenant, { runId: "r2", instanceId: null, now: at(23), ttlMs: 10_000 })).toMatchObject({ acquired: true, lease: { runId: "r2", instanceId: null } });
        expect(await store.releaseLease(tenant, "r1")).toBe(false);
        expect((await store.currentLease(tenant))?.runId).toBe("r2");
        expect(await store.releaseLease(tenant, "r2")).toBe(true);
        expect(await store.currentLease(tenant)).toBeUndefined();
        expect((await store.acquireLease(tenant, { runId: "r3", instanceId: null, now: at(24), ttlMs: 10_000 })).acquired).toBe(true);
        await expect(store.acquireLease(tenant, { runId: "r4", instanceId: null, now: at(24), ttlMs: 5 })).rejects.toBeInstanceOf(StoreInputError);
      });

      it("50 concurrent acquisitions of one tenant's lease: exactly one wins", async () => {
        const tenant = uniqueTenant("lease-race");
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.acquireLease(tenant, { runId: `race-${i}`, instanceId: null, now: at(0), ttlMs: 60_000 })));
        const winners = results.filter((r) => r.acquired);
        expect(winners).toHaveLength(1);
        const holder = winners[0]!.acquired ? winners[0]!.lease.runId : "";
        for (const r of results) if (!r.acquired) expect(r.holder.runId).toBe(holder);
      });
    });

    it("stores the student demographic columns (dob as a date) and reads them back", async () => {
      const tenant = uniqueTenant("demo");
      const row = userRow(1);
      await store.upsert(tenant, "users", [{ ...row, columns: { ...row.columns, dob: "2012-03-07", gender: "F", ell_status: "Y", iep_status: "N", frl_status: "R" } }], run("r1"));
      const [stored] = await collect(store.rows(tenant, "users"));
      expect(stored!.columns).toMatchObject({ dob: "2012-03-07", gender: "F", ell_status: "Y", iep_status: "N", frl_status: "R" });
    });

    describe("query views", () => {
      it("answer the common questions per tenant, without deleted rows (the same rows on every dialect)", async () => {
        const tenant = uniqueTenant("views");
        const school = hexId(1, 0x5);
        const term = hexId(1, 0x7e);
        const teacher = hexId(90, 0x0a);
        await store.upsert(tenant, "schools", [{ cleverId: school, columns: { name: "Springfield Elementary" }, raw: "{}", lastModified: null }], run("r1"));
        await store.upsert(tenant, "terms", [{ cleverId: term, columns: { name: "Fall" }, raw: "{}", lastModified: null }], run("r1"));
        const student = (n: number) => ({ ...userRow(n), columns: { ...userRow(n).columns, school_id: school } });
        const teacherRow = { ...userRow(90), columns: { ...userRow(90).columns, is_student: false, is_teacher: true, grade: null, school_id: school, teacher_title: "Ms." } };
        await store.upsert(tenant, "users", [student(1), student(2), student(3), teacherRow], run("r1"));
        await store.softDelete(tenant, "users", [hexId(3, 0x0a)], { runId: "r1", deletedAt: "2024-09-03T00:00:00Z" });
        const section = (n: number, students: number[]) => {
          const row = sectionRow(n, students.map((i) => hexId(i, 0x0a)), [teacher], { period: "2" });
          return { ...row, columns: { ...row.columns, school_id: school, term_id: term, period: "2" } };
        };
        await store.upsert(tenant, "sections", [section(1, [1, 2, 3]), section(2, [1])], run("r1"));
        await store.softDelete(tenant, "sections", [hexId(2, 0x5c)], { runId: "r1", deletedAt: "2024-09-03T00:00:00Z" });

        const base = { tenant_id: tenant, school_id: school, school_name: "Springfield Elementary" };
        expect(await store.viewRows(tenant, "v_active_students", 10)).toEqual([1, 2].map((n) => ({ ...base, student_id: hexId(n, 0x0a), first_name: `First${n}`, last_name: `Last${n}`, email: `user${n}@example.org`, grade: "3", student_number: null, student_sis_id: null })));
        expect(await store.viewRows(tenant, "v_teachers", 10)).toEqual([{ ...base, teacher_id: teacher, first_name: "First90", last_name: "Last90", email: "user90@example.org", teacher_number: null, teacher_sis_id: null, teacher_title: "Ms." }]);
        expect(await store.viewRows(tenant, "v_sections", 10)).toEqual([
          { ...base, section_id: hexId(1, 0x5c), name: "Section 1", period: "2", subject: null, grade: null, term_id: term, teacher_id: teacher, teacher_first_name: "First90", teacher_last_name: "Last90", student_count: 2 },
        ]);
        expect(await store.viewRows(tenant, "v_student_schedule", 10)).toEqual(
          [1, 2].map((n) => ({ tenant_id: tenant, student_id: hexId(n, 0x0a), section_id: hexId(1, 0x5c), section_name: "Section 1", period: "2", subject: null, school_id: school, term_id: term, term_name: "Fall", teacher_id: teacher, teacher_first_name: "First90", teacher_last_name: "Last90" })),
        );
        expect(await store.viewRows(uniqueTenant("views-other"), "v_sections", 10)).toEqual([]);
        await expect(store.viewRows(tenant, "users; DROP TABLE users" as never, 10)).rejects.toBeInstanceOf(StoreInputError);
      });

      it("list a student's schools and contacts, without deleted memberships, relationships, schools or contacts", async () => {
        const tenant = uniqueTenant("views-links");
        const [home, second, closed] = [1, 2, 3].map((n) => hexId(n, 0x5));
        await store.upsert(tenant, "schools", [home, second, closed].map((cleverId, i) => ({ cleverId, columns: { name: `School ${i + 1}` }, raw: "{}", lastModified: null })), run("r1"));
        await store.softDelete(tenant, "schools", [closed!], { runId: "r1", deletedAt: "2024-09-03T00:00:00Z" });
        const student = (n: number, schools: string[]) => ({ ...userRow(n), columns: { ...userRow(n).columns, school_id: home! }, schools });
        const contact = (n: number, students: number[], last = `Contact ${n}`) => ({
          ...userRow(n, {}, 0x0c),
          columns: { ...userRow(n, {}, 0x0c).columns, is_student: false, is_contact: true, grade: null, first_name: null, last_name: last },
          contacts: students.map((i) => ({ studentId: hexId(i, 0x0a), relationship: "Parent", type: "Parent/Guardian" })),
        });
        await store.upsert(tenant, "users", [student(1, [home!, second!, closed!]), student(2, [second!]), student(3, [home!]), contact(1, [1, 2]), contact(2, [1, 3])], run("r1"));
        await store.softDelete(tenant, "users", [hexId(3, 0x0a), hexId(2, 0x0c)], { runId: "r1", deletedAt: "2024-09-03T00:00:00Z" });
        // Student 2 leaves school 2 (its membership soft-deleted).
        await store.upsert(tenant, "users", [{ ...student(2, []), raw: '{"moved":true}' }], run("r2"));

        expect(await store.viewRows(tenant, "v_student_schools", 10)).toEqual([
          { tenant_id: tenant, student_id: hexId(1, 0x0a), school_id: home, school_name: "School 1", is_primary: 1 },
          { tenant_id: tenant, student_id: hexId(1, 0x0a), school_id: second, school_name: "School 2", is_primary: 0 },
        ]);
        expect(await store.viewRows(tenant, "v_student_contacts", 10)).toEqual(
          [1, 2].map((n) => ({ tenant_id: tenant, student_id: hexId(n, 0x0a), contact_id: hexId(1, 0x0c), contact_name: "Contact 1", contact_email: "user1@example.org", relationship: "Parent", type: "Parent/Guardian" })),
        );
        expect(await store.viewRows(uniqueTenant("views-links-other"), "v_student_contacts", 10)).toEqual([]);
      });
    });

    describe("user links: school memberships and contact relationships", () => {
      const school = (n: number) => hexId(n, 0x5);
      const student = (n: number) => hexId(n, 0x0a);
      const withLinks = (schools: number[], contacts: { n: number; relationship?: string | null }[], raw: string): RosterRow => ({
        ...userRow(1),
        raw,
        schools: schools.map(school),
        contacts: contacts.map((c) => ({ studentId: student(c.n), relationship: c.relationship ?? "Parent", type: "Parent/Guardian" })),
      });

      it("writes them with the user, soft-deletes what is no longer listed and restores it in place when it comes back", async () => {
        const tenant = uniqueTenant("links");
        const id = userRow(1).cleverId;
        await store.upsert(tenant, "users", [withLinks([1, 2], [{ n: 5 }, { n: 6 }], '{"v":1}')], run("r1"));
        expect(await store.userSchools(tenant, id)).toEqual([1, 2].map((n) => ({ schoolId: school(n), deletedAt: null })));
        expect(await store.contactRelationships(tenant, id)).toEqual([5, 6].map((n) => ({ studentId: student(n), relationship: "Parent", type: "Parent/Guardian", deletedAt: null })));

        // Moves to school 3, loses student 6, student 5's relationship changes.
        await store.upsert(tenant, "users", [withLinks([3], [{ n: 5, relationship: "Grandparent" }], '{"v":2}')], { runId: "r2", syncedAt: "2024-09-04T00:00:00.000Z" });
        expect((await store.userSchools(tenant, id)).map((s) => s.schoolId)).toEqual([school(3)]);
        expect(await store.userSchools(tenant, id, { includeDeleted: true })).toEqual([
          { schoolId: school(1), deletedAt: "2024-09-04T00:00:00.000Z" },
          { schoolId: school(2), deletedAt: "2024-09-04T00:00:00.000Z" },
          { schoolId: school(3), deletedAt: null },
        ]);
        expect(await store.contactRelationships(tenant, id, { includeDeleted: true })).toEqual([
          { studentId: student(5), relationship: "Grandparent", type: "Parent/Guardian", deletedAt: null },
          { studentId: student(6), relationship: "Parent", type: "Parent/Guardian", deletedAt: "2024-09-04T00:00:00.000Z" },
        ]);

        // Back as before: the same rows come back (no duplicates), school 3 goes.
        await store.upsert(tenant, "users", [withLinks([1, 2], [{ n: 5 }, { n: 6 }], '{"v":1}')], run("r3"));
        expect(await store.userSchools(tenant, id, { includeDeleted: true })).toEqual([
          { schoolId: school(1), deletedAt: null },
          { schoolId: school(2), deletedAt: null },
          { schoolId: school(3), deletedAt: expect.any(String) },
        ]);
        expect(await store.contactRelationships(tenant, id, { includeDeleted: true })).toEqual([5, 6].map((n) => ({ studentId: student(n), relationship: "Parent", type: "Parent/Guardian", deletedAt: null })));
      });

      it("is idempotent: unchanged users and reruns change nothing; undefined links are left alone; other tenants never see them", async () => {
        const tenant = uniqueTenant("links-idem");
        const id = userRow(1).cleverId;
        const row = withLinks([1, 2, 2], [{ n: 5 }, { n: 5, relationship: "Sibling" }], '{"v":1}');
        await store.upsert(tenant, "users", [row], run("r1"));
        await store.upsert(tenant, "users", [row], run("r1"));
        expect(await store.upsert(tenant, "users", [row], run("r2"))).toMatchObject({ unchanged: 1 });
        // Repeated ids collapse: the last relationship listed for a student wins.
        expect(await store.userSchools(tenant, id, { includeDeleted: true })).toEqual([1, 2].map((n) => ({ schoolId: school(n), deletedAt: null })));
        expect(await store.contactRelationships(tenant, id, { includeDeleted: true })).toEqual([{ studentId: student(5), relationship: "Sibling", type: "Parent/Guardian", deletedAt: null }]);
        // A changed user without links (undefined) keeps its stored links.
        await store.upsert(tenant, "users", [{ ...userRow(1), raw: '{"v":3}' }], run("r3"));
        expect((await store.userSchools(tenant, id)).map((s) => s.schoolId)).toEqual([school(1), school(2)]);
        expect(await store.userSchools(uniqueTenant("links-other"), id)).toEqual([]);
        expect(await store.contactRelationships(uniqueTenant("links-other"), id)).toEqual([]);
      });

      it("rejects links on other resources and bad ids, naming the field", async () => {
        const tenant = uniqueTenant("links-bad");
        await expect(store.upsert(tenant, "sections", [{ ...sectionRow(1, [], []), schools: [school(1)] }], run("r1"))).rejects.toThrow(/sections\[.*\]\.schools/);
        await expect(store.upsert(tenant, "users", [{ ...userRow(1), schools: ["x".repeat(65)] }], run("r1"))).rejects.toThrow(/schools/);
        await expect(store.upsert(tenant, "users", [{ ...userRow(1), contacts: [{ studentId: student(1), relationship: 7 as never, type: null }] }], run("r1"))).rejects.toThrow(/contacts\.relationship/);
        await expect(store.userSchools(tenant, "")).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe("quarantine retention", () => {
      it("purges a tenant's quarantined records older than the cut-off, and only those", async () => {
        const tenant = uniqueTenant("purge");
        const other = uniqueTenant("purge-other");
        const entry = { resource: "users" as const, cleverId: "bad", reason: "email: not an email", raw: "{}" };
        await store.quarantine(tenant, "r1", [entry]);
        await store.quarantine(other, "r1", [entry]);
        const yesterday = new Date(Date.now() - 86_400_000).toISOString();
        const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
        expect(await store.purgeQuarantine(tenant, yesterday)).toBe(0);
        expect(await store.purgeQuarantine(tenant, tomorrow)).toBe(1);
        expect(await store.quarantined(tenant)).toEqual([]);
        expect(await store.quarantined(other)).toHaveLength(1);
      });
    });

    describe("sync state", () => {
      it("keeps the events cursor and the last full sync per tenant, merging changes", async () => {
        const tenant = uniqueTenant("state");
        expect(await store.syncState(tenant)).toBeUndefined();
        await store.saveSyncState(tenant, { eventsCursor: "from-first-event", lastFullSyncAt: "2024-09-01T08:00:00Z", lastFullRunId: "r1" }, "2024-09-01T08:00:00Z");
        await store.saveSyncState(tenant, { eventsCursor: "e-42" }, "2024-09-01T09:00:00Z");
        expect(await store.syncState(tenant)).toEqual({ tenantId: tenant, eventsCursor: "e-42", lastFullSyncAt: "2024-09-01T08:00:00.000Z", lastFullRunId: "r1", updatedAt: "2024-09-01T09:00:00.000Z" });
        expect(await store.syncState(uniqueTenant("state-other"))).toBeUndefined();
      });
    });

    describe("held runs and the audit log", () => {
      it("a held run is listed with its reasons; approving soft-deletes what no later run saw and is audited", async () => {
        const tenant = uniqueTenant("held");
        await store.upsert(tenant, "users", [userRow(1), userRow(2), userRow(3), userRow(4)], run("r1"));
        await store.upsert(tenant, "users", [userRow(1)], run("r2"));
        expect(await store.missing(tenant, "users", "r2", 2)).toEqual({ missing: 3, live: 4, sample: [hexId(2, 0x0a), hexId(3, 0x0a)] });
        await store.holdRun({ tenantId: tenant, runId: "r2", heldAt: "2024-09-02T09:00:00Z", reasons: ["users: 3 of 4 would be deleted"], resources: { users: { live: 4, wouldDelete: 3, updated: 0 } } });
        // A later run saw user 2 again: approving r2 must keep it.
        await store.upsert(tenant, "users", [userRow(2)], run("r3"));
        const [held] = await store.heldRuns(tenant, { status: "held" });
        expect(held).toEqual({ tenantId: tenant, runId: "r2", heldAt: "2024-09-02T09:00:00.000Z", status: "held", reasons: ["users: 3 of 4 would be deleted"], resources: { users: { live: 4, wouldDelete: 3, updated: 0 } }, decidedAt: null, decidedBy: null });
        const result = await store.decideHeld(tenant, "r2", { status: "approved", decidedAt: "2024-09-02T10:00:00Z", decidedBy: "principal:ops@example.org", details: { note: "school closed" } });
        expect(result).toEqual({ deleted: { users: 2 }, enrollmentsDeleted: 0 });
        expect((await collect(store.rows(tenant, "users"))).map((r) => r.cleverId)).toEqual([hexId(1, 0x0a), hexId(2, 0x0a)]);
        // Decided once: a second decision changes nothing.
        expect(await store.decideHeld(tenant, "r2", { status: "rejected", decidedAt: "2024-09-02T11:00:00Z", decidedBy: "someone" })).toBeUndefined();
        expect(await store.heldRuns(tenant, { status: "held" })).toEqual([]);
        expect((await store.heldRuns(tenant))[0]).toMatchObject({ status: "approved", decidedBy: "principal:ops@example.org", decidedAt: "2024-09-02T10:00:00.000Z" });
        const audit = await store.audit(tenant, 10);
        expect(audit).toEqual([
          { id: expect.any(Number), tenantId: tenant, at: "2024-09-02T10:00:00.000Z", actor: "principal:ops@example.org", action: "held.approve", target: "r2", details: { note: "school closed", deleted: { users: 2 }, enrollmentsDeleted: 0 } },
        ]);
        expect(await store.audit(uniqueTenant("audit-other"), 10)).toEqual([]);
      });

      it("rejecting keeps the records and is audited", async () => {
        const tenant = uniqueTenant("reject");
        await store.upsert(tenant, "users", [userRow(1), userRow(2)], run("r1"));
        await store.upsert(tenant, "users", [userRow(1)], run("r2"));
        await store.holdRun({ tenantId: tenant, runId: "r2", heldAt: "2024-09-02T09:00:00Z", reasons: ["x"], resources: { users: { live: 2, wouldDelete: 1, updated: 0 } } });
        expect(await store.decideHeld(tenant, "r2", { status: "rejected", decidedAt: "2024-09-02T10:00:00Z", decidedBy: "cli:ops" })).toEqual({ deleted: {}, enrollmentsDeleted: 0 });
        expect((await store.counts(tenant)).users).toEqual({ live: 2, deleted: 0 });
        expect(await store.audit(tenant, 10)).toEqual([expect.objectContaining({ actor: "cli:ops", action: "held.reject", target: "r2" })]);
      });
    });

    describe("enrollments: soft-delete, restore and the section rule", () => {
      const students = (ns: number[]) => ns.map((n) => hexId(n, 0x0a));
      it("a section's dropped enrollments get deleted_at, come back when listed again, and counts say so", async () => {
        const tenant = uniqueTenant("enr");
        await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2]), [])], run("r1"));
        expect(await store.upsert(tenant, "sections", [sectionRow(1, students([1]), [])], run("r2"))).toMatchObject({ updated: 1, enrollmentsRemoved: 1, enrollmentsRestored: 0 });
        expect(await store.enrollments(tenant, hexId(1, 0x5c))).toEqual([{ userId: hexId(1, 0x0a), role: "student" }]);
        expect(await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2]), [])], run("r3"))).toMatchObject({ updated: 1, enrollmentsRemoved: 0, enrollmentsRestored: 1 });
        expect((await store.enrollments(tenant, hexId(1, 0x5c))).map((e) => e.userId)).toEqual(students([1, 2]));
      });

      it("with the section rule, a section losing more than half of at least 5 students keeps them until the run is approved", async () => {
        const tenant = uniqueTenant("enr-guard");
        const guard = { minStudents: 5, maxLossShare: 0.5 };
        await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2, 3, 4, 5, 6]), []), sectionRow(2, students([1, 2, 3, 4]), [])], run("r1"));
        // Section 1 keeps 2 of 6 (loses 4 > 3): held. Section 2 has fewer than 5 students: applied.
        const counts = await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2]), []), sectionRow(2, students([1]), [])], { ...run("r2"), sectionLossGuard: guard });
        expect(counts).toMatchObject({ updated: 2, enrollmentsRemoved: 3, heldSections: [{ sectionId: hexId(1, 0x5c), liveStudents: 6, removedStudents: 4 }] });
        expect(await store.enrollments(tenant, hexId(1, 0x5c))).toHaveLength(6);
        expect(await store.enrollments(tenant, hexId(2, 0x5c))).toHaveLength(1);
        await store.holdRun({ tenantId: tenant, runId: "r2", heldAt: "2024-09-02T09:00:00Z", reasons: ["sections"], resources: { sections: { live: 2, wouldDelete: 0, updated: 2, enrollmentsHeld: 1 } } });
        expect(await store.decideHeld(tenant, "r2", { status: "approved", decidedAt: "2024-09-02T10:00:00Z", decidedBy: "ops" })).toEqual({ deleted: {}, enrollmentsDeleted: 4 });
        expect((await store.enrollments(tenant, hexId(1, 0x5c))).map((e) => e.userId)).toEqual(students([1, 2]));
      });

      it("a newer look at a section supersedes the removals an earlier run held", async () => {
        const tenant = uniqueTenant("enr-supersede");
        const guard = { minStudents: 5, maxLossShare: 0.5 };
        await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2, 3, 4, 5, 6]), [])], run("r1"));
        await store.upsert(tenant, "sections", [sectionRow(1, students([1]), [])], { ...run("r2"), sectionLossGuard: guard });
        // Clever lists them all again: the held removals no longer apply.
        await store.upsert(tenant, "sections", [sectionRow(1, students([1, 2, 3, 4, 5, 6]), [], { name: "renamed" })], { ...run("r3"), sectionLossGuard: guard });
        await store.holdRun({ tenantId: tenant, runId: "r2", heldAt: "2024-09-02T09:00:00Z", reasons: ["sections"], resources: { sections: { live: 1, wouldDelete: 0, updated: 1, enrollmentsHeld: 1 } } });
        expect(await store.decideHeld(tenant, "r2", { status: "approved", decidedAt: "2024-09-02T10:00:00Z", decidedBy: "ops" })).toEqual({ deleted: {}, enrollmentsDeleted: 0 });
        expect(await store.enrollments(tenant, hexId(1, 0x5c))).toHaveLength(6);
      });
    });
    it("sweeps, soft-deletes and quarantines in capped transactions with the same results", async () => {
      const capped = await options.create({ maxRowsPerTransaction: 7 });
      try {
        await capped.migrate();
        const tenant = uniqueTenant("txdel");
        await capped.upsert(tenant, "users", Array.from({ length: 40 }, (_, i) => userRow(i)), run("r1"));
        await capped.upsert(tenant, "users", Array.from({ length: 5 }, (_, i) => userRow(i)), run("r2"));
        expect(await capped.softDeleteMissing(tenant, "users", "r2", "2024-09-03T00:00:00Z")).toBe(35);
        expect(await capped.softDeleteMissing(tenant, "users", "r2", "2024-09-03T00:00:00Z")).toBe(0);
        await capped.upsert(tenant, "users", Array.from({ length: 40 }, (_, i) => userRow(i)), run("r3"));
        expect(await capped.softDelete(tenant, "users", Array.from({ length: 20 }, (_, i) => hexId(i, 0x0a)), { runId: "r3", deletedAt: "2024-09-04T00:00:00Z" })).toBe(20);
        expect((await capped.counts(tenant)).users).toEqual({ live: 20, deleted: 20 });
        const entries = Array.from({ length: 23 }, (_, i) => ({ resource: "users" as RosterResource, cleverId: `bad-${i}`, reason: "test", raw: `{"n":${i}}` }));
        await capped.quarantine(tenant, "r3", entries);
        await capped.quarantine(tenant, "r3", entries);
        expect(await capped.quarantined(tenant)).toHaveLength(23);
      } finally {
        await capped.close();
      }
    });

    if (options.transientFaults) {
      const transientFaults = options.transientFaults;
      it("retries transient faults visibly, then succeeds with the right data", async () => {
        const retries: RetryEvent[] = [];
        const { store: faulty, done } = await transientFaults((event) => retries.push(event));
        try {
          await faulty.migrate();
          const tenant = uniqueTenant("retry");
          expect(await faulty.upsert(tenant, "users", [userRow(1), userRow(2)], run("r1"))).toEqual({ inserted: 2, updated: 0, unchanged: 0, restored: 0 });
          expect((await faulty.counts(tenant)).users).toEqual({ live: 2, deleted: 0 });
          expect(retries.length).toBeGreaterThanOrEqual(1);
          for (const event of retries) expect(event).toMatchObject({ error: { transient: true }, attempt: expect.any(Number), delayMs: expect.any(Number) });
        } finally {
          await faulty.close();
          await done();
        }
      });
    }

    if (options.rawSql) {
      const rawSql = options.rawSql;

      describe("relationships in SQL", () => {
        it("joins every Clever-id reference to the row it names, exactly: ids differing only in case never match", async () => {
          const sql = await rawSql();
          try {
            const tenant = uniqueTenant("join");
            // Mixed-case ids: under a case-insensitive collation the SHOUTED references would match too.
            const idOf = (resource: string, suffix = ""): string => `${resource.slice(0, 4)}AbCdEf${suffix}`;
            const stored: Record<string, Record<string, string | null>[]> = {};
            for (const resource of ROSTER_RESOURCES) {
              const rows: RosterRow[] = [false, true].map((shout) => {
                const cleverId = idOf(resource, shout ? "-shout" : "");
                const columns: Record<string, string | null> = {};
                for (const c of ROSTER_COLUMNS[resource]) if (c.references) columns[c.name] = shout ? idOf(c.references).toUpperCase() : idOf(c.references);
                const row: RosterRow = { cleverId, columns, raw: JSON.stringify({ id: cleverId, ...columns }), lastModified: null };
                if (resource === "sections") row.enrollments = [{ userId: shout ? idOf("users").toUpperCase() : idOf("users"), role: "student" }];
                if (resource === "users") {
                  row.schools = [shout ? idOf("schools").toUpperCase() : idOf("schools")];
                  row.contacts = [{ studentId: shout ? idOf("users").toUpperCase() : idOf("users"), relationship: "Parent", type: null }];
                }
                return row;
              });
              await store.upsert(tenant, resource, rows, run("r1"));
              stored[resource] = rows.map((r) => ({ clever_id: r.cleverId, ...(r.columns as Record<string, string | null>) }));
            }
            stored[ENROLLMENTS_TABLE] = [
              { section_id: idOf("sections"), user_id: idOf("users") },
              { section_id: idOf("sections", "-shout"), user_id: idOf("users").toUpperCase() },
            ];
            stored[USER_SCHOOLS_TABLE] = [
              { user_id: idOf("users"), school_id: idOf("schools") },
              { user_id: idOf("users", "-shout"), school_id: idOf("schools").toUpperCase() },
            ];
            stored[CONTACTS_TABLE] = [
              { contact_id: idOf("users"), student_id: idOf("users") },
              { contact_id: idOf("users", "-shout"), student_id: idOf("users").toUpperCase() },
            ];
            const quarantined = ROSTER_RESOURCES.flatMap((resource) => [idOf(resource), idOf(resource).toUpperCase()].map((cleverId) => ({ resource, cleverId, reason: "test", raw: "{}" })));
            await store.quarantine(tenant, "r1", quarantined);
            stored[QUARANTINE_TABLE] = quarantined.map((q) => ({ resource: q.resource, clever_id: q.cleverId }));

            const checked: string[] = [];
            for (const rel of relationships()) {
              const children = stored[rel.table]!.filter((row) => !rel.when || row[rel.when.column] === rel.when.equals);
              const parents = new Set(stored[rel.references]!.map((row) => row.clever_id));
              const expected = children.filter((row) => parents.has(row[rel.column] ?? "")).length;
              expect(expected).toBeGreaterThan(0);
              const c = sql.table(rel.table);
              const p = sql.table(rel.references);
              const [result] = await sql.query(
                `SELECT COUNT(*) AS n FROM ${c} AS c INNER JOIN ${p} AS p ON p.tenant_id = c.tenant_id AND p.clever_id = c.${rel.column}
WHERE c.tenant_id = '${tenant}'${rel.when ? ` AND c.${rel.when.column} = '${rel.when.equals}'` : ""}`,
              );
              checked.push(`${rel.table}.${rel.column} -> ${rel.references}: ${Number(result!.n)}`);
              expect(checked[checked.length - 1]).toBe(`${rel.table}.${rel.column} -> ${rel.references}: ${expected}`);
            }
            expect(checked).toHaveLength(relationships().length);
          } finally {
            await sql.close();
          }
        });
      });

      describe("transaction size", () => {
        it("commits at most maxRowsPerTransaction rows per transaction, independent of the batch, and a retry resumes", async () => {
          // The capped store first: rawSql() opens the database create() made last.
          const capped = await options.create({ maxRowsPerTransaction: 10 });
          await capped.migrate();
          const sql = await rawSql();
          try {
            const tenant = uniqueTenant("txcap");
            const rows = Array.from({ length: 35 }, (_, i) => userRow(i));
            // Row 25 lies in the third transaction (rows 20-29): the database refuses it.
            const stop = await sql.failWrites("users", "clever_id", tenant, rows[25]!.cleverId);
            await expect(capped.upsert(tenant, "users", rows, run("r1"))).rejects.toThrow();
            const committed = await collect(capped.rows(tenant, "users"));
            expect(committed.map((r) => r.cleverId)).toEqual(rows.slice(0, 20).map((r) => r.cleverId));
            await stop();
            // The durable retry repeats the whole page: the committed part is unchanged, the rest arrives.
            expect(await capped.upsert(tenant, "users", rows, run("r1"))).toEqual({ inserted: 15, updated: 0, unchanged: 20, restored: 0 });
            expect((await capped.counts(tenant)).users).toEqual({ live: 35, deleted: 0 });
          } finally {
            await capped.close();
            await sql.close();
          }
        });

        it("counts a section's enrollments toward the cap and keeps each section whole", async () => {
          // The capped store first: rawSql() opens the database create() made last.
          const capped = await options.create({ maxRowsPerTransaction: 10 });
          await capped.migrate();
          const sql = await rawSql();
          try {
            const tenant = uniqueTenant("txsec");
            // 1 section row + 4 enrollments = 5 rows: two sections per transaction.
            const sections = Array.from({ length: 7 }, (_, i) => sectionRow(i, [0, 1, 2].map((n) => hexId(i * 10 + n, 0x0a)), [hexId(i, 0x7c)]));
            const stop = await sql.failWrites("sections", "clever_id", tenant, sections[5]!.cleverId);
            await expect(capped.upsert(tenant, "sections", sections, run("r1"))).rejects.toThrow();
            expect((await collect(capped.rows(tenant, "sections"))).map((r) => r.cleverId)).toEqual(sections.slice(0, 4).map((s) => s.cleverId));
            for (const s of sections.slice(0, 4)) expect(await capped.enrollments(tenant, s.cleverId)).toHaveLength(4);
            for (const s of sections.slice(4)) expect(await capped.enrollments(tenant, s.cleverId)).toEqual([]);
            await stop();
            expect(await capped.upsert(tenant, "sections", sections, run("r1"))).toMatchObject({ inserted: 3, updated: 0, unchanged: 4, restored: 0 });
            for (const s of sections) expect(await capped.enrollments(tenant, s.cleverId)).toHaveLength(4);
            // A section larger than the cap still goes whole, in a transaction of its own.
            const big = sectionRow(99, Array.from({ length: 30 }, (_, n) => hexId(900 + n, 0x0a)), []);
            expect(await capped.upsert(tenant, "sections", [big], run("r2"))).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, restored: 0 });
            expect(await capped.enrollments(tenant, big.cleverId)).toHaveLength(30);
          } finally {
            await capped.close();
            await sql.close();
          }
        });

        it("counts a user's school memberships and contact relationships toward the cap, keeps each user whole, and resumes", async () => {
          const capped = await options.create({ maxRowsPerTransaction: 10 });
          await capped.migrate();
          const sql = await rawSql();
          try {
            const tenant = uniqueTenant("txlinks");
            // 1 user row + 3 schools + 1 relationship = 5 rows: two users per transaction.
            const users = Array.from({ length: 7 }, (_, i) => ({
              ...userRow(i),
              schools: [1, 2, 3].map((n) => hexId(i * 10 + n, 0x5)),
              contacts: [{ studentId: hexId(i, 0x0b), relationship: "Parent", type: null }],
            }));
            // The database refuses user 5's second school: the third transaction (users 4 and 5) rolls back whole.
            const stop = await sql.failWrites(USER_SCHOOLS_TABLE, "school_id", tenant, hexId(52, 0x5));
            await expect(capped.upsert(tenant, "users", users, run("r1"))).rejects.toThrow();
            expect((await collect(capped.rows(tenant, "users"))).map((r) => r.cleverId)).toEqual(users.slice(0, 4).map((u) => u.cleverId));
            for (const u of users.slice(0, 4)) expect(await capped.userSchools(tenant, u.cleverId)).toHaveLength(3);
            for (const u of users.slice(4)) expect(await capped.contactRelationships(tenant, u.cleverId)).toEqual([]);
            await stop();
            expect(await capped.upsert(tenant, "users", users, run("r1"))).toMatchObject({ inserted: 3, updated: 0, unchanged: 4, restored: 0 });
            for (const u of users) expect(await capped.userSchools(tenant, u.cleverId)).toHaveLength(3);
            for (const u of users) expect(await capped.contactRelationships(tenant, u.cleverId)).toHaveLength(1);
          } finally {
            await capped.close();
            await sql.close();
          }
        });

      });
    }
  });
}
