/**
 * The health endpoints. Each answers from the snapshot (or, for liveness, from nothing at all):
 * no request probes a dependency. ASP.NET Core's health JSON; 503 only when Unhealthy; never cached.
 */
import type { HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { createRedactor } from "../telemetry";
import { bindDurableClient, type DurableClientSource, type HealthRuntime } from "./holder";
import { livenessReport } from "./liveness";
import { buildReport, httpStatusFor, type HealthReport } from "./report";
import { describeFailure, safeDescription } from "./snapshot";
import { cleverAuthReport, overallReport, readinessReport } from "./views";

/** Returns the process's health runtime; throws when it cannot be built (invalid settings). */
export type HealthRuntimeProvider = () => HealthRuntime;

const startedAt = Date.now();

function respond(report: HealthReport): HttpResponseInit {
  return { status: httpStatusFor(report), jsonBody: report, headers: { "cache-control": "no-store" } };
}

/**
 * The view of the runtime, or a 503 naming why there is none (typically invalid settings: a
 * SettingsError names settings, never values; the redactor catches anything else secret-looking).
 */
function withRuntime(provide: HealthRuntimeProvider, view: (runtime: HealthRuntime) => HealthReport): HttpResponseInit {
  try {
    return respond(view(provide()));
  } catch (error) {
    const description = safeDescription(describeFailure(error), createRedactor());
    return respond(buildReport({ configuration: { status: "Unhealthy", description, duration: "00:00:00.0000000", data: {} } }, 0));
  }
}

/** GET /api/health/live: the process answers. Touches nothing else. */
export function livenessResponse(): HttpResponseInit {
  return respond(livenessReport(startedAt));
}

/**
 * GET /api/health: host, dependencies and token health counts; no tenant ids. Pass the client
 * lazily (`() => df.getClient(context)`): it is built only until the keeper check has one.
 */
export function healthResponse(provide: HealthRuntimeProvider, client?: DurableClientSource): HttpResponseInit {
  return withRuntime(provide, (runtime) => {
    if (client) bindDurableClient(runtime, client);
    return overallReport(runtime.snapshot, livenessReport(startedAt).entries.host);
  });
}

/** GET /api/health/ready: Key Vault, SQL, Tables and Clever reachability. */
export function readinessResponse(provide: HealthRuntimeProvider): HttpResponseInit {
  return withRuntime(provide, (runtime) => readinessReport(runtime.snapshot));
}

/** GET /api/health/clever-auth (function key): each enabled tenant's token state. */
export function cleverAuthResponse(provide: HealthRuntimeProvider, client: Pick<DurableClient, "getStatusBy">): HttpResponseInit {
  return withRuntime(provide, (runtime) => {
    bindDurableClient(runtime, client);
    return cleverAuthReport(runtime.snapshot);
  });
}
