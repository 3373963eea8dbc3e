/**
 * Review of held runs: what a held run would delete (counts per resource and a sample of ids,
 * read live from the mirror), and the decision — approve (apply the held deletions) or reject
 * (keep the records). Every decision is written to the audit log in the same transaction.
 * Shared by the HTTP API and the CLI; callers say who decided.
 */
import { TypedError } from "../errors/typedError";
import type { AuditEntry, HeldRun, HeldStatus, RosterResource, RosterStore } from "../store";
import { takeLease } from "./lease";

export const SAMPLE_SIZE = 10;

/** A held run as the API and CLI show it (documented in README "Held runs"). */
export interface HeldRunView extends HeldRun {
  /** Per resource with held deletions: ids that approving would soft-delete now (at most 10), smallest first. */
  samples: Partial<Record<RosterResource, string[]>>;
}

export class HeldRunNotFoundError extends TypedError {
  readonly code = "HELD_RUN_NOT_FOUND";
  readonly httpStatus = 404;
  constructor(readonly tenantId: string, readonly runId: string) {
    super(`Tenant '${tenantId}' has no held run '${runId}'. Fix: list held runs with GET /api/tenants/${tenantId}/held (or \`cleversync held list --tenant ${tenantId}\`) and use a runId from there.`);
  }
}

export class HeldRunDecidedError extends TypedError {
  readonly code = "HELD_RUN_ALREADY_DECIDED";
  readonly httpStatus = 409;
  constructor(readonly tenantId: string, readonly runId: string, readonly status: HeldStatus, readonly decidedBy: string | null) {
    super(`Held run '${runId}' of tenant '${tenantId}' was already ${status}${decidedBy ? ` by ${decidedBy}` : ""}; nothing changed.`);
  }
}

export async function listHeld(store: RosterStore, tenantId: string, options: { status?: HeldStatus; limit?: number } = {}): Promise<HeldRunView[]> {
  const runs = await store.heldRuns(tenantId, options);
  const views: HeldRunView[] = [];
  for (const run of runs) {
    const samples: HeldRunView["samples"] = {};
    if (run.status === "held") {
      for (const [resource, held] of Object.entries(run.resources) as [RosterResource, { wouldDelete: number; school?: string }][]) {
        // A school sync's held deletions are that school's rows only.
        const scope = held.school ? { schoolId: held.school } : undefined;
        if (held.wouldDelete > 0) samples[resource] = (await store.missing(tenantId, resource, run.runId, SAMPLE_SIZE, scope)).sample;
      }
    }
    views.push({ ...run, samples });
  }
  return views;
}

export interface Decision {
  decision: "approve" | "reject";
  /** Who decided: function key name or principal (API), "cli:<user>" (CLI). */
  actor: string;
  note?: string;
}

export interface DecisionResult {
  tenantId: string;
  runId: string;
  status: "approved" | "rejected";
  decidedAt: string;
  decidedBy: string;
  /** Rows soft-deleted by approving, per resource (empty when rejected). */
  deleted: Partial<Record<RosterResource, number>>;
  enrollmentsDeleted: number;
}

/**
 * Approves or rejects a held run. Approving takes the tenant's run lease for the moment of the
 * deletions (a running sync → SyncAlreadyRunningError, 409), so it never races a sync's writes.
 */
export async function decideHeld(deps: { store: RosterStore; now: () => number; leaseTtlMs: number }, tenantId: string, runId: string, decision: Decision): Promise<DecisionResult> {
  const existing = (await deps.store.heldRuns(tenantId, { limit: 1000 })).find((r) => r.runId === runId);
  if (!existing) throw new HeldRunNotFoundError(tenantId, runId);
  if (existing.status !== "held") throw new HeldRunDecidedError(tenantId, runId, existing.status, existing.decidedBy);
  const status = decision.decision === "approve" ? "approved" : "rejected";
  const reviewRun = `review:${runId}`.slice(0, 100);
  if (status === "approved") await takeLease(deps, tenantId, reviewRun, null);
  try {
    const decidedAt = new Date(deps.now()).toISOString();
    const applied = await deps.store.decideHeld(tenantId, runId, { status, decidedAt, decidedBy: decision.actor, details: decision.note ? { note: decision.note } : undefined });
    if (!applied) {
      const now = (await deps.store.heldRuns(tenantId, { limit: 1000 })).find((r) => r.runId === runId);
      throw new HeldRunDecidedError(tenantId, runId, now?.status ?? "approved", now?.decidedBy ?? null);
    }
    return { tenantId, runId, status, decidedAt, decidedBy: decision.actor, ...applied };
  } finally {
    if (status === "approved") await deps.store.releaseLease(tenantId, reviewRun).catch(() => undefined);
  }
}

export function auditLog(store: RosterStore, tenantId: string, limit: number): Promise<AuditEntry[]> {
  return store.audit(tenantId, limit);
}
