import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { boundedText } from "../orchestration/customStatus";
import { failureSummary } from "../orchestration/failureSummary";
import type { RosterResource } from "../store";
import { phasesFor } from "./catalogue";
import type { FinishInput, FinishResult, PlanInput } from "./runLifecycle";
import { EventsResult, ResourceResult, SyncPlan, SyncRunInput, SyncStatus } from "./types";

export const SYNC_TENANT = "syncTenant";
export const SYNC_RESOURCE_RUN = "syncResourceRun";
export const PLAN_SYNC_RUN = "planSyncRun";
export const SYNC_RESOURCE = "syncResource";
export const APPLY_SYNC_EVENTS = "applySyncEvents";
export const FINISH_SYNC_RUN = "finishSyncRun";

/** Longest error text kept in custom status, run summaries and outputs. */
export const MAX_ERROR_CHARS = 500;

export function syncInstanceId(tenantId: string, runId: string): string {
  return `sync:${tenantId}:${runId}`;
}

/** A readable, sortable run id from the orchestration's start time (e.g. 20261125T090000Z). */
export function runIdFor(date: Date, suffix = ""): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "") + (suffix ? `-${suffix}` : "");
}

/** Input of one resource's sub-orchestration. */
export interface ResourceRunInput {
  tenantId: string;
  runId: string;
  resource: RosterResource;
  /** A school sync: the school whose records this resource fetches. */
  school?: string;
  retry: SyncRunInput["retry"];
}

/** What a resource's sub-orchestration returns: it never throws, so a fan-out of them never fails. */
export type ResourceOutcome = { ok: true; result: ResourceResult } | { ok: false; resource: RosterResource; error: string };

function retryOptions(retry: SyncRunInput["retry"]): df.RetryOptions {
  const options = new df.RetryOptions(retry.firstRetryIntervalMs, retry.maxAttempts);
  options.backoffCoefficient = retry.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = retry.maxRetryIntervalMs;
  return options;
}

/**
 * One resource of a sync run: its activity under durable retry; a failure that outlives the
 * retries comes back as a value. Why: if the parent caught a failing Task.all while sibling
 * resources were still running (or retrying), the Azure host would schedule the parent's next
 * step only after every sibling finished, under a later sequence id than the orchestrator gave
 * it (OutOfProcOrchestrationShim.ProcessAsyncActionsV2 awaits actions in order; DTFx numbers them
 * as it schedules), so the orchestrator could take another task's completion for its own.
 */
export function* syncResourceOrchestrator(context: OrchestrationContext): Generator<df.Task, ResourceOutcome, unknown> {
  const input = context.df.getInput<ResourceRunInput>();
  // Orchestration time (replay-safe): the resource's duration includes its retries and backoffs.
  const startedAt = context.df.currentUtcDateTime.getTime();
  try {
    const result = (yield context.df.callActivityWithRetry(SYNC_RESOURCE, retryOptions(input.retry), {
      tenantId: input.tenantId,
      runId: input.runId,
      resource: input.resource,
      ...(input.school ? { school: input.school } : {}),
    })) as ResourceResult;
    return { ok: true, result: { ...result, durationMs: context.df.currentUtcDateTime.getTime() - startedAt } };
  } catch (error) {
    return { ok: false, resource: input.resource, error: failureSummary(error, MAX_ERROR_CHARS) };
  }
}

/** Planning failed in a way no retry can fix; the message names the cause and the fix. */
class PermanentSyncFailure extends Error {
  override readonly name = "PermanentSyncFailure";
}

/** Thrown by the parent once every resource of a phase has finished and one of them failed. */
class ResourceFailedError extends Error {
  override readonly name = "ResourceFailedError";
}

/**
 * One sync run of one tenant: plan → (events | phases of resources fanned out as
 * sub-orchestrations) → finish. Every activity returns counts only; custom status shows phase,
 * resources and records, bounded (see syncStatusFor). A failure is only ever caught when no
 * other work of the run is open, so the run summary is always closed (finishSyncRun).
 */
export function* syncTenantOrchestrator(context: OrchestrationContext): Generator<df.Task, unknown, unknown> {
  const input = context.df.getInput<SyncRunInput>();
  const { tenantId, runId } = input;
  const retry = retryOptions(input.retry);

  const status: SyncStatus = syncStatusFor(tenantId, runId);
  const counts: Record<string, unknown> = {};
  let plan: SyncPlan | null = null;
  const publish = () => context.df.setCustomStatus(status);
  publish();
  try {
    const planInput: PlanInput = { tenantId, runId, mode: input.mode, instanceId: context.df.instanceId, ...(input.school ? { school: input.school } : {}) };
    if (input.school) status.school = boundedText(input.school, 128);
    const planned = (yield context.df.callActivityWithRetry(PLAN_SYNC_RUN, retry, planInput)) as SyncPlan;
    // Nothing else is open yet: stopping here with the named cause is safe (see the catch below).
    if (planned.permanentFailure) throw new PermanentSyncFailure(planned.permanentFailure);
    plan = planned;
    status.mode = plan.mode;
    status.reason = plan.reason;
    status.incremental = plan.eventsUnavailable ? `unavailable: ${plan.eventsUnavailable}` : "available";

    if (plan.mode === "incremental") {
      status.phase = "events";
      publish();
      const events = (yield context.df.callActivityWithRetry(APPLY_SYNC_EVENTS, retry, { tenantId, runId })) as EventsResult;
      counts.events = events;
      status.records += events.events;
      if (events.fallbackToFull) {
        const replanned = (yield context.df.callActivityWithRetry(PLAN_SYNC_RUN, retry, { ...planInput, mode: "incremental", replan: true } satisfies PlanInput)) as SyncPlan;
        if (replanned.permanentFailure) throw new PermanentSyncFailure(replanned.permanentFailure);
        plan = replanned;
        status.mode = "full";
        status.reason = plan.reason;
        status.incremental = plan.eventsUnavailable ? `unavailable: ${plan.eventsUnavailable}` : "available";
      }
    }

    if (plan.mode === "full") {
      const phases = phasesFor(plan.resources);
      for (const resource of phases.flat()) status.resources[resource] = { state: "pending" };
      for (const [index, phase] of phases.entries()) {
        status.phase = `${index + 1}/${phases.length}: ${phase.join(", ")}`;
        for (const resource of phase) status.resources[resource] = { state: "running" };
        publish();
        // Sub-orchestrations never fail (they return failures as values), so this Task.all ends
        // only when every resource of the phase has ended.
        const outcomes = (yield context.df.Task.all(
          phase.map((resource) => context.df.callSubOrchestrator(SYNC_RESOURCE_RUN, { tenantId, runId, resource, ...(plan!.school ? { school: plan!.school } : {}), retry: input.retry } satisfies ResourceRunInput)),
        )) as ResourceOutcome[];
        let failed: Extract<ResourceOutcome, { ok: false }> | undefined;
        for (const outcome of outcomes) {
          if (!outcome.ok) {
            status.resources[outcome.resource] = { state: "failed" };
            failed ??= outcome;
            continue;
          }
          const result = outcome.result;
          counts[result.resource] = result;
          status.resources[result.resource] = { state: "done", records: result.records, pages: result.pages };
          status.records += result.records;
        }
        if (failed) throw new ResourceFailedError(failed.error);
      }
    }

    const finish: FinishInput = { tenantId, runId, plan, status: "completed", counts };
    const finished = (yield context.df.callActivityWithRetry(FINISH_SYNC_RUN, retry, finish)) as FinishResult | undefined;
    status.phase = finished?.status === "held" ? "held" : "completed";
    if (finished?.status === "held") status.held = { reasons: finished.reasons ?? [], review: `GET /api/tenants/${tenantId}/held` };
    publish();
    return { runId, mode: plan.mode, reason: plan.reason, ...(plan.school ? { school: plan.school } : {}), records: status.records, counts, status: status.phase };
  } catch (error) {
    // Nothing else of this run is open here: every yield above is awaited alone, and a phase's
    // fan-out only completes once all of its resources have.
    status.lastError = failureSummary(error, MAX_ERROR_CHARS);
    status.phase = "failed";
    publish();
    const finish: FinishInput = { tenantId, runId, plan, status: "failed", counts, error: status.lastError, requestedMode: input.mode, instanceId: context.df.instanceId };
    try {
      yield context.df.callActivityWithRetry(FINISH_SYNC_RUN, retry, finish);
    } catch {
      // The run summary could not be closed; the original failure is still what to report (and
      // the start-up reconciliation marks the run interrupted).
    }
    throw new Error(`Sync run ${runId} of tenant '${tenantId}' failed: ${status.lastError}`);
  }
}

/**
 * The starting custom status. Its parts are bounded so the worst case stays far under the host's
 * 16 KB (lib/orchestration/customStatus.ts): ids cut to 128 characters, at most the six roster
 * resources, a phase naming at most those, and lastError cut to MAX_ERROR_CHARS.
 */
export function syncStatusFor(tenantId: string, runId: string): SyncStatus {
  return { tenantId: boundedText(tenantId, 128), runId: boundedText(runId, 128), mode: "planning", phase: "planning", resources: {}, records: 0, lastError: null };
}
