import { app } from "@azure/functions";
import { healthResponse } from "../lib/health/httpHandlers";

app.http("health", { route: "health", methods: ["GET"], authLevel: "anonymous", handler: async () => healthResponse() });
