import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { z } from "zod";
import type { Services } from "../runtime/services";
import { assertValidTenantId } from "../secrets";
import { runningSync, startSync, SyncAlreadyRunningError } from "../sync/starter";
import { assertTenantSyncInstanceId, runNotFound } from "./instanceIds";
import { runAccepted, startOrConflict } from "./startRace";
import { durableKeeperSignal, policyFromSettings, tokenKeeperInstanceId } from "../tokens";
import { auditAction } from "./auditAction";
import { ApiProblem, json } from "./problem";
import { readJsonBody, validate } from "./requestBody";
import { durableInstanceLookup, reconcileRuns } from "../sync/runReconcile";
import { assertSchoolToSync, SCHOOL_ID_PATTERN, SchoolToSyncError } from "../sync/schoolScope";

export interface ApiContext {
  services: Services;
  client: DurableClient;
  request: HttpRequest;
}

const startSyncBody = z.strictObject({ mode: z.enum(["full", "incremental"], { message: 'must be "full" or "incremental"' }).optional() });
const START_FIXES = { mode: 'send "full" to re-read everything, or "incremental" (the default) to apply Clever events since the last sync' };
/** One tenant's start may name a school: a full sync of just that school. */
const startTenantSyncBody = startSyncBody.extend({
  school: z.string({ message: "must be a string" }).regex(SCHOOL_ID_PATTERN, { message: "must be a Clever id (24 hexadecimal digits)" }).optional(),
});
const START_TENANT_FIXES = { ...START_FIXES, school: "send the school's Clever id (24 hexadecimal digits), as in the schools table of the mirror" };

/**
 * `?mode=full` is honoured like `{"mode": "full"}` (it used to be ignored silently, running an
 * incremental sync); the same validation applies, and a query and body that disagree are a 400.
 */
function withQueryMode(request: HttpRequest, body: unknown): unknown {
  const mode = request.query.get("mode");
  if (mode === null) return body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const fromBody = (body as { mode?: unknown }).mode;
  if (fromBody !== undefined && fromBody !== mode) {
    throw new ApiProblem(400, "Invalid request", "mode: the query (?mode=) and the body disagree", [{ field: "mode", problem: "given twice with different values", fix: "send mode once, in the query or in the body" }]);
  }
  return { ...body, mode };
}

/** POST /api/tenants/{tenantId}/sync → 202 with the run's id and its tenant-scoped status URL. */
export async function startTenantSync({ services, client, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const body = validate(startTenantSyncBody, withQueryMode(request, (await readJsonBody(request)) ?? {}), START_TENANT_FIXES);
  if (body.school !== undefined && body.mode === "incremental") {
    throw new ApiProblem(400, "Invalid request", 'school: a school sync is always full', [{ field: "school", problem: 'cannot be combined with mode "incremental"', fix: 'send "mode": "full" with the school, or leave the school out' }]);
  }
  const tenant = await services.tenants.get(tenantId);
  if (!tenant.enabled) throw new ApiProblem(409, "Tenant disabled", `Tenant '${tenantId}' is disabled. Fix: enable it (PUT /api/tenants/${tenantId} with "enabled": true) before syncing.`);
  const store = await services.stores.storeFor(tenantId);
  if (body.school !== undefined) await schoolOrProblem(store, tenantId, body.school);
  const mode = body.school !== undefined ? "full" : (body.mode ?? "incremental");
  const instanceId = await startOrConflict(client, tenantId, () => startSync({ store, settings: services.settings, now: services.now }, client, tenantId, mode, "api", body.school));
  await auditAction({ services, request }, { tenantId, action: "sync.start", target: instanceId, details: { mode, ...(body.school ? { school: body.school } : {}) } }, store);
  return runAccepted(request, tenantId, instanceId);
}

/** The school check as a problem+json answer naming the field (400 malformed, 404 not in the mirror). */
async function schoolOrProblem(store: Parameters<typeof assertSchoolToSync>[0], tenantId: string, school: string): Promise<void> {
  try {
    await assertSchoolToSync(store, tenantId, school);
  } catch (error) {
    if (!(error instanceof SchoolToSyncError)) throw error;
    throw new ApiProblem(error.status, error.status === 404 ? "Unknown school" : "Invalid request", error.message, [{ field: "school", problem: error.problem, fix: error.fix }]);
  }
}

/** POST /api/sync → starts a sync for every enabled tenant that has none running. */
export async function startAllSyncs({ services, client, request }: ApiContext): Promise<HttpResponseInit> {
  const body = validate(startSyncBody, withQueryMode(request, (await readJsonBody(request)) ?? {}), START_FIXES);
  const started: { tenantId: string; instanceId: string }[] = [];
  const skipped: { tenantId: string; reason: string; instanceId?: string }[] = [];
  for (const tenant of await services.tenants.list({ enabledOnly: true })) {
    try {
      const store = await services.stores.storeFor(tenant.id);
      const mode = body.mode ?? "incremental";
      const instanceId = await startOrConflict(client, tenant.id, () => startSync({ store, settings: services.settings, now: services.now }, client, tenant.id, mode, "api"));
      started.push({ tenantId: tenant.id, instanceId });
      await auditAction({ services, request }, { tenantId: tenant.id, action: "sync.start", target: instanceId, details: { mode, all: true } }, store);
    } catch (error) {
      if (!(error instanceof SyncAlreadyRunningError)) throw error;
      skipped.push({ tenantId: tenant.id, reason: "a sync is already running", instanceId: error.instanceId });
    }
  }
  return json(202, { started, skipped });
}

/** GET /api/tenants/{tenantId}/sync/{instanceId} → runtime status and progress of one run. */
export async function syncStatus({ client }: ApiContext, tenantId: string, instanceId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  // Tenant isolation: a tenant's URL only ever shows that tenant's runs, and only a strictly
  // well-formed id ever reaches the durable client (which puts it into a URL path as it is).
  assertTenantSyncInstanceId(tenantId, instanceId);
  const status = await client.getStatus(instanceId).catch(() => undefined);
  if (!status) throw runNotFound(tenantId, instanceId);
  return json(200, {
    instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    progress: status.customStatus ?? null,
    result: status.runtimeStatus === "Completed" ? status.output : null,
  });
}

/** GET /api/tenants/{tenantId}/runs?limit=n → recent run summaries from SQL. */
export async function recentRuns({ services, client, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const limitText = request.query.get("limit") ?? "20";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 200) {
    throw new ApiProblem(400, "Invalid request", "limit: must be a whole number from 1 to 200", [{ field: "limit", problem: "must be a whole number from 1 to 200", fix: "use e.g. ?limit=20" }]);
  }
  await services.tenants.get(tenantId);
  const store = await services.stores.storeFor(tenantId);
  // A run whose instance is gone or ended without closing it is closed on read, with the reason.
  const runs = await reconcileRuns(store, await store.listRuns(tenantId, limit), durableInstanceLookup(client), services.now);
  return json(200, { tenantId, runs });
}

/** POST /api/tenants/{tenantId}/token/refresh → raises refreshNow on token:{tenantId}. */
export async function refreshToken({ services, client, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  await services.tenants.get(tenantId);
  await durableKeeperSignal(client, policyFromSettings(services.settings), "api").requestRefresh(tenantId);
  await auditAction({ services, request }, { tenantId, action: "token.refresh", target: tokenKeeperInstanceId(tenantId) });
  return json(202, { instanceId: tokenKeeperInstanceId(tenantId), requested: "refreshNow" });
}

/** For the scheduler and tests: is a sync of this tenant running? */
export { runningSync };
