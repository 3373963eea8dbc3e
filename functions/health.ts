import { app } from "@azure/functions";
import * as df from "durable-functions";
import { createHealthRuntime } from "../lib/health/fromServices";
import { processHealth } from "../lib/health/holder";
import { cleverAuthResponse, healthResponse, livenessResponse, readinessResponse } from "../lib/health/httpHandlers";
import { processServices } from "../lib/runtime/services";

// One snapshot per process, built from the process's services on the first health request.
const health = () => processHealth.get(() => createHealthRuntime(processServices.get()));

// /health and /health/clever-auth take a durable client: the token keeper check reads through it.
// /health is the probe under load, so it declares the binding itself and builds the client only
// while the keeper check has none (df.app.client.http would build one on every request).
app.http("health", { route: "health", methods: ["GET"], authLevel: "anonymous", extraInputs: [df.input.durableClient()], handler: async (_request, context) => healthResponse(health, () => df.getClient(context)) });
app.http("healthLive", { route: "health/live", methods: ["GET"], authLevel: "anonymous", handler: async () => livenessResponse() });
app.http("healthReady", { route: "health/ready", methods: ["GET"], authLevel: "anonymous", handler: async () => readinessResponse(health) });
df.app.client.http("healthCleverAuth", { route: "health/clever-auth", methods: ["GET"], authLevel: "function", handler: async (_request, client) => cleverAuthResponse(health, client) });
