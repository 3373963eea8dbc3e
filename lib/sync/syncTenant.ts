import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { failureSummary } from "../orchestration/failureSummary";
import { phasesFor } from "./catalogue";
import type { FinishInput, PlanInput } from "./runLifecycle";
import { EventsResult, ResourceResult, SyncPlan, SyncRunInput, SyncStatus } from "./types";

export const SYNC_TENANT = "syncTenant";
export const PLAN_SYNC_RUN = "planSyncRun";
export const SYNC_RESOURCE = "syncResource";
export const APPLY_SYNC_EVENTS = "applySyncEvents";
export const FINISH_SYNC_RUN = "finishSyncRun";

export function syncInstanceId(tenantId: string, runId: string): string {
  return `sync:${tenantId}:${runId}`;
}

/** A readable, sortable run id from the orchestration's start time (e.g. 20261125T090000Z). */
export function runIdFor(date: Date, suffix = ""): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "") + (suffix ? `-${suffix}` : "");
}

/**
 * One sync run of one tenant: plan → (events | phases of resources fanned out) → finish.
 * Every activity returns counts only; custom status shows phase, resources and records.
 */
export function* syncTenantOrchestrator(context: OrchestrationContext): Generator<df.Task, unknown, unknown> {
  const input = context.df.getInput<SyncRunInput>();
  const { tenantId, runId } = input;
  const retry = new df.RetryOptions(input.retry.firstRetryIntervalMs, input.retry.maxAttempts);
  retry.backoffCoefficient = input.retry.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = input.retry.maxRetryIntervalMs;

  const status: SyncStatus = { tenantId, runId, mode: "planning", phase: "planning", resources: {}, records: 0, lastError: null };
  const counts: Record<string, unknown> = {};
  let plan: SyncPlan | null = null;
  const publish = () => context.df.setCustomStatus(status);
  publish();
  try {
    const planInput: PlanInput = { tenantId, runId, mode: input.mode, instanceId: context.df.instanceId };
    plan = (yield context.df.callActivityWithRetry(PLAN_SYNC_RUN, retry, planInput)) as SyncPlan;
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
        plan = (yield context.df.callActivityWithRetry(PLAN_SYNC_RUN, retry, { ...planInput, mode: "incremental", replan: true } satisfies PlanInput)) as SyncPlan;
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
        const results = (yield context.df.Task.all(
          phase.map((resource) => context.df.callActivityWithRetry(SYNC_RESOURCE, retry, { tenantId, runId, resource })),
        )) as ResourceResult[];
        for (const result of results) {
          counts[result.resource] = result;
          status.resources[result.resource] = { state: "done", records: result.records, pages: result.pages };
          status.records += result.records;
        }
      }
    }

    const finish: FinishInput = { tenantId, runId, plan, status: "completed", counts };
    yield context.df.callActivityWithRetry(FINISH_SYNC_RUN, retry, finish);
    status.phase = "completed";
    publish();
    return { runId, mode: plan.mode, records: status.records, counts };
  } catch (error) {
    status.lastError = failureSummary(error, 500);
    status.phase = "failed";
    publish();
    const finish: FinishInput = { tenantId, runId, plan, status: "failed", counts, error: status.lastError };
    try {
      yield context.df.callActivityWithRetry(FINISH_SYNC_RUN, retry, finish);
    } catch {
      // The run summary could not be closed; the original failure is still what to report.
    }
    throw new Error(`Sync run ${runId} of tenant '${tenantId}' failed: ${status.lastError}`);
  }
}
