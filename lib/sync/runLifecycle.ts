import type { CleverClient } from "../clever";
import type { RosterResource, RosterStore } from "../store";
import { ALL_RESOURCES, EVENTS_CHECKPOINT, isRosterResource } from "./catalogue";
import { recordFullSyncCursor } from "./eventsSync";
import { CheckpointAccess } from "./resourceSync";
import { SyncMode, SyncPlan } from "./types";

export interface RunLifecycleDependencies {
  store: RosterStore;
  checkpoints: CheckpointAccess;
  clever: CleverClient;
  now: () => number;
  /** The tenant's configured resources (undefined: all). */
  resources?: readonly string[];
}

export interface PlanInput {
  tenantId: string;
  runId: string;
  mode: SyncMode;
  instanceId: string;
  /** Set when an incremental run falls back to full: the run row already exists. */
  replan?: boolean;
}

/** Decides full or incremental, remembers where events stand, and opens the run summary row. */
export async function planRun(deps: RunLifecycleDependencies, input: PlanInput): Promise<SyncPlan> {
  const resources = (deps.resources?.filter(isRosterResource) ?? [...ALL_RESOURCES]) as RosterResource[];
  const events = await deps.checkpoints.get(input.tenantId, EVENTS_CHECKPOINT);
  let mode = input.mode;
  let reason = input.mode === "full" ? "full sync requested" : "incremental sync from the stored events cursor";
  if (mode === "incremental" && !events?.lastFullSyncAt) {
    mode = "full";
    reason = "no completed full sync yet, so events alone cannot build the mirror";
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

/** Closes the run summary; a completed full sync also becomes the base for incremental syncs. */
export async function finishRun(deps: Pick<RunLifecycleDependencies, "store" | "checkpoints" | "now">, input: FinishInput): Promise<void> {
  if (input.status === "completed" && input.plan?.mode === "full") {
    await recordFullSyncCursor(deps, input.tenantId, input.runId, input.plan.eventsCursorAtStart);
  }
  await deps.store.finishRun(input.tenantId, input.runId, {
    status: input.status,
    finishedAt: new Date(deps.now()).toISOString(),
    counts: input.counts,
    error: input.error ?? null,
  });
}
