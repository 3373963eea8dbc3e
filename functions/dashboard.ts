import { app } from "@azure/functions";
import { mayReach } from "../lib/api/callerAccess";
import { callerView, forCaller } from "../lib/api/callerRoutes";
import { apiRoute, durableClientInputs } from "../lib/api/handler";
import { overview } from "../lib/dashboard/overview";
import { serveDashboard } from "../lib/dashboard/page";
import { processServices } from "../lib/runtime/services";

app.http("dashboard", { route: "dashboard/{*path}", methods: ["GET"], authLevel: "anonymous", handler: serveDashboard() });
app.http("overview", { extraInputs: durableClientInputs(), route: "overview", methods: ["GET"], authLevel: "function", handler: apiRoute(() => processServices.get(), (api) => overview(api)) });
// The same for a signed-in caller (App Service Authentication): only the tenants its roles name.
app.http("myOverview", { extraInputs: durableClientInputs(),
  route: "me/overview",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: apiRoute(() => processServices.get(), forCaller((api, caller) => overview(api, { includes: (id) => mayReach(caller, id), caller: callerView(caller) }))),
});
