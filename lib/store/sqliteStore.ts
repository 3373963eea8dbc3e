/**
 * RosterStore on SQLite (better-sqlite3): the embedded default, one file per database.
 *
 * better-sqlite3 is synchronous; the async methods only satisfy the shared interface. Writes use
 * WAL (readers never block the writer), prepared statements, and one IMMEDIATE transaction per
 * upsert call (the write lock is taken up front, so two writers never deadlock upgrading a read lock).
 */
import { makeDirectory } from "./makeDirectory";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { RunNotFoundError, StoreError, StoreInputError, StoreNotReadyError, StoreQueryError, StoreSchemaError, StoreUnavailableError, sanitizeCause } from "./errors";
import { SQLITE_BOOTSTRAP, SQLITE_MIGRATIONS } from "./migrations/sqlite";
import { withRetry, type RetryOptions } from "./retry";
import { checkMaxRowsPerTransaction, rowWeight, transactionChunks } from "./transactionSize";
import {
  assertCleverId,
  assertResource,
  assertRunId,
  assertScope,
  assertTenantId,
  clampLimit,
  decodeColumn,
  isoTimestamp,
  prepareIds,
  prepareQuarantine,
  prepareStale,
  prepareRows,
  prepareRun,
  prepareRunResult,
  truncate,
  type PreparedRow,
} from "./normalize";
import { ENROLLMENTS_TABLE, QUARANTINE_TABLE, ROSTER_COLUMNS, RUNS_TABLE } from "./schema";
import { sqliteGuardStatements, type GuardStatements } from "./sqliteGuard";
import { applyUserLinks, sqliteUserLinkStatements, type UserLinkStatements } from "./sqliteUserLinks";
import { ROSTER_VIEWS, VIEW_COLUMNS, VIEW_ORDER, type RosterView } from "./views";
import { ACTOR_MAX_LENGTH, auditFromRow, enrollmentDiff, heldRunFromRow, leaseExpiry, leaseFromRow, preparedState, prepareAudit, prepareHeld, stateFromRow } from "./guardRows";
import {
  ROSTER_RESOURCES,
  SCHOOL_SCOPED_RESOURCES,
  type SweepScope,
  type AuditEntry,
  type AuditInput,
  type HeldRun,
  type HeldStatus,
  type LeaseResult,
  type SyncLease,
  type SyncState,
  type UpsertOptions,
  type ColumnValue,
  type ContactRelationship,
  type QuarantineEntry,
  type QuarantinedRecord,
  type RosterResource,
  type RosterRow,
  type RosterStore,
  type RunSummary,
  type StaleRow,
  type StoredRosterRow,
  type UpsertCounts,
} from "./types";

export interface SqliteRosterStoreOptions {
  /** Path of the database file (its directory is created), or ":memory:". */
  filename: string;
  /** Rows per keyset batch in rows(). Default 500. */
  readBatchSize?: number;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Rows written per transaction at most (see transactionSize.ts). Default 2000. */
  maxRowsPerTransaction?: number;
  /** Retry schedule for transient errors and a listener that makes each retry visible (retry.ts). */
  retry?: RetryOptions;
}

const MAX_LIST = 1000;
/**
 * Retries after SQLITE_BUSY: each attempt already waits busy_timeout inside SQLite (synchronously,
 * blocking the event loop), so two retries — ≈20 s in all with the default 5 s timeout — rather
 * than SQL Server's minute of short attempts.
 */
export const SQLITE_RETRY_DELAYS_MS: readonly number[] = [1000, 4000];
const TRANSIENT_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL"]);

const q = (name: string): string => `"${name}"`;

interface ResourceStatements {
  /** { same: 1 when the raw JSON is identical, gone: 1 when soft-deleted }, undefined = absent. */
  lookup: Database.Statement;
  upsert: Database.Statement;
  stamp: Database.Statement;
  /** One capped step of the deletion sweep: live rows of older runs, at most ? of them. */
  sweep: Database.Statement;
  missingCount: Database.Statement;
  missingSample: Database.Statement;
  liveCount: Database.Statement;
  /** The same four within one school (school_id = ?): a school sync; absent for resources without school_id. */
  school?: { sweep: Database.Statement; missingCount: Database.Statement; missingSample: Database.Statement; liveCount: Database.Statement };
  softDelete: Database.Statement;
  page: Database.Statement;
  pageLive: Database.Statement;
}

interface SharedStatements {
  sectionEnrollments: Database.Statement;
  removeEnrollment: Database.Statement;
  restoreEnrollment: Database.Statement;
  insertEnrollment: Database.Statement;
  enrollments: Database.Statement;
  startRun: Database.Statement;
  finishRun: Database.Statement;
  listRuns: Database.Statement;
  quarantine: Database.Statement;
  quarantined: Database.Statement;
  quarantinedByRun: Database.Statement;
  quarantineCount: Database.Statement;
  counts: Database.Statement;
}

function resourceStatements(db: Database.Database, resource: RosterResource): ResourceStatements {
  const typed = ROSTER_COLUMNS[resource].map((c) => c.name);
  const insertColumns = ["tenant_id", "clever_id", ...typed, "raw_json", "clever_last_modified", "synced_at", "run_id"];
  const updates = [...typed, "raw_json", "clever_last_modified", "synced_at", "run_id"].map((c) => `${q(c)} = excluded.${q(c)}`);
  const select = ["clever_id", "raw_json", "deleted_at", "run_id", ...typed].map(q).join(", ");
  const t = q(resource);
  return {
    lookup: db.prepare(`SELECT raw_json = ? AS same, deleted_at IS NOT NULL AS gone FROM ${t} WHERE tenant_id = ? AND clever_id = ?`),
    upsert: db.prepare(
      `INSERT INTO ${t} (${insertColumns.map(q).join(", ")}) VALUES (${insertColumns.map(() => "?").join(", ")})
       ON CONFLICT (tenant_id, clever_id) DO UPDATE SET ${updates.join(", ")}, deleted_at = NULL`,
    ),
    stamp: db.prepare(`UPDATE ${t} SET run_id = ?, synced_at = ? WHERE tenant_id = ? AND clever_id = ?`),
    // Only rows of OLDER runs: a row a newer run stamped is never swept by an older one. The partial
    // sweep index yields exactly the live rows below this run id; LIMIT caps the rows of one transaction.
    sweep: db.prepare(
      `UPDATE ${t} SET deleted_at = @at WHERE rowid IN (
         SELECT rowid FROM ${t} WHERE tenant_id = @tenantId AND deleted_at IS NULL AND run_id < @runId LIMIT @limit)`,
    ),
    missingCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ?`).pluck(),
    missingSample: db.prepare(`SELECT clever_id FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? ORDER BY clever_id LIMIT ?`).pluck(),
    liveCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL`).pluck(),
    school: SCHOOL_SCOPED_RESOURCES.includes(resource)
      ? {
          sweep: db.prepare(
            `UPDATE ${t} SET deleted_at = @at WHERE rowid IN (
               SELECT rowid FROM ${t} WHERE tenant_id = @tenantId AND deleted_at IS NULL AND run_id < @runId AND school_id = @schoolId LIMIT @limit)`,
          ),
          missingCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? AND school_id = ?`).pluck(),
          missingSample: db.prepare(`SELECT clever_id FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? AND school_id = ? ORDER BY clever_id LIMIT ?`).pluck(),
          liveCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND school_id = ?`).pluck(),
        }
      : undefined,
    softDelete: db.prepare(`UPDATE ${t} SET deleted_at = ?, run_id = ? WHERE tenant_id = ? AND clever_id = ? AND deleted_at IS NULL`),
    page: db.prepare(`SELECT ${select} FROM ${t} WHERE tenant_id = ? AND clever_id > ? ORDER BY clever_id LIMIT ?`),
    pageLive: db.prepare(`SELECT ${select} FROM ${t} WHERE tenant_id = ? AND clever_id > ? AND deleted_at IS NULL ORDER BY clever_id LIMIT ?`),
  };
}

function sharedStatements(db: Database.Database): SharedStatements {
  const runColumns = "run_id, tenant_id, mode, status, started_at, finished_at, counts_json, error, instance_id";
  const quarantineColumns = "resource, clever_id, reason, raw_json, run_id, quarantined_at";
  return {
    sectionEnrollments: db.prepare(`SELECT user_id, role, deleted_at FROM ${ENROLLMENTS_TABLE} WHERE tenant_id = ? AND section_id = ?`),
    removeEnrollment: db.prepare(`UPDATE ${ENROLLMENTS_TABLE} SET deleted_at = ? WHERE tenant_id = ? AND section_id = ? AND user_id = ? AND role = ? AND deleted_at IS NULL`),
    restoreEnrollment: db.prepare(`UPDATE ${ENROLLMENTS_TABLE} SET deleted_at = NULL WHERE tenant_id = ? AND section_id = ? AND user_id = ? AND role = ?`),
    insertEnrollment: db.prepare(`INSERT INTO ${ENROLLMENTS_TABLE} (tenant_id, section_id, user_id, role) VALUES (?, ?, ?, ?)`),
    enrollments: db.prepare(`SELECT user_id, role FROM ${ENROLLMENTS_TABLE} WHERE tenant_id = ? AND section_id = ? AND deleted_at IS NULL ORDER BY role, user_id`),
    startRun: db.prepare(
      `INSERT INTO ${RUNS_TABLE} (tenant_id, run_id, mode, status, started_at, finished_at, counts_json, error, instance_id)
       VALUES (@tenantId, @runId, @mode, @status, @startedAt, @finishedAt, @countsJson, @error, @instanceId)
       ON CONFLICT (tenant_id, run_id) DO NOTHING`,
    ),
    finishRun: db.prepare(
      `UPDATE ${RUNS_TABLE} SET status = @status, finished_at = @finishedAt, counts_json = @countsJson, error = @error
       WHERE tenant_id = @tenantId AND run_id = @runId`,
    ),
    listRuns: db.prepare(`SELECT ${runColumns} FROM ${RUNS_TABLE} WHERE tenant_id = ? ORDER BY started_at DESC, run_id DESC LIMIT ?`),
    quarantine: db.prepare(
      `INSERT INTO ${QUARANTINE_TABLE} (tenant_id, run_id, entry_hash, resource, clever_id, reason, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, run_id, entry_hash) DO NOTHING`,
    ),
    quarantined: db.prepare(`SELECT ${quarantineColumns} FROM ${QUARANTINE_TABLE} WHERE tenant_id = ? ORDER BY quarantined_at DESC, entry_hash LIMIT ?`),
    quarantineCount: db.prepare(`SELECT COUNT(*) AS n FROM ${QUARANTINE_TABLE} WHERE tenant_id = ?`),
    quarantinedByRun: db.prepare(
      `SELECT ${quarantineColumns} FROM ${QUARANTINE_TABLE} WHERE tenant_id = ? AND run_id = ? ORDER BY quarantined_at DESC, entry_hash LIMIT ?`,
    ),
    // Both counts come from indexes alone (primary key, partial sweep index), never from table rows.
    counts: db.prepare(
      ROSTER_RESOURCES.map(
        (r) =>
          `SELECT '${r}' AS resource, (SELECT COUNT(*) FROM ${q(r)} WHERE tenant_id = @tenantId) AS total, (SELECT COUNT(*) FROM ${q(r)} WHERE tenant_id = @tenantId AND deleted_at IS NULL) AS live`,
      ).join(" UNION ALL "),
    ),
  };
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function bindable(value: ColumnValue): string | number | null {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

function runFromRow(row: Record<string, unknown>): RunSummary {
  return {
    runId: String(row.run_id),
    tenantId: String(row.tenant_id),
    mode: row.mode as RunSummary["mode"],
    status: row.status as RunSummary["status"],
    startedAt: String(row.started_at),
    finishedAt: (row.finished_at as string | null) ?? null,
    counts: row.counts_json == null ? null : (JSON.parse(String(row.counts_json)) as Record<string, unknown>),
    error: (row.error as string | null) ?? null,
    instanceId: (row.instance_id as string | null) ?? null,
  };
}

export class SqliteRosterStore implements RosterStore {
  readonly dialect = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly readBatchSize: number;
  private readonly maxRowsPerTransaction: number;
  private readonly retry: RetryOptions;
  private resources?: Record<RosterResource, ResourceStatements>;
  private shared?: SharedStatements;
  private guardStatements?: GuardStatements;
  private linkStatements?: UserLinkStatements;
  private closed = false;

  constructor(options: SqliteRosterStoreOptions) {
    const { filename } = options;
    this.readBatchSize = Math.max(1, Math.floor(options.readBatchSize ?? 500));
    this.maxRowsPerTransaction = checkMaxRowsPerTransaction(options.maxRowsPerTransaction);
    this.retry = { delaysMs: SQLITE_RETRY_DELAYS_MS, ...options.retry };
    let db: Database.Database | undefined;
    try {
      if (filename !== ":memory:" && !filename.startsWith("file:")) makeDirectory(dirname(filename));
      db = new Database(filename);
      // WAL: readers (CLI, health) never block the sync's writer. NORMAL is durable across
      // crashes in WAL mode; only a power cut can lose the last commits, which the next sync repeats.
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      this.db = db;
    } catch (error) {
      db?.close();
      const cause = sanitizeCause(error);
      throw new StoreUnavailableError("sqlite", `cannot open the SQLite database: ${cause.message}`, cause, false);
    }
  }

  async migrate(): Promise<void> {
    await this.retrying("migrate", () => {
      if (this.closed) throw new StoreNotReadyError("the store is closed");
      this.db.exec(SQLITE_BOOTSTRAP);
      const apply = this.db.transaction(() => {
        const applied = new Set(this.db.prepare("SELECT version FROM schema_migrations").pluck().all() as number[]);
        const newest = Math.max(0, ...applied);
        if (newest > SQLITE_MIGRATIONS.length) {
          throw new StoreSchemaError(`the database is at schema version ${newest}, newer than this code knows (${SQLITE_MIGRATIONS.length}). Fix: upgrade the application.`);
        }
        const record = this.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
        for (const migration of SQLITE_MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.statements) this.db.exec(statement);
          record.run(migration.version, migration.name, new Date().toISOString());
        }
      });
      apply.immediate();
      this.resources ??= Object.fromEntries(ROSTER_RESOURCES.map((r) => [r, resourceStatements(this.db, r)])) as Record<RosterResource, ResourceStatements>;
      this.shared ??= sharedStatements(this.db);
      this.guardStatements ??= sqliteGuardStatements(this.db);
      this.linkStatements ??= sqliteUserLinkStatements(this.db);
    });
  }

  async migrationVersions(): Promise<number[]> {
    return this.retrying("migrationVersions", () => {
      this.ready();
      return this.db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all() as number[];
    });
  }

  async upsert(tenantId: string, resource: RosterResource, rows: RosterRow[], run: UpsertOptions): Promise<UpsertCounts> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const syncedAt = isoTimestamp("syncedAt", run.syncedAt);
    const batch = prepareRows(resource, rows);
    return this.retrying("upsert", () => {
      const { resources, shared, guard, links } = this.ready();
      const st = resources[resource];
      const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, restored: 0 };
      if (resource === "sections") Object.assign(counts, { enrollmentsRemoved: 0, enrollmentsRestored: 0, heldSections: [] });
      const write = this.db.transaction((prepared: PreparedRow[]) => {
        for (const row of prepared) {
          const state = st.lookup.get(row.raw, tenantId, row.cleverId) as { same: number; gone: number } | undefined;
          if (state && state.same === 1 && state.gone === 0) {
            st.stamp.run(run.runId, syncedAt, tenantId, row.cleverId);
            counts.unchanged++;
            continue;
          }
          st.upsert.run(tenantId, row.cleverId, ...row.values.map(bindable), row.raw, row.lastModified, syncedAt, run.runId);
          if (state === undefined) counts.inserted++;
          else counts.updated++;
          if (state?.gone === 1) counts.restored++;
          // Inserted or updated users only: like enrollments, links derive from the raw JSON, so unchanged JSON means unchanged links.
          if (resource === "users") applyUserLinks(links, tenantId, row, syncedAt);
          if (row.enrollments) {
            // Unchanged sections keep their enrollments: they derive from the identical raw JSON.
            const existing = shared.sectionEnrollments.all(tenantId, row.cleverId) as { user_id: string; role: string; deleted_at: string | null }[];
            const diff = enrollmentDiff(existing.map((e) => ({ userId: e.user_id, role: e.role, deleted: e.deleted_at !== null })), row.enrollments, run.sectionLossGuard);
            // A newer look at the section supersedes removals an earlier run held.
            guard.clearHeldEnrollments.run(tenantId, row.cleverId, run.runId);
            if (diff.held) {
              counts.heldSections!.push({ sectionId: row.cleverId, liveStudents: diff.liveStudents, removedStudents: diff.removedStudents });
              for (const e of diff.removed) guard.holdEnrollment.run(tenantId, run.runId, row.cleverId, e.userId, e.role);
            } else {
              for (const e of diff.removed) counts.enrollmentsRemoved! += shared.removeEnrollment.run(syncedAt, tenantId, row.cleverId, e.userId, e.role).changes;
            }
            for (const e of diff.restored) counts.enrollmentsRestored! += shared.restoreEnrollment.run(tenantId, row.cleverId, e.userId, e.role).changes;
            for (const e of diff.added) shared.insertEnrollment.run(tenantId, row.cleverId, e.userId, e.role);
          }
        }
      });
      for (const chunk of transactionChunks(batch, this.maxRowsPerTransaction, rowWeight)) write.immediate(chunk);
      return counts;
    });
  }

  async softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string, scope?: SweepScope): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    assertScope(resource, scope);
    const at = isoTimestamp("deletedAt", deletedAt);
    return this.retrying("softDeleteMissing", () => {
      const st = this.ready().resources[resource];
      const limit = this.maxRowsPerTransaction;
      let total = 0;
      for (;;) {
        // Each step commits on its own; a rerun after a failure finds only the rows still live.
        const step = () => (scope ? st.school!.sweep.run({ at, tenantId, runId, limit, schoolId: scope.schoolId }) : st.sweep.run({ at, tenantId, runId, limit })).changes;
        const changed = this.db.transaction(step).immediate();
        total += changed;
        if (changed < limit) return total;
      }
    });
  }

  async missing(tenantId: string, resource: RosterResource, runId: string, sampleSize: number, scope?: SweepScope): Promise<{ missing: number; live: number; sample: string[] }> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    assertScope(resource, scope);
    const limit = clampLimit(sampleSize, MAX_LIST);
    return this.guard("missing", () => {
      const st = this.ready().resources[resource];
      if (scope) {
        const school = st.school!;
        const id = scope.schoolId;
        return this.db
          .transaction(() => ({
            missing: school.missingCount.get(tenantId, runId, id) as number,
            live: school.liveCount.get(tenantId, id) as number,
            sample: school.missingSample.all(tenantId, runId, id, limit) as string[],
          }))
          .deferred();
      }
      return this.db
        .transaction(() => ({
          missing: st.missingCount.get(tenantId, runId) as number,
          live: st.liveCount.get(tenantId) as number,
          sample: st.missingSample.all(tenantId, runId, limit) as string[],
        }))
        .deferred();
    });
  }

  async softDelete(tenantId: string, resource: RosterResource, cleverIds: string[], run: { runId: string; deletedAt: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const at = isoTimestamp("deletedAt", run.deletedAt);
    const ids = prepareIds("cleverIds", cleverIds);
    return this.retrying("softDelete", () => {
      const st = this.ready().resources[resource];
      let count = 0;
      const step = this.db.transaction((chunk: string[]) => {
        for (const id of chunk) count += st.softDelete.run(at, run.runId, tenantId, id).changes;
      });
      for (const chunk of transactionChunks(ids, this.maxRowsPerTransaction)) step.immediate(chunk);
      return count;
    });
  }

  async markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], run: { runId: string; staleSince: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const at = isoTimestamp("staleSince", run.staleSince);
    const prepared = prepareStale(entries);
    return this.guard("markStale", () => {
      this.ready();
      // run_id is stamped so the end-of-resource sweep keeps the row: Clever still returns the record.
      const stamp = this.db.prepare(`UPDATE ${resource} SET run_id = ? WHERE tenant_id = ? AND clever_id = ? AND deleted_at IS NULL`);
      const flag = this.db.prepare(
        `INSERT INTO stale_rows (tenant_id, resource, clever_id, run_id, reason, stale_since) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, resource, clever_id) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason,
  stale_since = CASE WHEN stale_rows.run_id = excluded.run_id THEN stale_rows.stale_since ELSE excluded.stale_since END`,
      );
      let count = 0;
      this.db.transaction(() => {
        for (const e of prepared) {
          if (stamp.run(run.runId, tenantId, e.cleverId).changes === 0) continue;
          flag.run(tenantId, resource, e.cleverId, run.runId, e.reason, at);
          count++;
        }
      }).immediate();
      return count;
    });
  }

  async staleRows(tenantId: string, resource: RosterResource): Promise<StaleRow[]> {
    assertTenantId(tenantId);
    assertResource(resource);
    return this.guard("staleRows", () => {
      this.ready();
      // Stale while the row's run_id is the one that flagged it: a later valid upsert restamps it.
      const rows = this.db
        .prepare(
          `SELECT s.clever_id, s.run_id, s.reason, s.stale_since FROM stale_rows s JOIN ${resource} r
ON r.tenant_id = s.tenant_id AND r.clever_id = s.clever_id AND r.run_id = s.run_id AND r.deleted_at IS NULL
WHERE s.tenant_id = ? AND s.resource = ? ORDER BY s.clever_id`,
        )
        .all(tenantId, resource) as Record<string, string>[];
      return rows.map((r) => ({ resource, cleverId: r.clever_id, quarantineRunId: r.run_id, reason: r.reason, staleSince: r.stale_since }));
    });
  }

  async quarantine(tenantId: string, runId: string, entries: QuarantineEntry[]): Promise<void> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const prepared = prepareQuarantine(entries);
    await this.retrying("quarantine", () => {
      const { shared } = this.ready();
      const step = this.db.transaction((chunk: typeof prepared) => {
        for (const e of chunk) shared.quarantine.run(tenantId, runId, e.hash, e.resource, e.cleverId, e.reason, e.raw);
      });
      for (const chunk of transactionChunks(prepared, this.maxRowsPerTransaction)) step.immediate(chunk);
    });
  }

  async quarantined(tenantId: string, options: { runId?: string; limit?: number } = {}): Promise<QuarantinedRecord[]> {
    assertTenantId(tenantId);
    if (options.runId !== undefined) assertRunId(options.runId);
    const limit = clampLimit(options.limit ?? MAX_LIST, MAX_LIST);
    return this.retrying("quarantined", () => {
      const { shared } = this.ready();
      const rows = (options.runId === undefined ? shared.quarantined.all(tenantId, limit) : shared.quarantinedByRun.all(tenantId, options.runId, limit)) as Record<string, unknown>[];
      return rows.map((r) => ({
        resource: r.resource as RosterResource,
        cleverId: (r.clever_id as string | null) ?? null,
        reason: String(r.reason),
        raw: String(r.raw_json),
        runId: String(r.run_id),
        quarantinedAt: String(r.quarantined_at),
      }));
    });
  }

  async startRun(run: RunSummary): Promise<void> {
    const prepared = prepareRun(run);
    await this.retrying("startRun", () => {
      this.ready().shared.startRun.run(prepared);
    });
  }

  async finishRun(tenantId: string, runId: string, result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error">): Promise<void> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const prepared = prepareRunResult(result);
    await this.retrying("finishRun", () => {
      const { changes } = this.ready().shared.finishRun.run({ ...prepared, tenantId, runId });
      if (changes === 0) throw new RunNotFoundError(tenantId, runId);
    });
  }

  async listRuns(tenantId: string, limit: number): Promise<RunSummary[]> {
    assertTenantId(tenantId);
    const n = clampLimit(limit, MAX_LIST);
    return this.retrying("listRuns", () => (this.ready().shared.listRuns.all(tenantId, n) as Record<string, unknown>[]).map(runFromRow));
  }

  async *rows(tenantId: string, resource: RosterResource, options: { includeDeleted?: boolean } = {}): AsyncGenerator<StoredRosterRow, void, undefined> {
    assertTenantId(tenantId);
    assertResource(resource);
    const columns = ROSTER_COLUMNS[resource];
    let after = "";
    for (;;) {
      // A fresh query per batch: no statement stays open across yields, so callers may write meanwhile.
      const batch = await this.retrying("rows", () => {
        const st = this.ready().resources[resource];
        return (options.includeDeleted ? st.page : st.pageLive).all(tenantId, after, this.readBatchSize) as Record<string, unknown>[];
      });
      for (const r of batch) {
        const typed: Record<string, unknown> = {};
        for (const c of columns) typed[c.name] = decodeColumn(c, r[c.name]);
        yield { cleverId: String(r.clever_id), raw: String(r.raw_json), deletedAt: (r.deleted_at as string | null) ?? null, runId: String(r.run_id), columns: typed };
      }
      if (batch.length < this.readBatchSize) return;
      after = String(batch[batch.length - 1]!.clever_id);
    }
  }

  async enrollments(tenantId: string, sectionId: string): Promise<{ userId: string; role: string }[]> {
    assertTenantId(tenantId);
    assertCleverId("sectionId", sectionId);
    return this.retrying("enrollments", () =>
      (this.ready().shared.enrollments.all(tenantId, sectionId) as { user_id: string; role: string }[]).map((r) => ({ userId: r.user_id, role: r.role })),
    );
  }

  async userSchools(tenantId: string, userId: string, options: { includeDeleted?: boolean } = {}): Promise<{ schoolId: string; deletedAt: string | null }[]> {
    assertTenantId(tenantId);
    assertCleverId("userId", userId);
    return this.retrying("userSchools", () => {
      const st = this.ready().links.schools;
      const rows = (options.includeDeleted ? st.all : st.live).all(tenantId, userId) as { school_id: string; deleted_at: string | null }[];
      return rows.map((r) => ({ schoolId: r.school_id, deletedAt: r.deleted_at }));
    });
  }

  async contactRelationships(tenantId: string, contactId: string, options: { includeDeleted?: boolean } = {}): Promise<(ContactRelationship & { deletedAt: string | null })[]> {
    assertTenantId(tenantId);
    assertCleverId("contactId", contactId);
    return this.retrying("contactRelationships", () => {
      const st = this.ready().links.contacts;
      const rows = (options.includeDeleted ? st.all : st.live).all(tenantId, contactId) as { student_id: string; relationship: string | null; type: string | null; deleted_at: string | null }[];
      return rows.map((r) => ({ studentId: r.student_id, relationship: r.relationship, type: r.type, deletedAt: r.deleted_at }));
    });
  }

  async quarantineCount(tenantId: string): Promise<number> {
    assertTenantId(tenantId);
    return this.guard("quarantineCount", () => Number((this.ready().shared.quarantineCount.get(tenantId) as { n: number }).n));
  }

  async counts(tenantId: string): Promise<Record<RosterResource, { live: number; deleted: number }>> {
    assertTenantId(tenantId);
    return this.retrying("counts", () => {
      const rows = this.ready().shared.counts.all({ tenantId }) as { resource: RosterResource; total: number; live: number }[];
      return Object.fromEntries(rows.map((r) => [r.resource, { live: r.live, deleted: r.total - r.live }])) as Record<RosterResource, { live: number; deleted: number }>;
    });
  }

  // ---- run lease, sync state, held runs, audit -------------------------------------------------

  async acquireLease(tenantId: string, request: { runId: string; instanceId: string | null; now: string; ttlMs: number }): Promise<LeaseResult> {
    assertTenantId(tenantId);
    assertRunId(request?.runId);
    const now = isoTimestamp("now", request.now);
    const expiresAt = leaseExpiry(now, request.ttlMs);
    return this.guard("acquireLease", () => {
      const { guard } = this.ready();
      // IMMEDIATE: the write lock is taken first, so two processes never both see the lease free.
      return this.db
        .transaction((): LeaseResult => {
          guard.takeLease.run({ tenantId, runId: request.runId, instanceId: request.instanceId ?? null, now, expiresAt });
          const lease = leaseFromRow(guard.lease.get(tenantId) as Record<string, unknown>);
          return lease.runId === request.runId ? { acquired: true, lease } : { acquired: false, holder: lease };
        })
        .immediate();
    });
  }

  async renewLease(tenantId: string, runId: string, now: string, ttlMs: number): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const expiresAt = leaseExpiry(now, ttlMs);
    return this.guard("renewLease", () => this.ready().guard.renewLease.run(expiresAt, tenantId, runId).changes === 1);
  }

  async releaseLease(tenantId: string, runId: string): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    return this.guard("releaseLease", () => this.ready().guard.releaseLease.run(tenantId, runId).changes === 1);
  }

  async currentLease(tenantId: string): Promise<SyncLease | undefined> {
    assertTenantId(tenantId);
    return this.guard("currentLease", () => {
      const row = this.ready().guard.lease.get(tenantId) as Record<string, unknown> | undefined;
      return row ? leaseFromRow(row) : undefined;
    });
  }

  async syncState(tenantId: string): Promise<SyncState | undefined> {
    assertTenantId(tenantId);
    return this.guard("syncState", () => {
      const row = this.ready().guard.state.get(tenantId) as Record<string, unknown> | undefined;
      return row ? stateFromRow(row) : undefined;
    });
  }

  async saveSyncState(tenantId: string, change: Partial<Pick<SyncState, "eventsCursor" | "lastFullSyncAt" | "lastFullRunId">>, at: string): Promise<void> {
    assertTenantId(tenantId);
    const params = preparedState(change, at);
    this.guard("saveSyncState", () => {
      this.ready().guard.saveState.run({ tenantId, ...params });
    });
  }

  async holdRun(held: Omit<HeldRun, "status" | "decidedAt" | "decidedBy">): Promise<void> {
    const prepared = prepareHeld(held);
    this.guard("holdRun", () => {
      this.ready().guard.holdRun.run(prepared);
    });
  }

  async heldRuns(tenantId: string, options: { status?: HeldStatus; limit?: number } = {}): Promise<HeldRun[]> {
    assertTenantId(tenantId);
    const limit = clampLimit(options.limit ?? 100, MAX_LIST);
    return this.guard("heldRuns", () => {
      const { guard } = this.ready();
      const rows = (options.status ? guard.heldRunsByStatus.all(tenantId, options.status, limit) : guard.heldRuns.all(tenantId, limit)) as Record<string, unknown>[];
      return rows.map((r) => heldRunFromRow(r, (v) => (v == null ? null : String(v))));
    });
  }

  async decideHeld(
    tenantId: string,
    runId: string,
    decision: { status: "approved" | "rejected"; decidedAt: string; decidedBy: string; details?: Record<string, unknown> },
  ): Promise<{ deleted: Partial<Record<RosterResource, number>>; enrollmentsDeleted: number } | undefined> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const at = isoTimestamp("decidedAt", decision?.decidedAt);
    if (decision.status !== "approved" && decision.status !== "rejected") throw new StoreInputError("status", 'must be "approved" or "rejected"');
    return this.guard("decideHeld", () => {
      const { guard, resources } = this.ready();
      return this.db
        .transaction(() => {
          if (guard.decide.run(decision.status, at, truncate(decision.decidedBy, ACTOR_MAX_LENGTH), tenantId, runId).changes === 0) return undefined;
          const deleted: Partial<Record<RosterResource, number>> = {};
          let enrollmentsDeleted = 0;
          if (decision.status === "approved") {
            const held = JSON.parse(String(guard.heldResources.get(tenantId, runId))) as HeldRun["resources"];
            for (const resource of ROSTER_RESOURCES) {
              // With the decision and its audit entry in one transaction: no cap (LIMIT -1 is none in SQLite).
              const h = held[resource];
              if (!h?.wouldDelete) continue;
              // A school sync's held deletions stay within that school.
              const school = h.school ? resources[resource].school : undefined;
              if (h.school && !school) throw new StoreInputError("school", `${resource} rows carry no school`);
              deleted[resource] = school ? school.sweep.run({ at, tenantId, runId, limit: -1, schoolId: h.school }).changes : resources[resource].sweep.run({ at, tenantId, runId, limit: -1 }).changes;
            }
            enrollmentsDeleted = guard.applyHeldEnrollments.run({ at, tenantId, runId }).changes;
          }
          guard.dropHeldEnrollments.run(tenantId, runId);
          const result = { deleted, enrollmentsDeleted };
          guard.appendAudit.run(
            prepareAudit({ tenantId, at, actor: decision.decidedBy, action: decision.status === "approved" ? "held.approve" : "held.reject", target: runId, details: { ...decision.details, ...result } }),
          );
          return result;
        })
        .immediate();
    });
  }

  async viewRows(tenantId: string, view: RosterView, limit: number): Promise<Record<string, string | number | null>[]> {
    assertTenantId(tenantId);
    if (!(ROSTER_VIEWS as readonly string[]).includes(view)) throw new StoreInputError("view", `must be one of ${ROSTER_VIEWS.join(", ")}`);
    const n = clampLimit(limit, MAX_LIST);
    return this.guard("viewRows", () => {
      this.ready();
      const sql = `SELECT ${VIEW_COLUMNS[view].map(q).join(", ")} FROM ${q(view)} WHERE tenant_id = ? ORDER BY ${VIEW_ORDER[view].map(q).join(", ")} LIMIT ?`;
      return this.db.prepare(sql).all(tenantId, n) as Record<string, string | number | null>[];
    });
  }

  async purgeQuarantine(tenantId: string, before: string): Promise<number> {
    assertTenantId(tenantId);
    const at = isoTimestamp("before", before);
    return this.guard("purgeQuarantine", () => this.ready().guard.purgeQuarantine.run(tenantId, at).changes);
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    const prepared = prepareAudit(entry);
    this.guard("appendAudit", () => {
      this.ready().guard.appendAudit.run(prepared);
    });
  }

  async audit(tenantId: string | undefined, limit: number): Promise<AuditEntry[]> {
    if (tenantId !== undefined) assertTenantId(tenantId);
    const n = clampLimit(limit, MAX_LIST);
    return this.guard("audit", () => {
      const { guard } = this.ready();
      const rows = (tenantId === undefined ? guard.auditAll.all(n) : guard.audit.all(tenantId, n)) as Record<string, unknown>[];
      return rows.map((r) => auditFromRow(r, (v) => (v == null ? null : String(v))));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private ready(): { resources: Record<RosterResource, ResourceStatements>; shared: SharedStatements; guard: GuardStatements; links: UserLinkStatements } {
    if (this.closed) throw new StoreNotReadyError("the store is closed");
    if (!this.resources || !this.shared || !this.guardStatements || !this.linkStatements) throw new StoreNotReadyError("call migrate() before using the store");
    return { resources: this.resources, shared: this.shared, guard: this.guardStatements, links: this.linkStatements };
  }

  /** A guarded step, retried on transient errors (SQLITE_BUSY when another process holds the write lock past busy_timeout). */
  private retrying<T>(operation: string, step: () => T): Promise<T> {
    return withRetry(operation, this.retry, async () => this.guard(operation, step));
  }

  /** Runs a database step, turning driver errors into typed store errors. */
  private guard<T>(operation: string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const code = (error as { code?: unknown }).code;
      const cause = sanitizeCause(error);
      if (code === "SQLITE_CANTOPEN" || code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_READONLY") {
        throw new StoreUnavailableError("sqlite", `SQLite ${operation} failed: ${cause.message}`, cause, false);
      }
      throw new StoreQueryError("sqlite", operation, `SQLite ${operation} failed: ${cause.message}`, cause, typeof code === "string" ? code : undefined, TRANSIENT_CODES.has(String(code)));
    }
  }
}
