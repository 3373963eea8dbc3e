import * as df from "durable-functions";
import { forCallerTenant, myTenants } from "../lib/api/callerRoutes";
import { apiRoute } from "../lib/api/handler";
import { recentRuns, refreshToken, startAllSyncs, startTenantSync, syncStatus } from "../lib/api/syncRoutes";
import { auditEntries, decideHeldRun, heldRuns } from "../lib/api/heldRoutes";
import { deleteTenant, getTenant, listTenants, putTenant } from "../lib/api/tenantRoutes";
import { processServices } from "../lib/runtime/services";

const services = () => processServices.get();
const fn = "function" as const;

df.app.client.http("startTenantSync", { route: "tenants/{tenantId}/sync", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => startTenantSync(api, p.tenantId)) });
df.app.client.http("startAllSyncs", { route: "sync", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api) => startAllSyncs(api)) });
df.app.client.http("syncStatus", { route: "tenants/{tenantId}/sync/{instanceId}", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => syncStatus(api, p.tenantId, p.instanceId)) });
df.app.client.http("recentRuns", { route: "tenants/{tenantId}/runs", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => recentRuns(api, p.tenantId)) });
df.app.client.http("requestTokenRefresh", { route: "tenants/{tenantId}/token/refresh", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => refreshToken(api, p.tenantId)) });
df.app.client.http("listTenants", { route: "tenants", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api) => listTenants(api)) });
df.app.client.http("getTenant", { route: "tenants/{tenantId}", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => getTenant(api, p.tenantId)) });
df.app.client.http("putTenant", { route: "tenants/{tenantId}", methods: ["PUT"], authLevel: fn, handler: apiRoute(services, (api, p) => putTenant(api, p.tenantId)) });
df.app.client.http("deleteTenant", { route: "tenants/{tenantId}", methods: ["DELETE"], authLevel: fn, handler: apiRoute(services, (api, p) => deleteTenant(api, p.tenantId)) });
df.app.client.http("heldRuns", { route: "tenants/{tenantId}/held", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => heldRuns(api, p.tenantId)) });
df.app.client.http("approveHeldRun", { route: "tenants/{tenantId}/held/{runId}/approve", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => decideHeldRun(api, p.tenantId, p.runId, "approve")) });
df.app.client.http("rejectHeldRun", { route: "tenants/{tenantId}/held/{runId}/reject", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => decideHeldRun(api, p.tenantId, p.runId, "reject")) });
df.app.client.http("auditLog", { route: "tenants/{tenantId}/audit", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => auditEntries(api, p.tenantId)) });

// Signed-in callers (App Service Authentication, Entra ID app roles) reach only their tenants; the
// host asks no key here because these callers hold none — lib/api/callerAccess.ts refuses anyone
// without a trusted client principal. See docs/access.md.
const anon = "anonymous" as const;
df.app.client.http("myTenants", { route: "me/tenants", methods: ["GET"], authLevel: anon, handler: apiRoute(services, (api) => myTenants(api)) });
df.app.client.http("myTenant", { route: "me/tenants/{tenantId}", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => getTenant(api, p.tenantId))) });
df.app.client.http("myStartSync", { route: "me/tenants/{tenantId}/sync", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => startTenantSync(api, p.tenantId), "sync")) });
df.app.client.http("mySyncStatus", { route: "me/tenants/{tenantId}/sync/{instanceId}", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => syncStatus(api, p.tenantId, p.instanceId))) });
df.app.client.http("myRuns", { route: "me/tenants/{tenantId}/runs", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => recentRuns(api, p.tenantId))) });
df.app.client.http("myTokenRefresh", { route: "me/tenants/{tenantId}/token/refresh", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => refreshToken(api, p.tenantId), "operate")) });
df.app.client.http("myPutTenant", { route: "me/tenants/{tenantId}", methods: ["PUT"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => putTenant(api, p.tenantId), "operate")) });
df.app.client.http("myHeldRuns", { route: "me/tenants/{tenantId}/held", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => heldRuns(api, p.tenantId))) });
df.app.client.http("myApproveHeldRun", { route: "me/tenants/{tenantId}/held/{runId}/approve", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => decideHeldRun(api, p.tenantId, p.runId, "approve"), "operate")) });
df.app.client.http("myRejectHeldRun", { route: "me/tenants/{tenantId}/held/{runId}/reject", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => decideHeldRun(api, p.tenantId, p.runId, "reject"), "operate")) });
df.app.client.http("myAuditLog", { route: "me/tenants/{tenantId}/audit", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => auditEntries(api, p.tenantId))) });
