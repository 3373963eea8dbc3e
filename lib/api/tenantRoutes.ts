import type { HttpResponseInit } from "@azure/functions";
import { assertValidTenantId } from "../secrets";
import type { Tenant } from "../tenants";
import { tokenKeeperInstanceId } from "../tokens";
import { auditAction } from "./auditAction";
import { ApiProblem, json } from "./problem";
import { readJsonBody } from "./requestBody";
import type { ApiContext } from "./syncRoutes";

/** The tenant as the API shows it: everything but storage internals (no secrets are stored). */
function view(tenant: Tenant): Record<string, unknown> {
  const { etag: _etag, ...rest } = tenant;
  return rest;
}

export async function listTenants({ services }: ApiContext): Promise<HttpResponseInit> {
  const tenants = await services.tenants.list();
  return json(200, { tenants: tenants.map(view) });
}

export async function getTenant({ services }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const tenant = await services.tenants.get(tenantId);
  return json(200, view(tenant), { etag: tenant.etag });
}

/** PUT: create or replace; If-Match makes it conditional (412 when stale). */
export async function putTenant({ services, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const body = await readJsonBody(request);
  if (body === undefined) throw new ApiProblem(400, "Body required", "Send the tenant as a JSON object, e.g. {\"displayName\": \"Springfield\", \"cleverDistrictId\": \"<24 hex>\"}.");
  const fields = body as Record<string, unknown>;
  if ("id" in fields && fields.id !== tenantId) {
    throw new ApiProblem(400, "Invalid request", "id: does not match the tenant id in the URL", [{ field: "id", problem: "does not match the tenant id in the URL", fix: "leave id out of the body, or make it equal to the URL's" }]);
  }
  const ifMatch = request.headers.get("if-match") ?? undefined;
  const before = await services.tenants.get(tenantId).catch(() => undefined);
  const { tenant, created } = await services.tenants.upsert({ ...fields, id: tenantId }, { ifMatch });
  const action = created ? "tenant.create" : before?.enabled !== tenant.enabled ? (tenant.enabled ? "tenant.enable" : "tenant.disable") : "tenant.update";
  await auditAction({ services, request }, { tenantId, action, target: tenantId, details: { fields: Object.keys(fields).sort(), enabled: tenant.enabled } });
  return json(created ? 201 : 200, view(tenant), { etag: tenant.etag });
}

/** DELETE: the registry entry, its checkpoints, its cached token and its token keeper. Rows stay in SQL. */
export async function deleteTenant({ services, client, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  // The tenant's database is found through its registry entry: resolve it before the entry goes.
  const store = await services.stores.storeFor(tenantId).catch(() => undefined);
  await services.tenants.remove(tenantId, { ifMatch: request.headers.get("if-match") ?? undefined });
  await auditAction({ services, request }, { tenantId, action: "tenant.delete", target: tenantId }, store);
  await services.checkpoints.clear(tenantId);
  await services.tokenCache.delete(tenantId);
  await client.terminate(tokenKeeperInstanceId(tenantId), "tenant deleted").catch(() => undefined);
  return { status: 204 };
}
