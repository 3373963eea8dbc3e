import type { CleverClient } from "../clever";
import type { RosterResource, RosterStore } from "../store";
import { ALL_RESOURCES, EVENTS_CHECKPOINT, isRosterResource } from "./catalogue";
import { recordFullSyncCursor } from "./eventsSync";
import { decideSyncMode, DEFAULT_EVENTS_MAX_AGE_DAYS, FROM_FIRST_EVENT } from "./planning";
import { CheckpointAccess } from "./resourceSync";
import { SyncMode, SyncPlan } from "./types";

export interface RunLifecycleDependencies {
  store: RosterStore;
  checkpoints: CheckpointAccess;
  clever: CleverClient;
  now: () => number;
  /** The tenant's configured resources (undefined: all). */
  resources?: readonly string[];
  /** A cursor or last full sync older than this many days means full sync (default 25). */
  eventsMaxAgeDays?: number;
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
  const { mode, reason } = decideSyncMode({
    requested: input.mode,
    now: deps.now(),
    maxEventsAgeDays: deps.eventsMaxAgeDays ?? DEFAULT_EVENTS_MAX_AGE_DAYS,
    lastFullSyncAt: events?.lastFullSyncAt,
    eventsCursor: events?.eventsCursor,
    eventsUnavailable: events?.lastFullSyncAt && !events.eventsCursor ? await lastEventsUnavailable(deps.store, input.tenantId) : null,
    cursorRejected: input.replan,
  });
  // The run row first: if Clever fails below, the failed run still has a summary naming the cause.
  if (!input.replan) {
    await deps.store.startRun({ runId: input.runId, tenantId: input.tenantId, mode, status: "running", startedAt: new Date(deps.now()).toISOString(), instanceId: input.instanceId });
  }
  // Taken before paging: events that happen during the full sync are applied by the next incremental run.
  let eventsCursorAtStart: string | null = null;
  let eventsUnavailable: string | null = null;
  if (mode === "full") {
    const stored = events?.eventsCursor && events.eventsCursor !== FROM_FIRST_EVENT ? events.eventsCursor : undefined;
    try {
      eventsCursorAtStart = (await deps.clever.latestEventId({ startingAfter: stored })) ?? null;
    } catch (error) {
      // Events are opt-in (https://dev.clever.com/docs/events-api, "Events opt-in changes"): without
      // them the full sync still runs, and later runs stay full until a full sync can read them.
      if ((error as Error).name === "CleverUnauthorizedError") throw error;
      eventsUnavailable = describeEventsFailure(error);
    }
  }
  return { mode, resources, eventsCursorAtStart, reason, eventsUnavailable };
}

/** Why Events could not be read, with the fix; for the run summary, custom status and the next plan. */
function describeEventsFailure(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  const fix = status && status >= 400 && status < 500 ? " Enable events for the app in the Clever dashboard (Settings > Integrations > Enable events)." : "";
  return `Clever's Events API could not be read (${message}).${fix}`;
}

/**
 * Whether incremental sync works for a tenant, from its newest completed run: "available", or
 * "unavailable: <why>" when that run could not read Clever's Events API; null before any run.
 * For health and status (run summaries live in SQL, so this reads no checkpoint).
 */
export async function incrementalSyncState(store: Pick<RosterStore, "listRuns">, tenantId: string): Promise<string | null> {
  for (const run of await store.listRuns(tenantId, 20)) {
    if (run.status !== "completed") continue;
    const plan = (run.counts as { plan?: { eventsUnavailable?: unknown } } | null | undefined)?.plan;
    return typeof plan?.eventsUnavailable === "string" ? `unavailable: ${plan.eventsUnavailable}` : "available";
  }
  return null;
}

/** The reason the newest completed full run recorded for Events being unavailable, if any. */
async function lastEventsUnavailable(store: RosterStore, tenantId: string): Promise<string | null> {
  for (const run of await store.listRuns(tenantId, 20)) {
    const plan = (run.counts as { plan?: { eventsUnavailable?: unknown } } | null | undefined)?.plan;
    if (run.status === "completed" && run.mode === "full") return typeof plan?.eventsUnavailable === "string" ? plan.eventsUnavailable : null;
  }
  return null;
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
    await recordFullSyncCursor(deps, input.tenantId, input.runId, input.plan.eventsCursorAtStart, input.plan.eventsUnavailable ?? null);
  }
  const plan = input.plan ? { mode: input.plan.mode, reason: input.plan.reason, eventsUnavailable: input.plan.eventsUnavailable ?? null } : null;
  await deps.store.finishRun(input.tenantId, input.runId, {
    status: input.status,
    finishedAt: new Date(deps.now()).toISOString(),
    counts: { ...input.counts, plan },
    error: input.error ?? null,
  });
}
