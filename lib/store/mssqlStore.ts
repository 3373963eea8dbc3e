/**
 * RosterStore on SQL Server / Azure SQL (mssql + tedious).
 *
 * Upserts stage a batch into a session temp table with multi-row INSERT ... VALUES (chunked under
 * the 2100-parameter limit), then classify, stamp and MERGE in one transaction (mssqlStatements.ts).
 * The pool connects lazily, so building a store never touches the network; connection failures
 * surface as StoreUnavailableError with the connection string and password scrubbed out.
 */
import sql from "mssql";
import { RunNotFoundError, StoreError, StoreNotReadyError, StoreQueryError, StoreSchemaError, StoreUnavailableError, sanitizeCause, scrubSecrets } from "./errors";
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
  enrollmentsQuery,
  DROP_STAGE_BATCH,
  type Param,
  type ParamType,
  type Statement,
  markStaleStatement,
  staleRowsQuery,
} from "./mssqlStatements";
import {
  assertCleverId,
  assertResource,
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
} from "./normalize";
import { ROSTER_COLUMNS } from "./schema";
import type { QuarantineEntry, QuarantinedRecord, RosterResource, RosterRow, RosterStore, RunSummary, StaleRow, StoredRosterRow, UpsertCounts } from "./types";

/** Password or integrated auth, all in one connection string (a secret: never logged, never in errors). */
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
  /** Pool size. Default 10. */
  poolMax?: number;
};

const MAX_LIST = 1000;
const MIGRATION_LOCK = "cleversync:schema_migrations";
const CONNECTION_CODES = new Set(["ELOGIN", "ETIMEOUT", "ESOCKET", "ECONNCLOSED", "EINSTLOOKUP", "ENOTOPEN", "ECONNRESET", "ECONNREFUSED"]);
/** Deadlock, plus Azure SQL's documented transient errors (failover, throttling, resource limits). */
const TRANSIENT_NUMBERS = new Set([1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40540, 40613, 49918, 49919, 49920]);

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

/** Server and database name for messages: not secret, and what an operator needs to know. */
function describeTarget(options: MssqlRosterStoreOptions): string {
  return "server" in options && typeof options.server === "string" ? `${options.server}/${options.database}` : "the configured server";
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
  private poolPromise?: Promise<sql.ConnectionPool>;
  private migrated = false;
  private closed = false;

  constructor(options: MssqlRosterStoreOptions) {
    this.options = options;
    this.secrets = secretsOf(options);
    this.readBatchSize = Math.max(1, Math.floor(options.readBatchSize ?? 500));
  }

  // ---- connection --------------------------------------------------------------------------

  private config(): sql.config | string {
    const common = { requestTimeout: this.options.requestTimeoutMs ?? 120_000, pool: { max: this.options.poolMax ?? 10, min: 0 } };
    if ("connectionString" in this.options) return this.options.connectionString;
    const { server, database, port, authentication } = this.options;
    return {
      server,
      database,
      port,
      authentication: { type: "azure-active-directory-default", options: { clientId: authentication?.clientId } },
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
      ...common,
    };
  }

  private pool(): Promise<sql.ConnectionPool> {
    if (this.closed) return Promise.reject(new StoreNotReadyError("the store is closed"));
    this.poolPromise ??= this.connect().catch((error: unknown) => {
      this.poolPromise = undefined; // the next call tries again
      throw error;
    });
    return this.poolPromise;
  }

  private async connect(): Promise<sql.ConnectionPool> {
    let pool: sql.ConnectionPool;
    let target = describeTarget(this.options);
    try {
      const config = this.config();
      if (typeof config === "string") {
        // Parse once to apply our timeouts on top of whatever the string sets.
        const parsed = sql.ConnectionPool.parseConnectionString(config);
        target = `${parsed.server}/${parsed.database ?? "(default database)"}`;
        pool = new sql.ConnectionPool({
          ...parsed,
          // Times are written and read as UTC whatever the string says; DATETIME2 columns hold UTC.
          options: { ...parsed.options, useUTC: true },
          requestTimeout: this.options.requestTimeoutMs ?? parsed.requestTimeout ?? 120_000,
          pool: { ...parsed.pool, max: this.options.poolMax ?? 10, min: 0 },
        });
      } else {
        pool = new sql.ConnectionPool(config);
      }
    } catch {
      // The parser's message may quote the string: report nothing of it.
      throw new StoreUnavailableError("mssql", "invalid SQL Server connection settings (details withheld: connection strings hold secrets). Fix: check the connection string's keys and quoting.", undefined, false);
    }
    // Idle-connection errors are emitted on the pool; without a listener they would crash the process.
    pool.on("error", () => undefined);
    try {
      await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      const cause = sanitizeCause(error, this.secrets);
      const login = (error as { code?: unknown }).code === "ELOGIN";
      throw new StoreUnavailableError("mssql", `cannot connect to SQL Server (${scrubSecrets(target, this.secrets)}): ${cause.message}`, cause, !login);
    }
    return pool;
  }

  /** Turns driver errors into typed store errors without secrets. */
  private wrap(operation: string, error: unknown): Error {
    if (error instanceof StoreError) return error;
    const cause = sanitizeCause(error, this.secrets);
    const original = (error as { originalError?: unknown }).originalError;
    const code = (error as { code?: unknown }).code;
    const number = (error as { number?: unknown }).number ?? (original as { number?: unknown } | undefined)?.number;
    if (typeof code === "string" && CONNECTION_CODES.has(code) && code !== "ETIMEOUT") {
      return new StoreUnavailableError("mssql", `SQL Server ${operation} failed: lost the connection (${cause.message})`, cause, true);
    }
    const transient = code === "ETIMEOUT" || (typeof number === "number" && TRANSIENT_NUMBERS.has(number));
    return new StoreQueryError("mssql", operation, `SQL Server ${operation} failed: ${cause.message}`, cause, typeof number === "number" ? number : typeof code === "string" ? code : undefined, transient);
  }

  private async run<T>(operation: string, step: (pool: sql.ConnectionPool) => Promise<T>): Promise<T> {
    if (!this.migrated) throw new StoreNotReadyError("call migrate() before using the store");
    const pool = await this.pool();
    try {
      return await step(pool);
    } catch (error) {
      throw this.wrap(operation, error);
    }
  }

  /** One transaction on one connection (temp tables live on the connection). */
  private async transaction<T>(operation: string, step: (tx: sql.Transaction) => Promise<T>, requireMigrated = true): Promise<T> {
    if (requireMigrated && !this.migrated) throw new StoreNotReadyError("call migrate() before using the store");
    const pool = await this.pool();
    const tx = new sql.Transaction(pool);
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
        const applied = new Set((await tx.request().batch("SELECT [version] FROM dbo.schema_migrations;")).recordset.map((r: { version: number }) => r.version));
        const newest = Math.max(0, ...applied);
        if (newest > MSSQL_MIGRATIONS.length) {
          throw new StoreSchemaError(`the database is at schema version ${newest}, newer than this code knows (${MSSQL_MIGRATIONS.length}). Fix: upgrade the application.`);
        }
        for (const migration of MSSQL_MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.statements) await tx.request().batch(statement);
          await MssqlRosterStore.exec(tx, {
            text: "INSERT INTO dbo.schema_migrations ([version], [name], [applied_at]) VALUES (@version, @name, SYSUTCDATETIME());",
            params: [
              { name: "version", type: { kind: "int" }, value: migration.version },
              { name: "name", type: { kind: "nvarchar", length: 200 }, value: migration.name },
            ],
          });
        }
      },
      false,
    );
    this.migrated = true;
  }

  async migrationVersions(): Promise<number[]> {
    return this.run("migrationVersions", async (pool) => (await pool.request().query("SELECT [version] FROM dbo.schema_migrations ORDER BY [version];")).recordset.map((r: { version: number }) => r.version));
  }

  // ---- writes ------------------------------------------------------------------------------

  async upsert(tenantId: string, resource: RosterResource, rows: RosterRow[], run: { runId: string; syncedAt: string }): Promise<UpsertCounts> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const syncedAt = isoTimestamp("syncedAt", run.syncedAt);
    const batch = prepareRows(resource, rows);
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    if (batch.length === 0) return counts;
    return this.transaction("upsert", async (tx) => {
      await tx.request().batch(stageTableBatch(resource));
      for (const insert of stageInserts(resource, batch)) await MssqlRosterStore.exec(tx, insert);
      const merged = await MssqlRosterStore.exec(tx, { text: mergeBatch(resource), params: mergeParams(tenantId, run.runId, syncedAt) });
      const recordsets = merged.recordsets as unknown as Record<string, unknown>[][];
      for (const row of recordsets[0] ?? []) {
        const n = Number(row.n);
        if (row.outcome === "I") counts.inserted += n;
        else if (row.outcome === "U") counts.updated += n;
        else counts.unchanged += n;
      }
      if (resource === "sections") {
        const replaced = new Set((recordsets[1] ?? []).map((r) => String(r.clever_id)));
        const sections = batch.filter((row) => replaced.has(row.cleverId) && row.enrollments).map((row) => ({ sectionId: row.cleverId, enrollments: row.enrollments! }));
        for (const insert of enrollmentInserts(tenantId, sections)) await MssqlRosterStore.exec(tx, insert);
      }
      await tx.request().batch(DROP_STAGE_BATCH);
      return counts;
    });
  }

  async softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(runId);
    const statement = softDeleteMissingStatement(resource, tenantId, runId, isoTimestamp("deletedAt", deletedAt));
    return this.run("softDeleteMissing", async (pool) => (await MssqlRosterStore.exec(pool, statement)).rowsAffected.reduce((a, b) => a + b, 0));
  }

  async softDelete(tenantId: string, resource: RosterResource, cleverIds: string[], run: { runId: string; deletedAt: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const deletedAt = isoTimestamp("deletedAt", run.deletedAt);
    const ids = prepareIds("cleverIds", cleverIds);
    if (ids.length === 0) return 0;
    return this.transaction("softDelete", async (tx) => {
      let count = 0;
      for (const statement of softDeleteStatements(resource, tenantId, ids, run.runId, deletedAt)) {
        count += (await MssqlRosterStore.exec(tx, statement)).rowsAffected.reduce((a, b) => a + b, 0);
      }
      return count;
    });
  }

  async markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], run: { runId: string; staleSince: string }): Promise<number> {
    assertTenantId(tenantId);
    assertResource(resource);
    assertRunId(run?.runId);
    const at = isoTimestamp("staleSince", run.staleSince);
    const prepared = prepareStale(entries);
    if (prepared.length === 0) return 0;
    return this.transaction("markStale", async (tx) => {
      let count = 0;
      for (const e of prepared) {
        const result = await MssqlRosterStore.exec(tx, markStaleStatement(resource, tenantId, e.cleverId, e.reason, run.runId, at));
        if ((result.rowsAffected[0] ?? 0) > 0) count++;
      }
      return count;
    });
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
    if (prepared.length === 0) return;
    await this.transaction("quarantine", async (tx) => {
      for (const statement of quarantineInserts(tenantId, runId, prepared)) await MssqlRosterStore.exec(tx, statement);
    });
  }

  async startRun(run: RunSummary): Promise<void> {
    const statement = startRunStatement(prepareRun(run));
    await this.run("startRun", async (pool) => {
      try {
        await MssqlRosterStore.exec(pool, statement);
      } catch (error) {
        // Two concurrent starts of the same run: the loser's duplicate key means "already started".
        const number = (error as { number?: unknown }).number ?? (error as { originalError?: { number?: unknown } }).originalError?.number;
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

  async counts(tenantId: string): Promise<Record<RosterResource, { live: number; deleted: number }>> {
    assertTenantId(tenantId);
    const statement = countsQuery(tenantId);
    const result = await this.run("counts", (pool) => MssqlRosterStore.exec(pool, statement));
    return Object.fromEntries(result.recordset.map((r) => [String(r.resource), { live: Number(r.live), deleted: Number(r.total) - Number(r.live) }])) as Record<
      RosterResource,
      { live: number; deleted: number }
    >;
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
