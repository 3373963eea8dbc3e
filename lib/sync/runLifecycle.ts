import type { CleverClient } from "../clever";
import { RunNotFoundError, type HeldResource, type RosterResource, type RosterStore, type RunSummary } from "../store";
import { ALL_RESOURCES, isRosterResource, SCHOOL_SYNC_RESOURCES } from "./catalogue";
import { recordFullSyncCursor } from "./eventsSync";
import { takeLease } from "./lease";
import { decideSyncMode, DEFAULT_EVENTS_MAX_AGE_DAYS, FROM_FIRST_EVENT } from "./planning";
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
  /** A school sync (full mode only): the school's Clever id. */
  school?: string;
}

/** Clever answered that the school does not exist (or is not shared with this app): no retry helps. */
export class SchoolNotInCleverError extends Error {
  override readonly name = "SchoolNotInCleverError";
  /** No retry brings the school back (lib/errors/failureKind.ts reads this flag). */
  readonly retryable = false;
  constructor(readonly school: string, detail: string) {
    super(`school ${school} is not in Clever for this tenant's district (${detail}). Fix: check the school's Clever id (the schools table of the mirror, or the Clever dashboard) and sync a school the district shares.`);
  }
}

/**
 * Takes the tenant's run lease (before the first write: a run started around the starters still
 * cannot write while another holds it), decides full or incremental from the sync state kept in
 * the tenant's own database, remembers where events stand, and opens the run summary row.
 */
export async function planRun(deps: RunLifecycleDependencies, input: PlanInput): Promise<SyncPlan> {
  const resources = (deps.resources?.filter(isRosterResource) ?? [...ALL_RESOURCES]) as RosterResource[];
  await takeLease(deps, input.tenantId, input.runId, input.instanceId);
  if (input.school) return planSchoolRun(deps, input, resources);
  // Sync state is kept with the rows it describes: a new, empty or restored database has none.
  const state = await deps.store.syncState(input.tenantId);
  const { mode, reason } = decideSyncMode({
    tenantId: input.tenantId,
    requested: input.mode,
    now: deps.now(),
    maxEventsAgeDays: deps.eventsMaxAgeDays ?? DEFAULT_EVENTS_MAX_AGE_DAYS,
    lastFullSyncAt: state?.lastFullSyncAt ?? undefined,
    eventsCursor: state?.eventsCursor ?? undefined,
    eventsUnavailable: state?.lastFullSyncAt && !state.eventsCursor ? await lastEventsUnavailable(deps.store, input.tenantId) : null,
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
    const stored = state?.eventsCursor && state.eventsCursor !== FROM_FIRST_EVENT ? state.eventsCursor : undefined;
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

/**
 * A school sync: always full, only the school's own records (SCHOOL_SYNC_RESOURCES the tenant
 * syncs). It takes no events cursor and is not a full sync of the tenant, so incremental runs keep
 * their base. The school must exist in Clever (GET /schools/{id}; Clever/swagger-api v3.0.yml
 * documents 404 NotFound for an unknown one) — checked here, before anything is written.
 */
async function planSchoolRun(deps: RunLifecycleDependencies, input: PlanInput & { school?: string }, configured: RosterResource[]): Promise<SyncPlan> {
  const school = input.school!;
  try {
    await deps.clever.get("schools", school);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404) throw new SchoolNotInCleverError(school, "Clever answered 404 for GET /schools/" + school);
    throw error;
  }
  const resources = SCHOOL_SYNC_RESOURCES.filter((r) => configured.includes(r));
  const reason = `full sync of school ${school} requested: only its sections and users are read, and only its rows can be deleted`;
  if (!input.replan) {
    await deps.store.startRun({ runId: input.runId, tenantId: input.tenantId, mode: "full", status: "running", startedAt: new Date(deps.now()).toISOString(), instanceId: input.instanceId });
  }
  return { mode: "full", resources, eventsCursorAtStart: null, reason, school };
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
    const plan = (run.counts as { plan?: { eventsUnavailable?: unknown; school?: unknown } } | null | undefined)?.plan;
    // A school sync does not read events: it says nothing about them.
    if (run.status !== "completed" || plan?.school) continue;
    return typeof plan?.eventsUnavailable === "string" ? `unavailable: ${plan.eventsUnavailable}` : "available";
  }
  return null;
}

/** The reason the newest completed full run recorded for Events being unavailable, if any. */
async function lastEventsUnavailable(store: RosterStore, tenantId: string): Promise<string | null> {
  for (const run of await store.listRuns(tenantId, 20)) {
    const plan = (run.counts as { plan?: { eventsUnavailable?: unknown; school?: unknown } } | null | undefined)?.plan;
    if (run.status === "completed" && run.mode === "full" && !plan?.school) return typeof plan?.eventsUnavailable === "string" ? plan.eventsUnavailable : null;
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
  /** For a run that failed before planning opened its summary: the mode asked for and the instance. */
  requestedMode?: SyncMode;
  instanceId?: string;
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
    // A school sync is no full sync of the tenant: the events cursor and last full sync stay as they were.
    if (input.status === "completed" && input.plan?.mode === "full" && !input.plan.school) {
      await recordFullSyncCursor(deps, input.tenantId, input.runId, input.plan.eventsCursorAtStart, input.plan.eventsUnavailable ?? null);
    }
    const reasons = held.flatMap((r) => r.held!.reasons);
    if (held.length) {
      const resources: Partial<Record<RosterResource, HeldResource>> = {};
      for (const r of held) resources[r.resource] = { ...(r.held!.school ? { school: r.held!.school } : {}), live: r.held!.live, wouldDelete: r.held!.wouldDelete, updated: r.held!.updated, ...(r.held!.enrollmentsHeld ? { enrollmentsHeld: r.held!.enrollmentsHeld } : {}) };
      await deps.store.holdRun({ tenantId: input.tenantId, runId: input.runId, heldAt: at, reasons, resources });
    }
    const plan = input.plan ? { mode: input.plan.mode, reason: input.plan.reason, eventsUnavailable: input.plan.eventsUnavailable ?? null, ...(input.plan.school ? { school: input.plan.school } : {}) } : null;
    const result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error"> = { status, finishedAt: at, counts: { ...input.counts, plan }, error: input.error ?? null };
    try {
      await deps.store.finishRun(input.tenantId, input.runId, result);
    } catch (error) {
      // Planning failed before it opened the run's summary (missing credentials, another run's
      // lease): open it now, so the failure and its cause are recorded like any run's.
      if (!(error instanceof RunNotFoundError) || input.status !== "failed") throw error;
      await deps.store.startRun({ runId: input.runId, tenantId: input.tenantId, mode: input.plan?.mode ?? input.requestedMode ?? "full", status: "running", startedAt: at, instanceId: input.instanceId ?? null });
      await deps.store.finishRun(input.tenantId, input.runId, result);
    }
    return held.length ? { status, reasons } : { status };
  } finally {
    await deps.store.releaseLease(input.tenantId, input.runId).catch(() => undefined);
  }
}
