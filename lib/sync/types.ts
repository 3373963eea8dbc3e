import type { RosterResource } from "../store";

export type SyncMode = "full" | "incremental";

/** What a resource activity returns into history: counts only, never data. */
export interface ResourceResult {
  resource: RosterResource;
  pages: number;
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  resumedFromPage: number;
  /** Soft-deleted records that came back (also counted in updated). */
  restored: number;
  /** Previously synced rows kept live (flagged stale) because Clever sent an invalid version. */
  stale?: number;
  /** Records Clever sent again on a later page (same id): counted, written once. */
  duplicates?: number;
  /** Time from the resource's start to its completion, retries included (set by the sync orchestration). */
  durationMs?: number;
  /** Sections only: enrollments soft-deleted / undeleted. */
  enrollmentsRemoved?: number;
  enrollmentsRestored?: number;
  /** Set when the guard held this resource's deletions (or section enrollment removals). */
  held?: HeldResourceResult;
}

/** What the guard held for one resource of a run (counts and a small sample of ids, never records). */
export interface HeldResourceResult {
  reasons: string[];
  /** A school sync: approving deletes only this school's rows. */
  school?: string;
  /** Live rows before the run. */
  live: number;
  wouldDelete: number;
  updated: number;
  sample: string[];
  /** Sections only: sections whose enrollment removals were held, and a sample of their ids. */
  enrollmentsHeld?: number;
  sectionSample?: string[];
}

export interface EventsResult {
  /** The stored cursor is older than Clever keeps events, or missing: do a full sync. */
  fallbackToFull: boolean;
  events: number;
  pages: number;
  upserted: number;
  deleted: number;
  quarantined: number;
  byResource: Record<string, number>;
  /** Events Clever sent again (same id as the one before): counted, applied idempotently. */
  duplicates?: number;
}

export interface SyncRunInput {
  tenantId: string;
  runId: string;
  mode: SyncMode;
  /** A school sync: only this school (a Clever id) is fetched, and only its rows can be deleted. Full mode only. */
  school?: string;
  retry: { firstRetryIntervalMs: number; maxAttempts: number; backoffCoefficient: number; maxRetryIntervalMs: number };
}

export interface SyncPlan {
  mode: SyncMode;
  resources: RosterResource[];
  /** Newest event id when a full sync started: incremental syncs continue from it. */
  eventsCursorAtStart: string | null;
  /** Why full sync ran (or incremental): shown in the run summary and custom status. */
  reason: string;
  /** A school sync: the school (Clever id) whose records this run fetches and may delete. */
  school?: string;
  /** Set when Clever's Events API could not be read: incremental sync is unavailable, and why. */
  eventsUnavailable?: string | null;
  /**
   * Set instead of a plan when planning failed in a way no retry can fix (missing credentials, a
   * vault or server name that does not resolve, a refused login): the run stops at once with it.
   */
  permanentFailure?: string;
}

/** Custom status of sync:{tenantId}:{runId}. */
export interface SyncStatus {
  tenantId: string;
  runId: string;
  mode: SyncMode | "planning";
  phase: string;
  resources: Record<string, { state: "pending" | "running" | "done" | "failed"; records?: number; pages?: number }>;
  records: number;
  lastError: string | null;
  /** Set when the run ended held: why, and where to review it. */
  held?: { reasons: string[]; review: string };
  /** Why this run is full or incremental. */
  reason?: string;
  /** A school sync: the school it covers. */
  school?: string;
  /** "available", or "unavailable: <why>" when Clever's Events API could not be read. */
  incremental?: string;
}
