import type { HttpResponseInit } from "@azure/functions";
import { assertValidTenantId } from "../secrets";
import { assertMayReach, Caller, callerOf, mayReach, type TenantAccess } from "./callerAccess";
import { json } from "./problem";
import type { ApiContext } from "./syncRoutes";

type Route = (api: ApiContext, params: Record<string, string>) => Promise<HttpResponseInit>;

/**
 * A `/api/me/tenants/{tenantId}/...` route: the signed-in caller must hold a role for that
 * tenant (see callerAccess.ts) before the operator route it wraps runs at all.
 */
export function forCallerTenant(route: Route, access: TenantAccess = "read"): Route {
  return async (api, params) => {
    const caller = callerOf(api.request, api.services.settings.WEBSITE_AUTH_ENABLED);
    assertValidTenantId(params.tenantId);
    assertMayReach(caller, params.tenantId, access);
    return route(api, params);
  };
}

/** A `/api/me/...` route that is not about one tenant: it gets the caller to filter by. */
export function forCaller(route: (api: ApiContext, caller: Caller) => Promise<HttpResponseInit>): (api: ApiContext) => Promise<HttpResponseInit> {
  return async (api) => route(api, callerOf(api.request, api.services.settings.WEBSITE_AUTH_ENABLED));
}

/** GET /api/me/tenants: the tenants the signed-in caller may reach, and who the caller is. */
export async function myTenants(api: ApiContext): Promise<HttpResponseInit> {
  const caller: Caller = callerOf(api.request, api.services.settings.WEBSITE_AUTH_ENABLED);
  const tenants = (await api.services.tenants.list()).filter((t) => mayReach(caller, t.id));
  return json(200, {
    caller: callerView(caller),
    tenants: tenants.map(({ etag: _etag, ...tenant }) => tenant),
  });
}

/** Who the caller is and what it may do, for the dashboard to show only the actions it can take. */
export function callerView(caller: Caller): { name: string | null; operator: boolean; syncTenants: string[]; viewerTenants: string[] } {
  return { name: caller.name ?? null, operator: caller.operator, syncTenants: [...caller.tenants].sort(), viewerTenants: [...caller.viewerTenants].sort() };
}
