import type { HttpResponseInit } from "@azure/functions";
import { assertValidTenantId } from "../secrets";
import { assertMayReach, Caller, callerOf, mayReach } from "./callerAccess";
import { json } from "./problem";
import type { ApiContext } from "./syncRoutes";

type Route = (api: ApiContext, params: Record<string, string>) => Promise<HttpResponseInit>;

/**
 * A `/api/me/tenants/{tenantId}/...` route: the signed-in caller must hold a role for that
 * tenant (see callerAccess.ts) before the operator route it wraps runs at all.
 */
export function forCallerTenant(route: Route): Route {
  return async (api, params) => {
    const caller = callerOf(api.request, api.services.settings.WEBSITE_AUTH_ENABLED);
    assertValidTenantId(params.tenantId);
    assertMayReach(caller, params.tenantId);
    return route(api, params);
  };
}

/** GET /api/me/tenants: the tenants the signed-in caller may reach, and who the caller is. */
export async function myTenants(api: ApiContext): Promise<HttpResponseInit> {
  const caller: Caller = callerOf(api.request, api.services.settings.WEBSITE_AUTH_ENABLED);
  const tenants = (await api.services.tenants.list()).filter((t) => mayReach(caller, t.id));
  return json(200, {
    caller: { name: caller.name ?? null, operator: caller.operator },
    tenants: tenants.map(({ etag: _etag, ...tenant }) => tenant),
  });
}
