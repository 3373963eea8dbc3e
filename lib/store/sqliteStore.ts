/**
 * RosterStore on SQLite (better-sqlite3): the embedded default, one file per database.
 *
 * better-sqlite3 is synchronous. Reads run on the caller's connection; writes run on a writer
 * thread with its own connection to the same file (sqliteWriter.ts), so a sync's upserts do not
 * block the event loop that fetches pages and serves HTTP. Writes use WAL (readers never block
 * the writer), prepared statements, and IMMEDIATE transactions (the write lock is taken up front,
 * so two writers never deadlock upgrading a read lock).
 */
import type Database from "better-sqlite3";
import { StoreInputError, StoreNotReadyError, StoreSchemaError } from "./errors";
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
  type PreparedRow,
} from "./normalize";
import { ROSTER_COLUMNS } from "./schema";
import { openSqlite, sqliteStep } from "./sqliteConnection";
import { q } from "./sqliteStatements";
import { InThreadWriter, ThreadWriter, type SqliteWriter, type WriteArgs, type WriteResult } from "./sqliteWriter";
import { sqliteStatements, type SqliteStatements, type SqliteWriteMethod, type UpsertRun } from "./sqliteWrites";
import { ROSTER_VIEWS, VIEW_COLUMNS, VIEW_ORDER, type RosterView } from "./views";
import { auditFromRow, prepareDecision, heldRunFromRow, leaseExpiry, leaseFromRow, preparedState, prepareAudit, prepareHeld, stateFromRow } from "./guardRows";
import {
  type SweepScope,
  type AuditEntry,
  type AuditInput,
  type HeldRun,
  type HeldStatus,
  type LeaseResult,
  type SyncLease,
  type SyncState,
  type UpsertOptions,
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
  /**
   * Run writes on a worker thread of their own (default true). ":memory:" and "file:" URI
   * databases always write in the calling thread: a second connection cannot share them.
   */
  writerThread?: boolean;
}

const MAX_LIST = 1000;
/**
 * Retries after SQLITE_BUSY: each attempt already waits busy_timeout inside SQLite (synchronously,
 * blocking the event loop), so two retries — ≈20 s in all with the default 5 s timeout — rather
 * than SQL Server's minute of short attempts.
 */
export const SQLITE_RETRY_DELAYS_MS: readonly number[] = [1000, 4000];

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
  private readonly filename: string;
  private readonly busyTimeoutMs: number;
  private readonly readBatchSize: number;
  private readonly maxRowsPerTransaction: number;
  private readonly retry: RetryOptions;
  private readonly writerThread: boolean;
  private statements?: SqliteStatements;
  private writer?: SqliteWriter;
  private closed = false;
  /** Upserts under way, each possibly several requests: close() lets them finish. */
  private readonly active = new Set<Promise<unknown>>();

  constructor(options: SqliteRosterStoreOptions) {
    const { filename } = options;
    this.filename = filename;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.readBatchSize = Math.max(1, Math.floor(options.readBatchSize ?? 500));
    this.maxRowsPerTransaction = checkMaxRowsPerTransaction(options.maxRowsPerTransaction);
    this.retry = { delaysMs: SQLITE_RETRY_DELAYS_MS, ...options.retry };
    this.writerThread = options.writerThread !== false && filename !== ":memory:" && !filename.startsWith("file:");
    this.db = openSqlite(filename, this.busyTimeoutMs);
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
      this.statements ??= sqliteStatements(this.db);
      // After the migrations: the writer prepares its statements against the final schema.
      this.writer ??= this.writerThread
        ? new ThreadWriter({ filename: this.filename, busyTimeoutMs: this.busyTimeoutMs, maxRowsPerTransaction: this.maxRowsPerTransaction })
        : new InThreadWriter(this.db, this.maxRowsPerTransaction);
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
    this.ready();
    const write = this.upsertChunks(tenantId, resource, batch, { runId: run.runId, syncedAt, sectionLossGuard: run.sectionLossGuard });
    // close() waits for it: the call's later transactions are not cut off.
    this.active.add(write);
    try {
      return await write;
    } finally {
      this.active.delete(write);
    }
  }

  private async upsertChunks(tenantId: string, resource: RosterResource, batch: PreparedRow[], options: UpsertRun): Promise<UpsertCounts> {
    const total: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, restored: 0 };
    if (resource === "sections") Object.assign(total, { enrollmentsRemoved: 0, enrollmentsRestored: 0, heldSections: [] });
    // One request per transaction: what crosses to the writer thread at once stays small (a page of
    // 10,000 records would be copied whole, twice), and a retry resumes at the transaction that failed.
    for (const chunk of transactionChunks(batch, this.maxRowsPerTransaction, rowWeight)) {
      const c = await this.send("upsert", [tenantId, resource, chunk, options], true);
      total.inserted += c.inserted;
      total.updated += c.updated;
      total.unchanged += c.unchanged;
      total.restored += c.restored;
      if (resource === "sections") {
        total.enrollmentsRemoved! += c.enrollmentsRemoved!;
        total.enrollmentsRestored! += c.enrollmentsRestored!;
        total.heldSections!.push(...c.heldSections!);
      }
    }
    return total;
  }

  async softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string, scope?: SweepScope): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    assertScope(resource, scope);
    const at = isoTimestamp("deletedAt", deletedAt);
    return this.write("softDeleteMissing", [tenantId, resource, runId, at, scope], true);
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
    return this.write("softDelete", [tenantId, resource, ids, run.runId, at], true);
  }

  async markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], run: { runId: string; staleSince: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const at = isoTimestamp("staleSince", run.staleSince);
    const prepared = prepareStale(entries);
    return this.write("markStale", [tenantId, resource, prepared, run.runId, at], false);
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
    await this.write("quarantine", [tenantId, runId, prepared], true);
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
    await this.write("startRun", [prepared], true);
  }

  async finishRun(tenantId: string, runId: string, result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error">): Promise<void> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const prepared = prepareRunResult(result);
    await this.write("finishRun", [tenantId, runId, prepared], true);
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
    return this.write("acquireLease", [tenantId, { runId: request.runId, instanceId: request.instanceId ?? null, now, expiresAt }], false);
  }

  async renewLease(tenantId: string, runId: string, now: string, ttlMs: number): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const expiresAt = leaseExpiry(now, ttlMs);
    return this.write("renewLease", [tenantId, runId, expiresAt], false);
  }

  async releaseLease(tenantId: string, runId: string): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    return this.write("releaseLease", [tenantId, runId], false);
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
    await this.write("saveSyncState", [tenantId, params], false);
  }

  async holdRun(held: Omit<HeldRun, "status" | "decidedAt" | "decidedBy">): Promise<void> {
    const prepared = prepareHeld(held);
    await this.write("holdRun", [prepared], false);
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
    const { status, at, decidedBy, action } = prepareDecision(tenantId, runId, decision);
    // Checked here, before anything is sent; the writer adds the deletion counts to the entry's details.
    const audit = prepareAudit({ tenantId, at, actor: decision.decidedBy, action, target: runId, details: decision.details ?? null });
    return this.write("decideHeld", [tenantId, runId, { status, at, decidedBy, audit }], false);
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
    return this.write("purgeQuarantine", [tenantId, at], false);
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    const prepared = prepareAudit(entry);
    await this.write("appendAudit", [prepared], false);
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
    try {
      await Promise.allSettled([...this.active]);
      await this.writer?.close();
    } finally {
      this.db.close();
    }
  }

  private ready(): SqliteStatements {
    if (this.closed) throw new StoreNotReadyError("the store is closed");
    if (!this.statements) throw new StoreNotReadyError("call migrate() before using the store");
    return this.statements;
  }

  /** A write on the writer (after the same readiness checks as a read), retried on transient errors when `retry`. */
  private async write<M extends SqliteWriteMethod>(method: M, args: WriteArgs<M>, retry: boolean): Promise<WriteResult<M>> {
    this.ready();
    return this.send(method, args, retry);
  }

  /** One request to the writer, without the readiness check (a started upsert's later transactions). */
  private async send<M extends SqliteWriteMethod>(method: M, args: WriteArgs<M>, retry: boolean): Promise<WriteResult<M>> {
    const writer = this.writer!;
    const attempt = () => writer.call(method, args);
    return retry ? withRetry(method, this.retry, attempt) : attempt();
  }

  /** A guarded read, retried on transient errors (SQLITE_BUSY when another process holds the write lock past busy_timeout). */
  private retrying<T>(operation: string, step: () => T): Promise<T> {
    return withRetry(operation, this.retry, async () => sqliteStep(operation, step));
  }

  /** Runs a read step, turning driver errors into typed store errors. */
  private guard<T>(operation: string, step: () => T): T {
    return sqliteStep(operation, step);
  }
}
