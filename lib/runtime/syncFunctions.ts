import type { DurableClient } from "durable-functions";
import { CleverClient } from "../clever";
import { failureKind, failureMessage } from "../errors/failureKind";
import { CredentialsNotFoundError } from "../secrets";
import { applyEvents, EventsSyncInput } from "../sync/eventsSync";
import { ResourceSyncInput, syncResource } from "../sync/resourceSync";
import { guardPolicy } from "../sync/guard";
import { RunLease } from "../sync/lease";
import { finishRun, FinishInput, FinishResult, planRun, PlanInput } from "../sync/runLifecycle";
import { EventsResult, ResourceResult, SyncPlan } from "../sync/types";
import { Services } from "./services";
import { cleverMetricsToTelemetry } from "../telemetry";
import { registerSecrets, syncFinished, syncStarted } from "./telemetryEvents";
import { tenantTokenProvider } from "./tokenFunctions";

/** Everything one tenant's sync activity needs, closed again when the activity ends. */
async function withTenantSync<T>(services: Services, client: DurableClient, tenantId: string, activity: string, work: (deps: SyncContext) => Promise<T>, runId?: string): Promise<T> {
  const tenant = await services.tenants.get(tenantId);
  // Missing credentials fail here, naming the setting or secret, rather than after the token wait
  // as "no usable token" (the keeper's refresh fails on them out of the activity's sight). A store
  // that cannot be read is left to the token path: a cached token may still carry the sync.
  await services.credentials.getCleverCredentials(tenantId).catch((error: unknown) => {
    if (error instanceof CredentialsNotFoundError) throw error;
  });
  const store = await services.stores.storeFor(tenantId);
  const clever = new CleverClient({
    tokenProvider: tenantTokenProvider(services, client, tenantId, activity),
    baseUrl: services.settings.CLEVER_API_BASE_URL,
    apiVersion: services.settings.CLEVER_API_VERSION,
    pageSize: tenant.settings.pageSize ?? services.settings.SYNC_PAGE_SIZE,
    sleep: services.cleverSleep,
    maxResponseBytes: services.settings.CLEVER_MAX_RESPONSE_BYTES,
    onMetric: cleverMetricsToTelemetry(services.logger, { tenantId }),
  });
  try {
    const leaseTtlMs = services.settings.SYNC_LEASE_SECONDS * 1000;
    const lease = runId ? new RunLease({ store, now: services.now, leaseTtlMs }, tenantId, runId) : undefined;
    return await work({
      store,
      clever,
      checkpoints: services.checkpoints,
      now: services.now,
      resources: tenant.settings.resources,
      pageSize: tenant.settings.pageSize ?? services.settings.SYNC_PAGE_SIZE,
      leaseTtlMs,
      lease,
      guard: guardPolicy(tenant.settings.deletionGuard),
      districtId: tenant.cleverDistrictId,
      maxRecordBytes: services.settings.CLEVER_MAX_RECORD_BYTES,
      eventsMaxAgeDays: services.settings.SYNC_EVENTS_MAX_AGE_DAYS,
    });
  } finally {
    await clever.close();
    await registerSecrets(services, tenantId);
  }
}

type SyncContext = Parameters<typeof syncResource>[0] & { resources?: readonly string[]; leaseTtlMs: number; eventsMaxAgeDays?: number };

/**
 * Plans a run. A failure no retry can fix (failureKind: missing credentials, a name that does not
 * resolve, a refused login or connection) comes back as a value, not a throw: durable retry would
 * only wait its backoff before failing the same way, and the user would hear of it minutes later.
 */
export async function planSyncRunActivity(services: Services, client: DurableClient, input: PlanInput): Promise<SyncPlan> {
  let plan: SyncPlan;
  try {
    plan = await withTenantSync(services, client, input.tenantId, "planSyncRun", (deps) => planRun(deps, input));
  } catch (error) {
    if (failureKind(error) !== "permanent") throw error;
    return { mode: input.mode, resources: [], eventsCursorAtStart: null, reason: "", permanentFailure: failureMessage(error) };
  }
  syncStarted(services, input.tenantId, input.runId, plan);
  return plan;
}

export function syncResourceActivity(services: Services, client: DurableClient, input: ResourceSyncInput): Promise<ResourceResult> {
  return withTenantSync(services, client, input.tenantId, "syncResource", (deps) => syncResource(deps, input), input.runId);
}

export function applySyncEventsActivity(services: Services, client: DurableClient, input: EventsSyncInput): Promise<EventsResult> {
  return withTenantSync(services, client, input.tenantId, "applySyncEvents", (deps) => applyEvents(deps, input), input.runId);
}

export async function finishSyncRunActivity(services: Services, input: FinishInput): Promise<FinishResult> {
  const store = await services.stores.storeFor(input.tenantId);
  const result = await finishRun({ store, now: services.now, quarantineRetentionDays: services.settings.QUARANTINE_RETENTION_DAYS }, input);
  const run = (await store.listRuns(input.tenantId, 20)).find((r) => r.runId === input.runId);
  syncFinished(services, input, run?.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined, result);
  return result;
}
