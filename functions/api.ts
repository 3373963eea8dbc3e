import { app } from "@azure/functions";
import { forCallerTenant, myTenants } from "../lib/api/callerRoutes";
import { apiRoute, durableClientInputs } from "../lib/api/handler";
import { recentRuns, refreshToken, startAllSyncs, startTenantSync, syncStatus } from "../lib/api/syncRoutes";
import { auditEntries, decideHeldRun, heldRuns } from "../lib/api/heldRoutes";
import { deleteTenant, getTenant, listTenants, putTenant } from "../lib/api/tenantRoutes";
import { processServices } from "../lib/runtime/services";

const services = () => processServices.get();
const fn = "function" as const;

app.http("startTenantSync", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/sync", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => startTenantSync(api, p.tenantId)) });
app.http("startAllSyncs", { extraInputs: durableClientInputs(), route: "sync", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api) => startAllSyncs(api)) });
app.http("syncStatus", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/sync/{instanceId}", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => syncStatus(api, p.tenantId, p.instanceId)) });
app.http("recentRuns", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/runs", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => recentRuns(api, p.tenantId)) });
app.http("requestTokenRefresh", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/token/refresh", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => refreshToken(api, p.tenantId)) });
app.http("listTenants", { extraInputs: durableClientInputs(), route: "tenants", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api) => listTenants(api)) });
app.http("getTenant", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => getTenant(api, p.tenantId)) });
app.http("putTenant", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}", methods: ["PUT"], authLevel: fn, handler: apiRoute(services, (api, p) => putTenant(api, p.tenantId)) });
app.http("deleteTenant", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}", methods: ["DELETE"], authLevel: fn, handler: apiRoute(services, (api, p) => deleteTenant(api, p.tenantId)) });
app.http("heldRuns", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/held", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => heldRuns(api, p.tenantId)) });
app.http("approveHeldRun", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/held/{runId}/approve", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => decideHeldRun(api, p.tenantId, p.runId, "approve")) });
app.http("rejectHeldRun", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/held/{runId}/reject", methods: ["POST"], authLevel: fn, handler: apiRoute(services, (api, p) => decideHeldRun(api, p.tenantId, p.runId, "reject")) });
app.http("auditLog", { extraInputs: durableClientInputs(), route: "tenants/{tenantId}/audit", methods: ["GET"], authLevel: fn, handler: apiRoute(services, (api, p) => auditEntries(api, p.tenantId)) });

// Signed-in callers (App Service Authentication, Entra ID app roles) reach only their tenants; the
// host asks no key here because these callers hold none — lib/api/callerAccess.ts refuses anyone
// without a trusted client principal. See docs/access.md.
const anon = "anonymous" as const;
app.http("myTenants", { extraInputs: durableClientInputs(), route: "me/tenants", methods: ["GET"], authLevel: anon, handler: apiRoute(services, (api) => myTenants(api)) });
app.http("myTenant", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => getTenant(api, p.tenantId))) });
app.http("myStartSync", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/sync", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => startTenantSync(api, p.tenantId), "sync")) });
app.http("mySyncStatus", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/sync/{instanceId}", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => syncStatus(api, p.tenantId, p.instanceId))) });
app.http("myRuns", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/runs", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => recentRuns(api, p.tenantId))) });
app.http("myTokenRefresh", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/token/refresh", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => refreshToken(api, p.tenantId), "operate")) });
app.http("myPutTenant", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}", methods: ["PUT"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => putTenant(api, p.tenantId), "operate")) });
app.http("myHeldRuns", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/held", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => heldRuns(api, p.tenantId))) });
app.http("myApproveHeldRun", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/held/{runId}/approve", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => decideHeldRun(api, p.tenantId, p.runId, "approve"), "operate")) });
app.http("myRejectHeldRun", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/held/{runId}/reject", methods: ["POST"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => decideHeldRun(api, p.tenantId, p.runId, "reject"), "operate")) });
app.http("myAuditLog", { extraInputs: durableClientInputs(), route: "me/tenants/{tenantId}/audit", methods: ["GET"], authLevel: anon, handler: apiRoute(services, forCallerTenant((api, p) => auditEntries(api, p.tenantId))) });
