/**
 * Dialect-free helpers of the run lease, the deletion guard and the audit log: input checks,
 * enrollment diffs and row decoding shared by the SQLite and SQL Server stores.
 */
import { StoreInputError } from "./errors";
import { assertRunId, assertTenantId, isoTimestamp, truncate } from "./normalize";
import type { AuditEntry, AuditInput, Enrollment, HeldRun, HeldStatus, SectionLossGuard, SyncLease, SyncState } from "./types";

export const ACTOR_MAX_LENGTH = 256;
export const ACTION_MAX_LENGTH = 64;
export const TARGET_MAX_LENGTH = 200;

/** When a lease taken at `now` for `ttlMs` expires (ISO). */
export function leaseExpiry(now: string, ttlMs: number): string {
  if (!Number.isInteger(ttlMs) || ttlMs < 1000) throw new StoreInputError("ttlMs", "must be a whole number of milliseconds, at least 1000");
  return new Date(Date.parse(isoTimestamp("now", now)) + ttlMs).toISOString();
}

export interface EnrollmentDiff {
  /** Live enrollments the section no longer lists. */
  removed: Enrollment[];
  /** Soft-deleted enrollments the section lists again. */
  restored: Enrollment[];
  /** Enrollments never stored before. */
  added: Enrollment[];
  liveStudents: number;
  removedStudents: number;
  /** The removals break the section rule: hold them instead of applying them. */
  held: boolean;
}

/** What replacing a section's stored enrollments with `next` means, and whether the guard holds the removals. */
export function enrollmentDiff(stored: readonly { userId: string; role: string; deleted: boolean }[], next: readonly Enrollment[], guard: SectionLossGuard | undefined): EnrollmentDiff {
  const key = (e: { userId: string; role: string }) => `${e.role}\u0000${e.userId}`;
  const wanted = new Map(next.map((e) => [key(e), e]));
  const byKey = new Map(stored.map((e) => [key(e), e]));
  const removed: Enrollment[] = [];
  let liveStudents = 0;
  let removedStudents = 0;
  for (const e of stored) {
    if (e.deleted) continue;
    if (e.role === "student") liveStudents++;
    if (!wanted.has(key(e))) {
      removed.push({ userId: e.userId, role: e.role as Enrollment["role"] });
      if (e.role === "student") removedStudents++;
    }
  }
  const restored: Enrollment[] = [];
  const added: Enrollment[] = [];
  for (const [k, e] of wanted) {
    const old = byKey.get(k);
    if (!old) added.push(e);
    else if (old.deleted) restored.push(e);
  }
  const held = guard !== undefined && liveStudents >= guard.minStudents && removedStudents > liveStudents * guard.maxLossShare;
  return { removed, restored, added, liveStudents, removedStudents, held };
}

export interface PreparedHeld {
  tenantId: string;
  runId: string;
  heldAt: string;
  reasonsJson: string;
  resourcesJson: string;
}

/** A held run's decision, checked alike by both dialects before anything is written. */
export function prepareDecision(
  tenantId: string,
  runId: string,
  decision: { status: "approved" | "rejected"; decidedAt: string; decidedBy: string },
): { status: "approved" | "rejected"; at: string; decidedBy: string; action: "held.approve" | "held.reject" } {
  assertTenantId(tenantId);
  assertRunId(runId);
  const at = isoTimestamp("decidedAt", decision?.decidedAt);
  if (decision.status !== "approved" && decision.status !== "rejected") throw new StoreInputError("status", 'must be "approved" or "rejected"');
  return { status: decision.status, at, decidedBy: truncate(decision.decidedBy, ACTOR_MAX_LENGTH), action: decision.status === "approved" ? "held.approve" : "held.reject" };
}

export function prepareHeld(held: Omit<HeldRun, "status" | "decidedAt" | "decidedBy">): PreparedHeld {
  assertTenantId(held?.tenantId);
  assertRunId(held.runId);
  if (!Array.isArray(held.reasons) || held.reasons.some((r) => typeof r !== "string")) throw new StoreInputError("reasons", "must be an array of strings");
  if (!held.resources || typeof held.resources !== "object") throw new StoreInputError("resources", "must be an object");
  return { tenantId: held.tenantId, runId: held.runId, heldAt: isoTimestamp("heldAt", held.heldAt), reasonsJson: JSON.stringify(held.reasons), resourcesJson: JSON.stringify(held.resources) };
}

export function heldRunFromRow(row: Record<string, unknown>, time: (value: unknown) => string | null): HeldRun {
  return {
    tenantId: String(row.tenant_id),
    runId: String(row.run_id),
    heldAt: time(row.held_at)!,
    status: row.status as HeldStatus,
    reasons: JSON.parse(String(row.reasons_json)) as string[],
    resources: JSON.parse(String(row.resources_json)) as HeldRun["resources"],
    decidedAt: time(row.decided_at),
    decidedBy: (row.decided_by as string | null) ?? null,
  };
}

export interface PreparedAudit {
  tenantId: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  detailsJson: string | null;
}

export function prepareAudit(entry: AuditInput): PreparedAudit {
  assertTenantId(entry?.tenantId);
  for (const field of ["actor", "action", "target"] as const) {
    if (typeof entry[field] !== "string" || entry[field] === "") throw new StoreInputError(field, "must be a non-empty string");
  }
  return {
    tenantId: entry.tenantId,
    at: isoTimestamp("at", entry.at),
    actor: truncate(entry.actor, ACTOR_MAX_LENGTH),
    action: truncate(entry.action, ACTION_MAX_LENGTH),
    target: truncate(entry.target, TARGET_MAX_LENGTH),
    detailsJson: entry.details == null ? null : JSON.stringify(entry.details),
  };
}

export function auditFromRow(row: Record<string, unknown>, time: (value: unknown) => string | null): AuditEntry {
  return {
    id: Number(row.audit_id),
    tenantId: String(row.tenant_id),
    at: time(row.at)!,
    actor: String(row.actor),
    action: String(row.action),
    target: String(row.target),
    details: row.details_json == null ? null : (JSON.parse(String(row.details_json)) as Record<string, unknown>),
  };
}

const timeText = (value: unknown): string | null => (value == null ? null : value instanceof Date ? value.toISOString() : String(value));

export function leaseFromRow(row: Record<string, unknown>): SyncLease {
  return {
    tenantId: String(row.tenant_id),
    runId: String(row.run_id),
    instanceId: (row.instance_id as string | null) ?? null,
    acquiredAt: timeText(row.acquired_at)!,
    expiresAt: timeText(row.expires_at)!,
  };
}

export function stateFromRow(row: Record<string, unknown>): SyncState {
  return {
    tenantId: String(row.tenant_id),
    eventsCursor: (row.events_cursor as string | null) ?? null,
    lastFullSyncAt: timeText(row.last_full_sync_at),
    lastFullRunId: (row.last_full_run_id as string | null) ?? null,
    updatedAt: timeText(row.updated_at)!,
  };
}

/** Parameters of a sync-state merge: a field left out keeps its stored value. */
export function preparedState(change: Partial<Pick<SyncState, "eventsCursor" | "lastFullSyncAt" | "lastFullRunId">>, at: string) {
  if (!change || typeof change !== "object") throw new StoreInputError("change", "must be an object");
  if (change.eventsCursor != null && (typeof change.eventsCursor !== "string" || change.eventsCursor.length > 200)) throw new StoreInputError("eventsCursor", "must be a string of at most 200 characters or null");
  if (change.lastFullRunId != null) assertRunId(change.lastFullRunId);
  return {
    eventsCursor: change.eventsCursor ?? null,
    lastFullSyncAt: change.lastFullSyncAt == null ? null : isoTimestamp("lastFullSyncAt", change.lastFullSyncAt),
    lastFullRunId: change.lastFullRunId ?? null,
    at: isoTimestamp("at", at),
    setCursor: "eventsCursor" in change ? 1 : 0,
    setFull: "lastFullSyncAt" in change ? 1 : 0,
    setFullRun: "lastFullRunId" in change ? 1 : 0,
  };
}
