import { app } from "@azure/functions";
import * as df from "durable-functions";
import { mayReach } from "../lib/api/callerAccess";
import { callerView, forCaller } from "../lib/api/callerRoutes";
import { apiRoute } from "../lib/api/handler";
import { loadDashboardAssets, type DashboardAsset } from "../lib/dashboard/assets";
import { overview } from "../lib/dashboard/overview";
import { dashboardAssetResponse } from "../lib/dashboard/page";
import { processServices } from "../lib/runtime/services";

let assets: ReadonlyMap<string, DashboardAsset> | undefined;

app.http("dashboard", {
  route: "dashboard/{*path}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (request) => dashboardAssetResponse((assets ??= loadDashboardAssets()), { path: request.params.path, urlPath: new URL(request.url).pathname, ifNoneMatch: request.headers.get("if-none-match") }),
});
df.app.client.http("overview", { route: "overview", methods: ["GET"], authLevel: "function", handler: apiRoute(() => processServices.get(), (api) => overview(api)) });
// The same for a signed-in caller (App Service Authentication): only the tenants its roles name.
df.app.client.http("myOverview", {
  route: "me/overview",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: apiRoute(() => processServices.get(), forCaller((api, caller) => overview(api, { includes: (id) => mayReach(caller, id), caller: callerView(caller) }))),
});
