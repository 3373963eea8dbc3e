/**
 * The roster store's public types: what the sync writes (RosterRow), what runs record, and the
 * RosterStore interface both SQL dialects implement. No SQL and no driver imports here, so
 * lib/sync can depend on these types without loading a database driver.
 */

export type RosterResource = "districts" | "schools" | "terms" | "courses" | "sections" | "users";

/** Every roster resource, in an order where references point backwards (districts first, sections last). */
export const ROSTER_RESOURCES: readonly RosterResource[] = ["districts", "schools", "terms", "courses", "users", "sections"];

export type EnrollmentRole = "student" | "teacher";

export interface Enrollment {
  userId: string;
  role: EnrollmentRole;
}

/** A typed column value; booleans are stored as BIT (SQL Server) or 0/1 (SQLite) and read back as booleans. */
export type ColumnValue = string | number | boolean | null;

/** One Clever record, validated and flattened by lib/sync/mapping. */
export interface RosterRow {
  cleverId: string;
  /** Typed columns of the resource's table (see schema.ts); missing ones are stored as NULL. */
  columns: Record<string, ColumnValue>;
  /** JSON of the whole record as Clever sent it; "unchanged" means byte-identical raw JSON. */
  raw: string;
  lastModified: string | null;
  /** Sections only: the section's enrollments. Undefined leaves stored enrollments alone. */
  enrollments?: Enrollment[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface RunSummary {
  runId: string;
  tenantId: string;
  mode: "full" | "incremental";
  status: "running" | "completed" | "failed";
  startedAt: string;
  finishedAt?: string | null;
  counts?: Record<string, unknown> | null;
  error?: string | null;
  instanceId?: string | null;
}

export interface QuarantineEntry {
  resource: RosterResource;
  cleverId: string | null;
  reason: string;
  raw: string;
}

/** A quarantined record as read back. */
export interface QuarantinedRecord extends QuarantineEntry {
  runId: string;
  quarantinedAt: string;
}

/** A live row kept while Clever sends an invalid version of it (the invalid one is quarantined). */
export interface StaleRow {
  resource: RosterResource;
  cleverId: string;
  /** The run whose quarantine entry (same tenant, run and clever id) holds what Clever sent. */
  quarantineRunId: string;
  reason: string;
  staleSince: string;
}

/** A stored roster row as rows() yields it. */
export interface StoredRosterRow {
  cleverId: string;
  raw: string;
  deletedAt: string | null;
  runId: string;
  columns: Record<string, unknown>;
}

export interface RosterStore {
  readonly dialect: "sqlite" | "mssql";
  /** Versioned, idempotent, recorded in a schema_migrations table. Call once before anything else. */
  migrate(): Promise<void>;
  /**
   * One transaction per call; idempotent; sets run_id/synced_at on every touched row and clears
   * deleted_at (a record that reappears is undeleted and counts as updated); "unchanged" = same raw
   * JSON on a live row (still stamps run_id so the deletion sweep keeps it); for sections also
   * replaces the enrollments of every inserted or updated section. Rows repeating a cleverId within
   * one call collapse to the last one.
   */
  upsert(tenantId: string, resource: RosterResource, rows: RosterRow[], run: { runId: string; syncedAt: string }): Promise<UpsertCounts>;
  /** Rows of this tenant+resource whose run_id <> runId and deleted_at IS NULL get deleted_at; returns the count. */
  softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string): Promise<number>;
  /** For *.deleted events: marks live rows deleted (and stamps run_id); returns how many were live. */
  softDelete(tenantId: string, resource: RosterResource, cleverIds: string[], run: { runId: string; deletedAt: string }): Promise<number>;
  /**
   * A record Clever still returns but that failed validation this run: its last good row stays
   * live (run_id is stamped, so the end-of-resource sweep keeps it) and is flagged stale with a
   * pointer to the run's quarantine entry. Only live rows are touched; returns how many.
   */
  markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], run: { runId: string; staleSince: string }): Promise<number>;
  /** Rows currently stale (flagged by the run that last stamped the row), by clever id. */
  staleRows(tenantId: string, resource: RosterResource): Promise<StaleRow[]>;
  /** Idempotent per run: the same entry quarantined twice in one run is stored once. */
  quarantine(tenantId: string, runId: string, entries: QuarantineEntry[]): Promise<void>;
  /** Records a run; starting a run that already exists is a no-op (durable retries). */
  startRun(run: RunSummary): Promise<void>;
  /** Throws RunNotFoundError when the run was never started. */
  finishRun(tenantId: string, runId: string, result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error">): Promise<void>;
  /** Newest first (by startedAt, then runId). */
  listRuns(tenantId: string, limit: number): Promise<RunSummary[]>;
  /**
   * For tests/ground-truth comparison and the CLI: stream live (deleted_at IS NULL) or all rows of a
   * resource for a tenant ordered by clever_id, never loading a whole table into memory (keyset batches).
   */
  rows(
    tenantId: string,
    resource: RosterResource,
    options?: { includeDeleted?: boolean },
  ): AsyncIterable<{ cleverId: string; raw: string; deletedAt: string | null; runId: string; columns: Record<string, unknown> }>;
  /** A section's enrollments ordered by role, then userId. */
  enrollments(tenantId: string, sectionId: string): Promise<{ userId: string; role: string }[]>;
  counts(tenantId: string): Promise<Record<RosterResource, { live: number; deleted: number }>>;
  /** Quarantined records of a tenant (optionally one run), newest first. */
  quarantined(tenantId: string, options?: { runId?: string; limit?: number }): Promise<QuarantinedRecord[]>;
  /** Applied migration versions, ascending. */
  migrationVersions(): Promise<number[]>;
  /** Idempotent. */
  close(): Promise<void>;
}
