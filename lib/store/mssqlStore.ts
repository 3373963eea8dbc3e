/**
 * RosterStore on SQL Server / Azure SQL (mssql + tedious).
 *
 * Upserts stage a batch into a session temp table with multi-row INSERT ... VALUES (chunked under
 * the 2100-parameter limit), then classify, stamp and MERGE in one transaction (mssqlStatements.ts).
 * The pool connects lazily, so building a store never touches the network; connection failures
 * surface as StoreUnavailableError with the connection string and password scrubbed out.
 */
import sql from "mssql";
import { RunNotFoundError, StoreError, StoreInputError, StoreNotReadyError, StoreQueryError, StoreSchemaError, StoreUnavailableError, sanitizeCause, scrubSecrets } from "./errors";
import { CONNECTION_CODES, TRANSIENT_NUMBERS, configFromConnectionString, configFromEntra } from "./mssqlConfig";
import { withRetry, type RetryOptions } from "./retry";
import { MSSQL_BOOTSTRAP, MSSQL_MIGRATIONS } from "./migrations/mssql";
import {
  enrollmentInserts,
  finishRunStatement,
  listRunsQuery,
  mergeBatch,
  mergeParams,
  quarantineInserts,
  quarantinedQuery,
  rowsPageQuery,
  softDeleteMissingStatement,
  softDeleteStatements,
  stageInserts,
  stageTableBatch,
  startRunStatement,
  countsQuery,
  quarantineCountQuery,
  enrollmentsQuery,
  DROP_STAGE_BATCH,
  type Param,
  type ParamType,
  type Statement,
  STAGE_TABLE,
  markStaleStatement,
  staleRowsQuery,
} from "./mssqlStatements";
import {
  acquireLeaseStatement,
  appendAuditStatement,
  applyHeldEnrollmentsStatement,
  auditQuery,
  clearSupersededHeldStatement,
  currentLeaseQuery,
  decideHeldStatement,
  dropHeldEnrollmentsStatement,
  enrollmentChangeStatements,
  heldRunsQuery,
  holdRunStatement,
  missingQuery,
  purgeQuarantineStatement,
  releaseLeaseStatement,
  viewRowsQuery,
  renewLeaseStatement,
  saveSyncStateStatement,
  syncStateQuery,
  type EnrollmentKey,
} from "./mssqlGuardStatements";
import { auditFromRow, prepareDecision, enrollmentDiff, heldRunFromRow, leaseExpiry, leaseFromRow, preparedState, prepareAudit, prepareHeld, stateFromRow } from "./guardRows";
import {
  assertCleverId,
  assertResource,
  assertScope,
  assertRunId,
  assertTenantId,
  clampLimit,
  decodeColumn,
  decodeTimestamp,
  isoTimestamp,
  prepareIds,
  prepareQuarantine,
  prepareStale,
  prepareRows,
  prepareRun,
  prepareRunResult,
  type PreparedRow,
} from "./normalize";
import { MIGRATIONS_TABLE, ROSTER_COLUMNS } from "./schema";
import { MSSQL_SCHEMA, table } from "./mssqlSchema";
import { checkMaxRowsPerTransaction, rowWeight, transactionChunks } from "./transactionSize";
import { ROSTER_RESOURCES } from "./types";
import { ROSTER_VIEWS, type RosterView } from "./views";
import { linkChangeStatements, storedLinksBatch, userLinksQuery, type LinkChange } from "./mssqlUserLinks";
import { USER_LINK_KINDS, userLinkDiff, type UserLink } from "./userLinks";
import type {
  AuditEntry,
  AuditInput,
  ContactRelationship,
  HeldRun,
  HeldStatus,
  LeaseResult,
  QuarantineEntry,
  QuarantinedRecord,
  RosterResource,
  RosterRow,
  RosterStore,
  RunSummary,
  StaleRow,
  StoredRosterRow,
  SyncLease,
  SyncState,
  UpsertCounts,
  UpsertOptions,
  SweepScope,
} from "./types";

/** SQL login or Entra authentication, all in one connection string (a secret: never logged, never in errors). See mssqlConfig.ts for the Authentication names. */
export interface MssqlConnectionStringOptions {
  connectionString: string;
}

/** Microsoft Entra ID through @azure/identity's DefaultAzureCredential (managed identity in Azure, az login locally). */
export interface MssqlEntraOptions {
  server: string;
  database: string;
  port?: number;
  authentication?: {
    type: "azure-active-directory-default";
    /** Client id of a user-assigned managed identity; omit for the system-assigned one. */
    clientId?: string;
  };
}

export type MssqlRosterStoreOptions = (MssqlConnectionStringOptions | MssqlEntraOptions) & {
  /** Rows per keyset batch in rows(). Default 500. */
  readBatchSize?: number;
  /** Per-request timeout; a 1000-row MERGE on a busy database can take seconds. Default 120 s. */
  requestTimeoutMs?: number;
  /** Connections in this store's pool at most. Default 10 (docs/deploy.md sizes it against the database's worker limit). */
  poolMax?: number;
  /** Rows written per transaction at most (see transactionSize.ts). Default 2000. */
  maxRowsPerTransaction?: number;
  /** Retry schedule for transient faults and a listener that makes each retry visible (retry.ts). */
  retry?: RetryOptions;
  /**
   * The driver edge: makes the connection pool. Production uses mssql's ConnectionPool; tests
   * inject driver faults here (and only here), since no SQL Server fails on demand.
   */
  createPool?: (config: sql.config) => sql.ConnectionPool;
};

const MAX_LIST = 1000;
/**
 * A request that ran into requestTimeout (ETIMEOUT) is transient for the durable retry, but not
 * repeated here: seven more two-minute waits would hold an activity for a quarter of an hour.
 */
const notRetriedHere = (error: StoreError): boolean => error instanceof StoreQueryError && error.dbCode === "ETIMEOUT";
const MIGRATION_LOCK = "cleversync:schema_migrations";

function sqlType(type: ParamType): sql.ISqlType | (() => sql.ISqlType) {
  switch (type.kind) {
    case "nvarchar":
      return sql.NVarChar(type.length === "max" ? sql.MAX : type.length);
    case "bit":
      return sql.Bit;
    case "date":
      return sql.Date;
    case "datetime2":
      return sql.DateTime2(3);
    case "int":
      return sql.Int;
  }
}

function bind(request: sql.Request, params: readonly Param[]): sql.Request {
  for (const p of params) request.input(p.name, sqlType(p.type), p.value);
  return request;
}

/** Secrets an error text must never contain: the connection string and any password in it. */
function secretsOf(options: MssqlRosterStoreOptions): string[] {
  if (!("connectionString" in options) || typeof options.connectionString !== "string") return [];
  const secrets = [options.connectionString];
  for (const match of options.connectionString.matchAll(/(?:^|;)\s*(?:password|pwd)\s*=\s*("[^"]*"|'[^']*'|\{[^}]*\}|[^;]*)/gi)) {
    const value = match[1]!.replace(/^["'{]|["'}]$/g, "");
    if (value) secrets.push(value);
  }
  return secrets;
}

/** The SQL error number of a driver error (mssql keeps tedious's error as originalError). */
function errorNumber(error: unknown): number | undefined {
  const number = (error as { number?: unknown }).number ?? (error as { originalError?: { number?: unknown } }).originalError?.number;
  return typeof number === "number" ? number : undefined;
}

async function rollbackQuietly(tx: sql.Transaction): Promise<void> {
  try {
    await tx.rollback();
  } catch {
    // XACT_ABORT already rolled it back (EABORT), or the connection is gone: nothing left to undo.
  }
}

export class MssqlRosterStore implements RosterStore {
  readonly dialect = "mssql" as const;
  private readonly options: MssqlRosterStoreOptions;
  private readonly secrets: string[];
  private readonly readBatchSize: number;
  private readonly maxRowsPerTransaction: number;
  private poolPromise?: Promise<sql.ConnectionPool>;
  private migrated = false;
  private closed = false;

  constructor(options: MssqlRosterStoreOptions) {
    this.options = options;
    this.secrets = secretsOf(options);
    this.readBatchSize = Math.max(1, Math.floor(options.readBatchSize ?? 500));
    this.maxRowsPerTransaction = checkMaxRowsPerTransaction(options.maxRowsPerTransaction);
  }

  // ---- connection --------------------------------------------------------------------------

  private pool(): Promise<sql.ConnectionPool> {
    if (this.closed) return Promise.reject(new StoreNotReadyError("the store is closed"));
    this.poolPromise ??= this.connect().catch((error: unknown) => {
      this.poolPromise = undefined; // the next call (or retry) tries again
      throw error;
    });
    return this.poolPromise;
  }

  private async connect(): Promise<sql.ConnectionPool> {
    const tuning = { requestTimeoutMs: this.options.requestTimeoutMs, poolMax: this.options.poolMax };
    const { config, target } =
      "connectionString" in this.options
        ? configFromConnectionString(this.options.connectionString, tuning)
        : configFromEntra({ server: this.options.server, database: this.options.database, port: this.options.port, clientId: this.options.authentication?.clientId }, tuning);
    const pool = (this.options.createPool ?? ((c: sql.config) => new sql.ConnectionPool(c)))(config);
    // Idle-connection errors are emitted on the pool; without a listener they would crash the process.
    pool.on("error", () => undefined);
    try {
      await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      const cause = sanitizeCause(error, this.secrets);
      const number = errorNumber(error);
      const code = (error as { code?: unknown }).code;
      // A refused login is permanent (wrong identity, no database user), unless SQL Server named a
      // transient reason (40613: database unavailable or resuming; 4060, 40501 ...).
      const transient = number !== undefined ? TRANSIENT_NUMBERS.has(number) : code !== "ELOGIN" && code !== "EFEDAUTH";
      throw new StoreUnavailableError("mssql", `cannot connect to SQL Server (${scrubSecrets(target, this.secrets)}): ${cause.message}`, cause, transient);
    }
    return pool;
  }

  /** Turns driver errors into typed store errors without secrets. */
  private wrap(operation: string, error: unknown): Error {
    if (error instanceof StoreError) return error;
    const cause = sanitizeCause(error, this.secrets);
    const code = (error as { code?: unknown }).code;
    const number = errorNumber(error);
    if (typeof code === "string" && CONNECTION_CODES.has(code) && code !== "ETIMEOUT") {
      return new StoreUnavailableError("mssql", `SQL Server ${operation} failed: lost the connection (${cause.message})`, cause, true);
    }
    const transient = code === "ETIMEOUT" || (number !== undefined && TRANSIENT_NUMBERS.has(number));
    return new StoreQueryError("mssql", operation, `SQL Server ${operation} failed: ${cause.message}`, cause, number ?? (typeof code === "string" ? code : undefined), transient);
  }

  /**
   * One statement (or a few, each committing on its own) on any pooled connection; retried on
   * transient faults, including a failed connect (a paused serverless database answers 40613).
   */
  private run<T>(operation: string, step: (pool: sql.ConnectionPool) => Promise<T>): Promise<T> {
    if (!this.migrated) return Promise.reject(new StoreNotReadyError("call migrate() before using the store"));
    return withRetry(
      operation,
      this.options.retry ?? {},
      async () => {
        const pool = await this.pool();
        try {
          return await step(pool);
        } catch (error) {
          throw this.wrap(operation, error);
        }
      },
      notRetriedHere,
    );
  }

  /** One transaction on one connection (temp tables live on the connection); the whole transaction is retried on transient faults. */
  private transaction<T>(operation: string, step: (tx: sql.Transaction) => Promise<T>, requireMigrated = true): Promise<T> {
    if (requireMigrated && !this.migrated) return Promise.reject(new StoreNotReadyError("call migrate() before using the store"));
    return withRetry(operation, this.options.retry ?? {}, () => this.transactionOnce(operation, step), notRetriedHere);
  }

  private async transactionOnce<T>(operation: string, step: (tx: sql.Transaction) => Promise<T>): Promise<T> {
    const pool = await this.pool();
    const tx = pool.transaction();
    try {
      await tx.begin();
    } catch (error) {
      throw this.wrap(operation, error);
    }
    try {
      // XACT_ABORT: any error rolls the whole transaction back instead of leaving it half-applied.
      await tx.request().batch("SET XACT_ABORT ON;");
      const result = await step(tx);
      await tx.commit();
      return result;
    } catch (error) {
      await rollbackQuietly(tx);
      throw this.wrap(operation, error);
    }
  }

  private static exec(on: sql.ConnectionPool | sql.Transaction, statement: Statement): Promise<sql.IResult<Record<string, unknown>>> {
    return bind(on.request(), statement.params).query(statement.text);
  }

  // ---- schema ------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    try {
      await this.migrateOnce();
    } catch (error) {
      // 262: CREATE SCHEMA permission denied; 2760: the schema does not exist or cannot be used.
      if (error instanceof StoreQueryError && (error.dbCode === 262 || error.dbCode === 2760)) {
        throw new StoreSchemaError(
          `cannot create or use the schema "${MSSQL_SCHEMA}" that holds the app's tables. Fix: as the database's Entra admin run bicep/sql/grant-app-user.sql (it creates the schema, owned by the app's identity).`,
          error,
        );
      }
      throw error;
    }
    this.migrated = true;
  }

  private async migrateOnce(): Promise<void> {
    await this.transaction(
      "migrate",
      async (tx) => {
        // Many function instances may start at once: an app lock makes them migrate one at a time.
        const lock = await tx
          .request()
          .batch(
            `DECLARE @result INT; EXEC @result = sp_getapplock @Resource = N'${MIGRATION_LOCK}', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 60000; SELECT @result AS result;`,
          );
        if (Number(lock.recordset?.[0]?.result) < 0) throw new StoreUnavailableError("mssql", "timed out waiting for another instance to finish migrating", undefined, true);
        await tx.request().batch(MSSQL_BOOTSTRAP);
        const applied = new Set((await tx.request().batch(`SELECT [version] FROM ${table(MIGRATIONS_TABLE)};`)).recordset.map((r: { version: number }) => r.version));
        const newest = Math.max(0, ...applied);
        if (newest > MSSQL_MIGRATIONS.length) {
          throw new StoreSchemaError(`the database is at schema version ${newest}, newer than this code knows (${MSSQL_MIGRATIONS.length}). Fix: upgrade the application.`);
        }
        for (const migration of MSSQL_MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.statements) await tx.request().batch(statement);
          await MssqlRosterStore.exec(tx, {
            text: `INSERT INTO ${table(MIGRATIONS_TABLE)} ([version], [name], [applied_at]) VALUES (@version, @name, SYSUTCDATETIME());`,
            params: [
              { name: "version", type: { kind: "int" }, value: migration.version },
              { name: "name", type: { kind: "nvarchar", length: 200 }, value: migration.name },
            ],
          });
        }
      },
      false,
    );
  }

  async migrationVersions(): Promise<number[]> {
    return this.run("migrationVersions", async (pool) => (await pool.request().query(`SELECT [version] FROM ${table(MIGRATIONS_TABLE)} ORDER BY [version];`)).recordset.map((r: { version: number }) => r.version));
  }

  // ---- writes ------------------------------------------------------------------------------

  async upsert(tenantId: string, resource: RosterResource, rows: RosterRow[], run: UpsertOptions): Promise<UpsertCounts> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const syncedAt = isoTimestamp("syncedAt", run.syncedAt);
    const batch = prepareRows(resource, rows);
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, restored: 0 };
    if (resource === "sections") Object.assign(counts, { enrollmentsRemoved: 0, enrollmentsRestored: 0, heldSections: [] });
    for (const chunk of transactionChunks(batch, this.maxRowsPerTransaction, rowWeight)) {
      const part = await this.upsertChunk(tenantId, resource, chunk, run, syncedAt);
      counts.inserted += part.inserted;
      counts.updated += part.updated;
      counts.unchanged += part.unchanged;
      counts.restored += part.restored;
      if (resource === "sections") {
        counts.enrollmentsRemoved! += part.enrollmentsRemoved ?? 0;
        counts.enrollmentsRestored! += part.enrollmentsRestored ?? 0;
        counts.heldSections!.push(...(part.heldSections ?? []));
      }
    }
    return counts;
  }

  /** One transaction: stage, classify, MERGE, then the enrollment changes of changed sections. */
  private upsertChunk(tenantId: string, resource: RosterResource, batch: PreparedRow[], run: UpsertOptions, syncedAt: string): Promise<UpsertCounts> {
    const runId = run.runId;
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, restored: 0 };
    if (resource === "sections") Object.assign(counts, { enrollmentsRemoved: 0, enrollmentsRestored: 0, heldSections: [] });
    return this.transaction("upsert", async (tx) => {
      await tx.request().batch(stageTableBatch(resource));
      for (const insert of stageInserts(resource, batch)) await MssqlRosterStore.exec(tx, insert);
      const merged = await MssqlRosterStore.exec(tx, { text: mergeBatch(resource), params: mergeParams(tenantId, runId, syncedAt) });
      const recordsets = merged.recordsets as unknown as Record<string, unknown>[][];
      for (const row of recordsets[0] ?? []) {
        const n = Number(row.n);
        if (row.outcome === "I") counts.inserted += n;
        else if (row.outcome === "U") counts.updated += n;
        else if (row.outcome === "R") {
          counts.updated += n;
          counts.restored += n;
        } else counts.unchanged += n;
      }
      if (resource === "sections") {
        const replaced = new Set((recordsets[1] ?? []).map((r) => String(r.clever_id)));
        const stored = new Map<string, { userId: string; role: string; deleted: boolean }[]>();
        for (const r of recordsets[2] ?? []) {
          const list = stored.get(String(r.section_id)) ?? [];
          list.push({ userId: String(r.user_id), role: String(r.role), deleted: Number(r.deleted) === 1 });
          stored.set(String(r.section_id), list);
        }
        const added: { sectionId: string; enrollments: { userId: string; role: "student" | "teacher" }[] }[] = [];
        const changes: Record<"remove" | "restore" | "hold", EnrollmentKey[]> = { remove: [], restore: [], hold: [] };
        for (const row of batch) {
          if (!replaced.has(row.cleverId) || !row.enrollments) continue;
          const diff = enrollmentDiff(stored.get(row.cleverId) ?? [], row.enrollments, run.sectionLossGuard);
          added.push({ sectionId: row.cleverId, enrollments: diff.added });
          changes.restore.push(...diff.restored.map((e) => ({ sectionId: row.cleverId, ...e })));
          if (diff.held) counts.heldSections!.push({ sectionId: row.cleverId, liveStudents: diff.liveStudents, removedStudents: diff.removedStudents });
          changes[diff.held ? "hold" : "remove"].push(...diff.removed.map((e) => ({ sectionId: row.cleverId, ...e })));
        }
        await MssqlRosterStore.exec(tx, clearSupersededHeldStatement(STAGE_TABLE, tenantId, run.runId));
        for (const insert of enrollmentInserts(tenantId, added)) await MssqlRosterStore.exec(tx, insert);
        for (const kind of ["remove", "restore", "hold"] as const) {
          for (const statement of enrollmentChangeStatements(kind, tenantId, run.runId, syncedAt, changes[kind])) {
            const affected = (await MssqlRosterStore.exec(tx, statement)).rowsAffected.reduce((a, b) => a + b, 0);
            if (kind === "remove") counts.enrollmentsRemoved! += affected;
            if (kind === "restore") counts.enrollmentsRestored! += affected;
          }
        }
      }
      if (resource === "users") await MssqlRosterStore.replaceUserLinks(tx, tenantId, batch, syncedAt);
      await tx.request().batch(DROP_STAGE_BATCH);
      return counts;
    });
  }

  /** Inside the upsert's transaction, with the stage table classified: diff and apply the links of inserted or updated users. */
  private static async replaceUserLinks(tx: sql.Transaction, tenantId: string, batch: PreparedRow[], at: string): Promise<void> {
    const read = await MssqlRosterStore.exec(tx, { text: storedLinksBatch(), params: [{ name: "tenantId", type: { kind: "nvarchar", length: 64 }, value: tenantId }] });
    const recordsets = read.recordsets as unknown as Record<string, unknown>[][];
    const replaced = new Set((recordsets[0] ?? []).map((r) => String(r.clever_id)));
    for (const [k, kind] of USER_LINK_KINDS.entries()) {
      const stored = new Map<string, (UserLink & { deleted: boolean })[]>();
      for (const r of recordsets[k + 1] ?? []) {
        const list = stored.get(String(r.owner_id)) ?? [];
        list.push({ key: String(r.link_key), attrs: kind.attrs.map((_, i) => (r[`attr${i}`] == null ? null : String(r[`attr${i}`]))), deleted: Number(r.deleted) === 1 });
        stored.set(String(r.owner_id), list);
      }
      const changes: Record<"remove" | "set" | "insert", LinkChange[]> = { remove: [], set: [], insert: [] };
      for (const row of batch) {
        const next = kind.of(row);
        if (!replaced.has(row.cleverId) || next === undefined) continue;
        const diff = userLinkDiff(stored.get(row.cleverId) ?? [], next);
        changes.remove.push(...diff.removed.map((key) => ({ ownerId: row.cleverId, key, attrs: [] })));
        changes.set.push(...diff.set.map((l) => ({ ownerId: row.cleverId, ...l })));
        changes.insert.push(...diff.added.map((l) => ({ ownerId: row.cleverId, ...l })));
      }
      for (const op of ["remove", "set", "insert"] as const) {
        for (const statement of linkChangeStatements(kind, op, tenantId, at, changes[op])) await MssqlRosterStore.exec(tx, statement);
      }
    }
  }

  async softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string, scope?: SweepScope): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    const limit = this.maxRowsPerTransaction;
    assertScope(resource, scope);
    const statement = softDeleteMissingStatement(resource, tenantId, runId, isoTimestamp("deletedAt", deletedAt), limit, scope?.schoolId);
    let total = 0;
    for (;;) {
      // Each capped step commits on its own; a rerun after a failure finds only the rows still live.
      const changed = await this.run("softDeleteMissing", async (pool) => (await MssqlRosterStore.exec(pool, statement)).rowsAffected.reduce((a, b) => a + b, 0));
      total += changed;
      if (changed < limit) return total;
    }
  }

  async softDelete(tenantId: string, resource: RosterResource, cleverIds: string[], run: { runId: string; deletedAt: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const deletedAt = isoTimestamp("deletedAt", run.deletedAt);
    const ids = prepareIds("cleverIds", cleverIds);
    let count = 0;
    for (const chunk of transactionChunks(ids, this.maxRowsPerTransaction)) {
      count += await this.transaction("softDelete", async (tx) => {
        let n = 0;
        for (const statement of softDeleteStatements(resource, tenantId, chunk, run.runId, deletedAt)) {
          n += (await MssqlRosterStore.exec(tx, statement)).rowsAffected.reduce((a, b) => a + b, 0);
        }
        return n;
      });
    }
    return count;
  }

  async markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], run: { runId: string; staleSince: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const at = isoTimestamp("staleSince", run.staleSince);
    const prepared = prepareStale(entries);
    let count = 0;
    for (const chunk of transactionChunks(prepared, this.maxRowsPerTransaction)) {
      count += await this.transaction("markStale", async (tx) => {
        let n = 0;
        for (const e of chunk) {
          const result = await MssqlRosterStore.exec(tx, markStaleStatement(resource, tenantId, e.cleverId, e.reason, run.runId, at));
          if ((result.rowsAffected[0] ?? 0) > 0) n++;
        }
        return n;
      });
    }
    return count;
  }

  async staleRows(tenantId: string, resource: RosterResource): Promise<StaleRow[]> {
    assertTenantId(tenantId);
    assertResource(resource);
    const result = await this.run("staleRows", (pool) => MssqlRosterStore.exec(pool, staleRowsQuery(resource, tenantId)));
    return result.recordset.map((r) => ({ resource, cleverId: String(r.clever_id), quarantineRunId: String(r.run_id), reason: String(r.reason), staleSince: decodeTimestamp(r.stale_since)! }));
  }

  async quarantine(tenantId: string, runId: string, entries: QuarantineEntry[]): Promise<void> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const prepared = prepareQuarantine(entries);
    for (const chunk of transactionChunks(prepared, this.maxRowsPerTransaction)) {
      await this.transaction("quarantine", async (tx) => {
        for (const statement of quarantineInserts(tenantId, runId, chunk)) await MssqlRosterStore.exec(tx, statement);
      });
    }
  }

  async startRun(run: RunSummary): Promise<void> {
    const statement = startRunStatement(prepareRun(run));
    await this.run("startRun", async (pool) => {
      try {
        await MssqlRosterStore.exec(pool, statement);
      } catch (error) {
        // Two concurrent starts of the same run: the loser's duplicate key means "already started".
        const number = errorNumber(error);
        if (number !== 2627 && number !== 2601) throw error;
      }
    });
  }

  async finishRun(tenantId: string, runId: string, result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error">): Promise<void> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const statement = finishRunStatement(tenantId, runId, prepareRunResult(result));
    const affected = await this.run("finishRun", async (pool) => (await MssqlRosterStore.exec(pool, statement)).rowsAffected.reduce((a, b) => a + b, 0));
    if (affected === 0) throw new RunNotFoundError(tenantId, runId);
  }

  // ---- reads -------------------------------------------------------------------------------

  async listRuns(tenantId: string, limit: number): Promise<RunSummary[]> {
    assertTenantId(tenantId);
    const statement = listRunsQuery(tenantId, clampLimit(limit, MAX_LIST));
    const result = await this.run("listRuns", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => ({
      runId: String(r.run_id),
      tenantId: String(r.tenant_id),
      mode: r.mode as RunSummary["mode"],
      status: r.status as RunSummary["status"],
      startedAt: decodeTimestamp(r.started_at)!,
      finishedAt: decodeTimestamp(r.finished_at),
      counts: r.counts_json == null ? null : (JSON.parse(String(r.counts_json)) as Record<string, unknown>),
      error: (r.error as string | null) ?? null,
      instanceId: (r.instance_id as string | null) ?? null,
    }));
  }

  async quarantined(tenantId: string, options: { runId?: string; limit?: number } = {}): Promise<QuarantinedRecord[]> {
    assertTenantId(tenantId);
    if (options.runId !== undefined) assertRunId(options.runId);
    const statement = quarantinedQuery(tenantId, options.runId, clampLimit(options.limit ?? MAX_LIST, MAX_LIST));
    const result = await this.run("quarantined", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => ({
      resource: r.resource as RosterResource,
      cleverId: (r.clever_id as string | null) ?? null,
      reason: String(r.reason),
      raw: String(r.raw_json),
      runId: String(r.run_id),
      quarantinedAt: decodeTimestamp(r.quarantined_at)!,
    }));
  }

  async *rows(tenantId: string, resource: RosterResource, options: { includeDeleted?: boolean } = {}): AsyncGenerator<StoredRosterRow, void, undefined> {
    assertTenantId(tenantId);
    assertResource(resource);
    const columns = ROSTER_COLUMNS[resource];
    let after = "";
    for (;;) {
      const statement = rowsPageQuery(resource, tenantId, after, this.readBatchSize, options.includeDeleted === true);
      const batch = (await this.run("rows", (pool) => MssqlRosterStore.exec(pool, statement))).recordset;
      for (const r of batch) {
        const typed: Record<string, unknown> = {};
        for (const c of columns) typed[c.name] = decodeColumn(c, r[c.name]);
        yield { cleverId: String(r.clever_id), raw: String(r.raw_json), deletedAt: decodeTimestamp(r.deleted_at), runId: String(r.run_id), columns: typed };
      }
      if (batch.length < this.readBatchSize) return;
      after = String(batch[batch.length - 1]!.clever_id);
    }
  }

  async enrollments(tenantId: string, sectionId: string): Promise<{ userId: string; role: string }[]> {
    assertTenantId(tenantId);
    assertCleverId("sectionId", sectionId);
    const statement = enrollmentsQuery(tenantId, sectionId);
    const result = await this.run("enrollments", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => ({ userId: String(r.user_id), role: String(r.role) }));
  }

  async userSchools(tenantId: string, userId: string, options: { includeDeleted?: boolean } = {}): Promise<{ schoolId: string; deletedAt: string | null }[]> {
    assertTenantId(tenantId);
    assertCleverId("userId", userId);
    const statement = userLinksQuery(USER_LINK_KINDS.find((k) => k.name === "schools")!, tenantId, userId, options.includeDeleted === true);
    const result = await this.run("userSchools", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => ({ schoolId: String(r.school_id), deletedAt: decodeTimestamp(r.deleted_at) }));
  }

  async contactRelationships(tenantId: string, contactId: string, options: { includeDeleted?: boolean } = {}): Promise<(ContactRelationship & { deletedAt: string | null })[]> {
    assertTenantId(tenantId);
    assertCleverId("contactId", contactId);
    const statement = userLinksQuery(USER_LINK_KINDS.find((k) => k.name === "contacts")!, tenantId, contactId, options.includeDeleted === true);
    const result = await this.run("contactRelationships", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => ({
      studentId: String(r.student_id),
      relationship: r.relationship == null ? null : String(r.relationship),
      type: r.type == null ? null : String(r.type),
      deletedAt: decodeTimestamp(r.deleted_at),
    }));
  }

  async quarantineCount(tenantId: string): Promise<number> {
    assertTenantId(tenantId);
    const statement = quarantineCountQuery(tenantId);
    const result = await this.run("quarantineCount", (pool) => MssqlRosterStore.exec(pool, statement));
    return Number(result.recordset[0]?.n ?? 0);
  }

  async counts(tenantId: string): Promise<Record<RosterResource, { live: number; deleted: number }>> {
    assertTenantId(tenantId);
    const statement = countsQuery(tenantId);
    const result = await this.run("counts", (pool) => MssqlRosterStore.exec(pool, statement));
    return Object.fromEntries(result.recordset.map((r) => [String(r.resource), { live: Number(r.live), deleted: Number(r.total) - Number(r.live) }])) as Record<
      RosterResource,
      { live: number; deleted: number }
    >;
  }

  // ---- run lease, sync state, held runs, audit -------------------------------------------------

  async missing(tenantId: string, resource: RosterResource, runId: string, sampleSize: number, scope?: SweepScope): Promise<{ missing: number; live: number; sample: string[] }> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    assertScope(resource, scope);
    const statement = missingQuery(resource, tenantId, runId, clampLimit(sampleSize, MAX_LIST), scope?.schoolId);
    const result = await this.run("missing", (pool) => MssqlRosterStore.exec(pool, statement));
    const sets = result.recordsets as unknown as Record<string, unknown>[][];
    return { missing: Number(sets[0]?.[0]?.missing ?? 0), live: Number(sets[1]?.[0]?.live ?? 0), sample: (sets[2] ?? []).map((r) => String(r.clever_id)) };
  }

  async acquireLease(tenantId: string, request: { runId: string; instanceId: string | null; now: string; ttlMs: number }): Promise<LeaseResult> {
    assertTenantId(tenantId);
    assertRunId(request?.runId);
    const now = isoTimestamp("now", request.now);
    const statement = acquireLeaseStatement(tenantId, request.runId, request.instanceId ?? null, now, leaseExpiry(now, request.ttlMs));
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await this.transaction("acquireLease", async (tx) => (await MssqlRosterStore.exec(tx, statement)).recordset[0]);
        const lease = leaseFromRow(row as Record<string, unknown>);
        return lease.runId === request.runId ? { acquired: true, lease } : { acquired: false, holder: lease };
      } catch (error) {
        // A deadlock victim (1205) or a lost insert race (2627) just means another starter got there first: read again.
        const number = (error as { dbCode?: unknown }).dbCode;
        if (attempt >= 3 || (number !== 1205 && number !== 2627)) throw error;
      }
    }
  }

  async renewLease(tenantId: string, runId: string, now: string, ttlMs: number): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const statement = renewLeaseStatement(tenantId, runId, leaseExpiry(now, ttlMs));
    return (await this.run("renewLease", (pool) => MssqlRosterStore.exec(pool, statement))).rowsAffected.reduce((a, b) => a + b, 0) === 1;
  }

  async releaseLease(tenantId: string, runId: string): Promise<boolean> {
    assertTenantId(tenantId);
    assertRunId(runId);
    const statement = releaseLeaseStatement(tenantId, runId);
    return (await this.run("releaseLease", (pool) => MssqlRosterStore.exec(pool, statement))).rowsAffected.reduce((a, b) => a + b, 0) === 1;
  }

  async currentLease(tenantId: string): Promise<SyncLease | undefined> {
    assertTenantId(tenantId);
    const statement = currentLeaseQuery(tenantId);
    const row = (await this.run("currentLease", (pool) => MssqlRosterStore.exec(pool, statement))).recordset[0];
    return row ? leaseFromRow(row) : undefined;
  }

  async syncState(tenantId: string): Promise<SyncState | undefined> {
    assertTenantId(tenantId);
    const statement = syncStateQuery(tenantId);
    const row = (await this.run("syncState", (pool) => MssqlRosterStore.exec(pool, statement))).recordset[0];
    return row ? stateFromRow(row) : undefined;
  }

  async saveSyncState(tenantId: string, change: Partial<Pick<SyncState, "eventsCursor" | "lastFullSyncAt" | "lastFullRunId">>, at: string): Promise<void> {
    assertTenantId(tenantId);
    const statement = saveSyncStateStatement(tenantId, preparedState(change, at));
    await this.transaction("saveSyncState", (tx) => MssqlRosterStore.exec(tx, statement));
  }

  async holdRun(held: Omit<HeldRun, "status" | "decidedAt" | "decidedBy">): Promise<void> {
    const statement = holdRunStatement(prepareHeld(held));
    await this.transaction("holdRun", (tx) => MssqlRosterStore.exec(tx, statement));
  }

  async heldRuns(tenantId: string, options: { status?: HeldStatus; limit?: number } = {}): Promise<HeldRun[]> {
    assertTenantId(tenantId);
    const statement = heldRunsQuery(tenantId, options.status, clampLimit(options.limit ?? 100, MAX_LIST));
    const result = await this.run("heldRuns", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => heldRunFromRow(r, decodeTimestamp));
  }

  async decideHeld(
    tenantId: string,
    runId: string,
    decision: { status: "approved" | "rejected"; decidedAt: string; decidedBy: string; details?: Record<string, unknown> },
  ): Promise<{ deleted: Partial<Record<RosterResource, number>>; enrollmentsDeleted: number } | undefined> {
    const { status, at, decidedBy, action } = prepareDecision(tenantId, runId, decision);
    return this.transaction("decideHeld", async (tx) => {
      const marked = (await MssqlRosterStore.exec(tx, decideHeldStatement(tenantId, runId, status, at, decidedBy))).recordset[0];
      if (!marked) return undefined;
      const deleted: Partial<Record<RosterResource, number>> = {};
      let enrollmentsDeleted = 0;
      if (decision.status === "approved") {
        const held = JSON.parse(String(marked.resources_json)) as HeldRun["resources"];
        for (const resource of ROSTER_RESOURCES) {
          if (!held[resource]?.wouldDelete) continue;
          // One transaction with the decision and its audit entry (all or nothing), in capped steps.
          let count = 0;
          for (;;) {
            // A school sync's held deletions stay within that school.
            const school = held[resource]?.school;
            if (school !== undefined) assertScope(resource, { schoolId: school });
            const changed = (await MssqlRosterStore.exec(tx, softDeleteMissingStatement(resource, tenantId, runId, at, this.maxRowsPerTransaction, school))).rowsAffected.reduce((a, b) => a + b, 0);
            count += changed;
            if (changed < this.maxRowsPerTransaction) break;
          }
          deleted[resource] = count;
        }
        enrollmentsDeleted = (await MssqlRosterStore.exec(tx, applyHeldEnrollmentsStatement(tenantId, runId, at))).rowsAffected.reduce((a, b) => a + b, 0);
      }
      await MssqlRosterStore.exec(tx, dropHeldEnrollmentsStatement(tenantId, runId));
      const result = { deleted, enrollmentsDeleted };
      await MssqlRosterStore.exec(tx, appendAuditStatement(prepareAudit({ tenantId, at, actor: decision.decidedBy, action, target: runId, details: { ...decision.details, ...result } })));
      return result;
    });
  }

  async viewRows(tenantId: string, view: RosterView, limit: number): Promise<Record<string, string | number | null>[]> {
    assertTenantId(tenantId);
    if (!(ROSTER_VIEWS as readonly string[]).includes(view)) throw new StoreInputError("view", `must be one of ${ROSTER_VIEWS.join(", ")}`);
    const statement = viewRowsQuery(view, tenantId, clampLimit(limit, MAX_LIST));
    const result = await this.run("viewRows", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? null : typeof v === "number" ? v : String(v)])));
  }

  async purgeQuarantine(tenantId: string, before: string): Promise<number> {
    assertTenantId(tenantId);
    const statement = purgeQuarantineStatement(tenantId, isoTimestamp("before", before));
    return (await this.run("purgeQuarantine", (pool) => MssqlRosterStore.exec(pool, statement))).rowsAffected.reduce((a, b) => a + b, 0);
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    const statement = appendAuditStatement(prepareAudit(entry));
    await this.run("appendAudit", (pool) => MssqlRosterStore.exec(pool, statement));
  }

  async audit(tenantId: string | undefined, limit: number): Promise<AuditEntry[]> {
    if (tenantId !== undefined) assertTenantId(tenantId);
    const statement = auditQuery(tenantId, clampLimit(limit, MAX_LIST));
    const result = await this.run("audit", (pool) => MssqlRosterStore.exec(pool, statement));
    return result.recordset.map((r) => auditFromRow(r, decodeTimestamp));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.poolPromise;
    this.poolPromise = undefined;
    const pool = await pending?.catch(() => undefined);
    await pool?.close().catch(() => undefined);
  }
}
