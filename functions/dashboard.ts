import { app } from "@azure/functions";
import * as df from "durable-functions";
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
