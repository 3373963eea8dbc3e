import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import { ApiProblem } from "./problem";

/**
 * Per-tenant access for callers signed in with Microsoft Entra ID through App Service
 * Authentication ("Easy Auth"). Function keys are for operators: a key opens every tenant. Vendors
 * and district staff get app roles instead, and the `/api/me/...` routes let them reach only the
 * tenants their roles name:
 *
 *   CleverSync.Operator          every tenant, every action (token refresh, enable/disable, ...)
 *   CleverSync.Tenant.{tenantId} that tenant only: read it and start its syncs
 *   CleverSync.Viewer.{tenantId} that tenant only, read-only (the dashboard's tenant viewer)
 *
 * App Service validates the token and passes its claims to the app in the `x-ms-client-principal`
 * header, base64 JSON `{auth_typ, name_typ, role_typ, claims: [{typ, val}]}`; external requests
 * cannot set that header (learn.microsoft.com/azure/app-service/configure-authentication-user-identities,
 * "Access user claims in app code" / "Decoding the client principal header").
 *
 * That guarantee holds only when App Service Authentication is on. App Service then sets
 * `WEBSITE_AUTH_ENABLED=true`, and the Functions host itself trusts the header only in that case
 * (Azure/azure-functions-host: EnvironmentSettingNames.EasyAuthEnabled = "WEBSITE_AUTH_ENABLED",
 * AuthenticationLevelHandler reads GetAppServiceIdentity only when IsEasyAuthEnabled). We do the
 * same: without it every `/api/me` request is refused, whatever headers it carries.
 */
export const OPERATOR_ROLE = "CleverSync.Operator";

/**
 * Where a browser starts App Service Authentication's Entra ID sign-in (the provider's login
 * endpoint is /.auth/login/<provider>, "aad" for Microsoft Entra ID:
 * learn.microsoft.com/azure/app-service/configure-authentication-customize-sign-in-out).
 */
export const ENTRA_SIGN_IN_PATH = "/.auth/login/aad";
export const TENANT_ROLE_PREFIX = "CleverSync.Tenant.";
export const VIEWER_ROLE_PREFIX = "CleverSync.Viewer.";

/** What a route does to a tenant, and so which roles open it. */
export type TenantAccess = "read" | "sync" | "operate";

/** The role claim type App Service uses when the token does not say (`role_typ` is normally present). */
const DEFAULT_ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

const principalSchema = z.object({
  auth_typ: z.string().optional(),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })),
});

export interface Caller {
  name?: string;
  operator: boolean;
  /** Tenant ids named by CleverSync.Tenant.{id} roles. */
  tenants: ReadonlySet<string>;
  /** Tenant ids named by CleverSync.Viewer.{id} roles (read-only). */
  viewerTenants: ReadonlySet<string>;
}

const SIGN_IN_FIX =
  "sign in with Microsoft Entra ID through the app's App Service Authentication and send the access token (Authorization: Bearer ...); operators with a function key use the /api/tenants routes instead";

/** The signed-in caller of a `/api/me` route, or a 401 problem. */
export function callerOf(request: HttpRequest, appServiceAuthEnabled: boolean): Caller {
  if (!appServiceAuthEnabled) {
    throw new ApiProblem(401, "Sign-in required", `These routes serve callers signed in through App Service Authentication, which is not enabled here. Fix: ${SIGN_IN_FIX}.`);
  }
  const header = request.headers.get("x-ms-client-principal");
  if (!header) throw new ApiProblem(401, "Sign-in required", `No signed-in caller. Fix: ${SIGN_IN_FIX}.`, undefined, { signIn: ENTRA_SIGN_IN_PATH });
  let parsed: z.infer<typeof principalSchema>;
  try {
    parsed = principalSchema.parse(JSON.parse(Buffer.from(header, "base64").toString("utf8")));
  } catch {
    throw new ApiProblem(401, "Sign-in required", `The client principal could not be read. Fix: ${SIGN_IN_FIX}.`);
  }
  const roleType = parsed.role_typ ?? DEFAULT_ROLE_CLAIM;
  const roles = parsed.claims.filter((c) => c.typ === roleType || c.typ === "roles").map((c) => c.val);
  const nameClaim = parsed.name_typ ? parsed.claims.find((c) => c.typ === parsed.name_typ) : undefined;
  return {
    name: nameClaim?.val,
    operator: roles.includes(OPERATOR_ROLE),
    tenants: rolesWithPrefix(roles, TENANT_ROLE_PREFIX),
    viewerTenants: rolesWithPrefix(roles, VIEWER_ROLE_PREFIX),
  };
}

function rolesWithPrefix(roles: string[], prefix: string): Set<string> {
  return new Set(roles.filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length)));
}

export function mayReach(caller: Caller, tenantId: string, access: TenantAccess = "read"): boolean {
  if (caller.operator) return true;
  if (access === "operate") return false;
  return caller.tenants.has(tenantId) || (access === "read" && caller.viewerTenants.has(tenantId));
}

/**
 * Refuses a tenant the caller has no role for — before anything is looked up, with the same
 * answer whether or not the tenant exists, so a caller learns nothing about other tenants.
 */
export function assertMayReach(caller: Caller, tenantId: string, access: TenantAccess = "read"): void {
  if (mayReach(caller, tenantId, access)) return;
  if (mayReach(caller, tenantId, "read")) {
    const role = access === "operate" ? OPERATOR_ROLE : `${TENANT_ROLE_PREFIX}${tenantId} (or ${OPERATOR_ROLE})`;
    throw new ApiProblem(403, "Not allowed", `Your roles let you read tenant '${tenantId}' but not do this. Fix: ask an administrator for the app role ${role}.`);
  }
  throw new ApiProblem(403, "Not your tenant", `Your roles do not include tenant '${tenantId}'. Fix: ask an administrator to assign you the app role ${TENANT_ROLE_PREFIX}${tenantId} (or ${OPERATOR_ROLE}).`);
}
