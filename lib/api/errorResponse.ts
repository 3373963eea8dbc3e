import type { HttpResponseInit } from "@azure/functions";
import { randomUUID } from "node:crypto";
import { SettingsError } from "../config/settings";
import { InvalidTenantIdError } from "../secrets";
import { SyncAlreadyRunningError } from "../sync/starter";
import { ApiProblem, problem } from "./problem";

interface StatusCarrying {
  httpStatus: number;
  code: string;
  message: string;
  issues?: readonly { field: string; problem: string; fix: string }[];
}

function carriesStatus(error: unknown): error is StatusCarrying {
  return typeof (error as StatusCarrying)?.httpStatus === "number" && typeof (error as StatusCarrying).code === "string";
}

/**
 * Maps what handlers throw to problem+json. Known errors say what is wrong and how to fix it;
 * anything else is a 500 with an error id to find in the logs — never a stack trace.
 */
export function errorResponse(error: unknown, log: (message: string, properties: Record<string, unknown>) => void): HttpResponseInit {
  if (error instanceof ApiProblem) return error.toResponse();
  if (error instanceof InvalidTenantIdError) {
    return problem(400, "Invalid tenant id", error.message, { issues: [{ field: "tenantId", problem: "is not a valid tenant id", fix: "use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit" }] });
  }
  if (error instanceof SyncAlreadyRunningError) return problem(409, "Sync already running", error.message, { instanceId: error.instanceId });
  if (carriesStatus(error)) return problem(error.httpStatus, error.code, error.message, error.issues ? { issues: error.issues } : {});
  if (error instanceof SettingsError) return problem(500, "The app is misconfigured", error.message);
  const errorId = randomUUID();
  log("Unhandled API error", { errorId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  return problem(500, "Internal error", `Something went wrong on our side. Quote error id ${errorId} when you report it.`, { errorId });
}
