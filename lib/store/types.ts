/**
 * The roster store's public types: what the sync writes (RosterRow), what runs record, and the
 * RosterStore interface both SQL dialects implement. No SQL and no driver imports here, so
 * lib/sync can depend on these types without loading a database driver.
 */

import type { RosterView } from "./views";

export type RosterResource = "districts" | "schools" | "terms" | "courses" | "sections" | "users";

/** Every roster resource, in an order where references point backwards (districts first, sections last). */
export const ROSTER_RESOURCES: readonly RosterResource[] = ["districts", "schools", "terms", "courses", "users", "sections"];

export type EnrollmentRole = "student" | "teacher";

export interface Enrollment {
  userId: string;
  role: EnrollmentRole;
}

/** One of a contact's students (Clever v3.0 StudentRelationship: student, relationship, type). */
export interface ContactRelationship {
  studentId: string;
  relationship: string | null;
  type: string | null;
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
  /** Users only: every school the user belongs to. Undefined leaves stored memberships alone. */
  schools?: string[];
  /** Users only: a contact's students. Undefined leaves stored relationships alone. */
  contacts?: ContactRelationship[];
}

export interface UpsertCounts {
  inserted: number;
  /** Includes restored rows (a soft-deleted record that came back). */
  updated: number;
  unchanged: number;
  /** Soft-deleted rows that reappeared and were undeleted (also counted in `updated`). */
  restored: number;
  /** Sections only: enrollments soft-deleted because the section no longer lists them. */
  enrollmentsRemoved?: number;
  /** Sections only: enrollments undeleted because the section lists them again. */
  enrollmentsRestored?: number;
  /** Sections only: sections whose enrollment removals were held by the guard (see UpsertOptions). */
  heldSections?: { sectionId: string; liveStudents: number; removedStudents: number }[];
}

/** The section rule of the deletion guard: a section losing more than `maxLossShare` of at least `minStudents` live students. */
export interface SectionLossGuard {
  minStudents: number;
  maxLossShare: number;
}

/** Options of one upsert call. */
export interface UpsertOptions {
  runId: string;
  syncedAt: string;
  /** Sections only: hold (do not apply) enrollment removals of sections over this rule; they are recorded in held_enrollments. */
  sectionLossGuard?: SectionLossGuard;
}

/** The per-tenant run lease: one sync writes a tenant's rows at a time. */
export interface SyncLease {
  tenantId: string;
  runId: string;
  instanceId: string | null;
  acquiredAt: string;
  expiresAt: string;
}

export type LeaseResult = { acquired: true; lease: SyncLease } | { acquired: false; holder: SyncLease };

/** Where a tenant's sync stands, kept in the same database as its rows. */
export interface SyncState {
  tenantId: string;
  /** Clever events id after which the next incremental sync continues (or "from-first-event"). */
  eventsCursor: string | null;
  lastFullSyncAt: string | null;
  lastFullRunId: string | null;
  updatedAt: string;
}

export type HeldStatus = "held" | "approved" | "rejected";

/** What a held run would have deleted, per resource (counts at hold time). */
/**
 * Limits a sweep to one school's rows (a school sync): rows whose school_id is that school. Only
 * resources with a school_id column (SCHOOL_SCOPED_RESOURCES) accept it.
 */
export interface SweepScope {
  schoolId: string;
}

/** Resources whose rows carry the school they belong to (school_id), so a school sync can sweep them. */
export const SCHOOL_SCOPED_RESOURCES: readonly RosterResource[] = ["sections", "users"];

export interface HeldResource {
  /** Set when the run was a school sync: approving deletes only that school's rows. */
  school?: string;
  /** Live rows before the run. */
  live: number;
  /** Rows the run did not see: the deletions held. */
  wouldDelete: number;
  updated: number;
  /** Sections only: enrollment removals held. */
  enrollmentsHeld?: number;
}

export interface HeldRun {
  tenantId: string;
  runId: string;
  heldAt: string;
  status: HeldStatus;
  reasons: string[];
  resources: Partial<Record<RosterResource, HeldResource>>;
  decidedAt: string | null;
  decidedBy: string | null;
}

export interface AuditEntry {
  id: number;
  tenantId: string;
  at: string;
  /** Who: the function key name or principal that made the request, or "cli:<user>". */
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown> | null;
}

export type AuditInput = Omit<AuditEntry, "id">;

export interface RunSummary {
  runId: string;
  tenantId: string;
  mode: "full" | "incremental";
  status: "running" | "completed" | "failed" | "held";
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
  upsert(tenantId: string, resource: RosterResource, rows: RosterRow[], run: UpsertOptions): Promise<UpsertCounts>;
  /**
   * Live rows of this tenant+resource stamped by an OLDER run (run_id < runId: run ids sort by start
   * time) get deleted_at; returns the count. Rows a later run stamped are never touched, so a run
   * that lost its lease to a newer one cannot delete what the newer one saw.
   */
  softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, deletedAt: string, scope?: SweepScope): Promise<number>;
  /** What softDeleteMissing would delete (count and a sample of ids, smallest first) and how many rows are live (both within `scope`). */
  missing(tenantId: string, resource: RosterResource, runId: string, sampleSize: number, scope?: SweepScope): Promise<{ missing: number; live: number; sample: string[] }>;
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
  /**
   * A user's school memberships ordered by schoolId; live only unless includeDeleted. Like
   * enrollments they are replaced when the user is inserted or updated (soft-deleted when gone,
   * restored when back) and say nothing about whether the user itself is live.
   */
  userSchools(tenantId: string, userId: string, options?: { includeDeleted?: boolean }): Promise<{ schoolId: string; deletedAt: string | null }[]>;
  /** A contact's student relationships ordered by studentId; live only unless includeDeleted. */
  contactRelationships(tenantId: string, contactId: string, options?: { includeDeleted?: boolean }): Promise<(ContactRelationship & { deletedAt: string | null })[]>;
  /** A section's enrollments ordered by role, then userId. */
  enrollments(tenantId: string, sectionId: string): Promise<{ userId: string; role: string }[]>;
  counts(tenantId: string): Promise<Record<RosterResource, { live: number; deleted: number }>>;
  /** Rows of a query view (docs/querying.md) for one tenant, in the view's key order. */
  viewRows(tenantId: string, view: RosterView, limit: number): Promise<Record<string, string | number | null>[]>;
  /** Deletes the tenant's quarantined records older than `before` (retention); returns how many. */
  purgeQuarantine(tenantId: string, before: string): Promise<number>;
  /** Quarantined records of a tenant (optionally one run), newest first. */
  quarantined(tenantId: string, options?: { runId?: string; limit?: number }): Promise<QuarantinedRecord[]>;
  /**
   * Takes the tenant's run lease for runId when it is free, expired, or already held by runId
   * (then renewed). Atomic across processes sharing the database.
   */
  acquireLease(tenantId: string, request: { runId: string; instanceId: string | null; now: string; ttlMs: number }): Promise<LeaseResult>;
  /** Extends the lease while runId holds it (even if it expired and nobody took it); false when another run holds it or none is held. */
  renewLease(tenantId: string, runId: string, now: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if runId holds it; true when released. */
  releaseLease(tenantId: string, runId: string): Promise<boolean>;
  /** The current lease row (may be expired: compare expiresAt), if any. */
  currentLease(tenantId: string): Promise<SyncLease | undefined>;
  syncState(tenantId: string): Promise<SyncState | undefined>;
  /** Merges the given fields into the tenant's sync state (creating it). */
  saveSyncState(tenantId: string, change: Partial<Pick<SyncState, "eventsCursor" | "lastFullSyncAt" | "lastFullRunId">>, at: string): Promise<void>;
  /** Records a held run (idempotent: holding the same run again replaces its details while still held). */
  holdRun(held: Omit<HeldRun, "status" | "decidedAt" | "decidedBy">): Promise<void>;
  /** Held runs of a tenant, newest first; optionally only one status. */
  heldRuns(tenantId: string, options?: { status?: HeldStatus; limit?: number }): Promise<HeldRun[]>;
  /**
   * Approves or rejects a run that is still held, and appends the audit entry in the same
   * transaction. Approving soft-deletes what the run held (rows it did not see that no later run saw
   * either, and its held enrollment removals). Returns undefined when the run is not held (any more).
   */
  decideHeld(tenantId: string, runId: string, decision: { status: "approved" | "rejected"; decidedAt: string; decidedBy: string; details?: Record<string, unknown> }): Promise<{ deleted: Partial<Record<RosterResource, number>>; enrollmentsDeleted: number } | undefined>;
  appendAudit(entry: AuditInput): Promise<void>;
  /** Audit entries, newest first; all tenants when tenantId is undefined. */
  audit(tenantId: string | undefined, limit: number): Promise<AuditEntry[]>;
  /** How many quarantined records the tenant has (all runs). */
  quarantineCount(tenantId: string): Promise<number>;
  /** Applied migration versions, ascending. */
  migrationVersions(): Promise<number[]>;
  /** Idempotent. */
  close(): Promise<void>;
}
