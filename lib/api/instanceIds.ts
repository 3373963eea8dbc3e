import { TENANT_ID_PATTERN } from "../secrets";
import { ApiProblem } from "./problem";

/**
 * Run ids as the starter makes them (`20261125T090000Z`, optionally with milliseconds and a
 * `-suffix`): letters, digits, hyphens and single dots. Nothing that a URL parser treats
 * specially (`/`, `..`, `%`, `?`, `#`, `\`) can pass, which matters because the real DurableClient puts the raw instance id into its request
 * path (`new URL("instances/" + instanceId, rpcBaseUrl)` in durable-functions
 * lib/src/durableClient/DurableClient.js): `sync:a:x/../../instances/sync:b:y` would resolve to
 * another tenant's instance.
 */
const RUN_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]|\.(?![.]|$)){0,79}$/;

const SYNC_ID_FIX = "use the instance id returned when the sync started: sync:{tenantId}:{runId}, where runId has only letters, digits, hyphens and single dots";

/**
 * Accepts exactly `sync:{tenantId}:{runId}` of this tenant. A malformed id is a 400 naming the
 * field; a well-formed id of another tenant is a 404, the same answer as a run that does not
 * exist, so a caller learns nothing about other tenants.
 */
export function assertTenantSyncInstanceId(tenantId: string, instanceId: string): void {
  const parts = instanceId.split(":");
  const wellFormed = parts.length === 3 && parts[0] === "sync" && TENANT_ID_PATTERN.test(parts[1]) && RUN_ID_PATTERN.test(parts[2]);
  if (!wellFormed) {
    throw new ApiProblem(400, "Invalid instance id", `instanceId: is not a sync instance id. Fix: ${SYNC_ID_FIX}.`, [
      { field: "instanceId", problem: "is not a sync instance id (sync:{tenantId}:{runId})", fix: SYNC_ID_FIX },
    ]);
  }
  if (parts[1] !== tenantId) throw runNotFound(tenantId, instanceId);
}

export function runNotFound(tenantId: string, instanceId: string): ApiProblem {
  return new ApiProblem(404, "Sync run not found", `Tenant '${tenantId}' has no sync instance '${instanceId}'. Fix: use the instance id returned when the sync started (sync:${tenantId}:<runId>).`);
}
