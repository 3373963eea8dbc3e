import { app } from "@azure/functions";
import * as df from "durable-functions";
import { mayReach } from "../lib/api/callerAccess";
import { callerView, forCaller } from "../lib/api/callerRoutes";
import { apiRoute } from "../lib/api/handler";
import { overview } from "../lib/dashboard/overview";
import { serveDashboard } from "../lib/dashboard/page";
import { processServices } from "../lib/runtime/services";

app.http("dashboard", { route: "dashboard/{*path}", methods: ["GET"], authLevel: "anonymous", handler: serveDashboard() });
df.app.client.http("overview", { route: "overview", methods: ["GET"], authLevel: "function", handler: apiRoute(() => processServices.get(), (api) => overview(api)) });
// The same for a signed-in caller (App Service Authentication): only the tenants its roles name.
df.app.client.http("myOverview", {
  route: "me/overview",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: apiRoute(() => processServices.get(), forCaller((api, caller) => overview(api, { includes: (id) => mayReach(caller, id), caller: callerView(caller) }))),
});
