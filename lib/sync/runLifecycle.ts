import type { CleverClient } from "../clever";
import type { HeldResource, RosterResource, RosterStore } from "../store";
import { ALL_RESOURCES, isRosterResource } from "./catalogue";
import { recordFullSyncCursor } from "./eventsSync";
import { takeLease } from "./lease";
import { CheckpointAccess } from "./resourceSync";
import { ResourceResult, SyncMode, SyncPlan } from "./types";

export interface RunLifecycleDependencies {
  store: RosterStore;
  checkpoints: CheckpointAccess;
  clever: CleverClient;
  now: () => number;
  /** The tenant's configured resources (undefined: all). */
  resources?: readonly string[];
  /** How long the run lease lasts without renewal. */
  leaseTtlMs: number;
}

export interface PlanInput {
  tenantId: string;
  runId: string;
  mode: SyncMode;
  instanceId: string;
  /** Set when an incremental run falls back to full: the run row already exists. */
  replan?: boolean;
}

/**
 * Takes the tenant's run lease (before the first write: a run started around the starters still
 * cannot write while another holds it), decides full or incremental from the sync state kept in
 * the tenant's own database, remembers where events stand, and opens the run summary row.
 */
export async function planRun(deps: RunLifecycleDependencies, input: PlanInput): Promise<SyncPlan> {
  const resources = (deps.resources?.filter(isRosterResource) ?? [...ALL_RESOURCES]) as RosterResource[];
  await takeLease(deps, input.tenantId, input.runId, input.instanceId);
  const state = await deps.store.syncState(input.tenantId);
  let mode = input.mode;
  let reason = input.mode === "full" ? "full sync requested" : "incremental sync from the stored events cursor";
  if (mode === "incremental" && (!state?.lastFullSyncAt || !state.eventsCursor)) {
    mode = "full";
    reason = `this database holds no completed full sync of tenant '${input.tenantId}' (a new, empty or restored database, or the first sync), so events alone cannot build the mirror: running a full sync`;
  }
  if (input.replan) reason = "the events cursor is older than Clever keeps events";
  // The run row first: if Clever fails below, the failed run still has a summary naming the cause.
  if (!input.replan) {
    await deps.store.startRun({ runId: input.runId, tenantId: input.tenantId, mode, status: "running", startedAt: new Date(deps.now()).toISOString(), instanceId: input.instanceId });
  }
  // Taken before paging: events that happen during the full sync are applied by the next incremental run.
  const eventsCursorAtStart = mode === "full" ? ((await deps.clever.latestEventId()) ?? null) : null;
  return { mode, resources, eventsCursorAtStart, reason };
}

export interface FinishInput {
  tenantId: string;
  runId: string;
  plan: SyncPlan | null;
  status: "completed" | "failed";
  counts: Record<string, unknown>;
  error?: string | null;
}

export interface FinishResult {
  status: "completed" | "failed" | "held";
  /** Why the run is held (absent unless held). */
  reasons?: string[];
}

/** Resource results in the run's counts that the guard held. */
export function heldResults(counts: Record<string, unknown>): ResourceResult[] {
  return Object.values(counts).filter((c): c is ResourceResult => typeof (c as ResourceResult)?.resource === "string" && (c as ResourceResult).held !== undefined);
}

/**
 * Closes the run summary; a completed (or held) full sync also becomes the base for incremental
 * syncs — its inserts and updates are applied. A run whose deletions the guard held is recorded
 * as `held` for review. The lease is released last, whatever happened.
 */
export async function finishRun(deps: Pick<RunLifecycleDependencies, "store" | "now"> & { quarantineRetentionDays?: number }, input: FinishInput): Promise<FinishResult> {
  try {
    // Retention: quarantined records older than the window go (the run summary keeps the counts).
    if (deps.quarantineRetentionDays) await deps.store.purgeQuarantine(input.tenantId, new Date(deps.now() - deps.quarantineRetentionDays * 86_400_000).toISOString());
    const held = input.status === "completed" ? heldResults(input.counts) : [];
    const status = held.length ? "held" : input.status;
    const at = new Date(deps.now()).toISOString();
    if (input.status === "completed" && input.plan?.mode === "full") {
      await recordFullSyncCursor(deps, input.tenantId, input.runId, input.plan.eventsCursorAtStart);
    }
    const reasons = held.flatMap((r) => r.held!.reasons);
    if (held.length) {
      const resources: Partial<Record<RosterResource, HeldResource>> = {};
      for (const r of held) resources[r.resource] = { live: r.held!.live, wouldDelete: r.held!.wouldDelete, updated: r.held!.updated, ...(r.held!.enrollmentsHeld ? { enrollmentsHeld: r.held!.enrollmentsHeld } : {}) };
      await deps.store.holdRun({ tenantId: input.tenantId, runId: input.runId, heldAt: at, reasons, resources });
    }
    await deps.store.finishRun(input.tenantId, input.runId, { status, finishedAt: at, counts: input.counts, error: input.error ?? null });
    return held.length ? { status, reasons } : { status };
  } finally {
    await deps.store.releaseLease(input.tenantId, input.runId).catch(() => undefined);
  }
}
