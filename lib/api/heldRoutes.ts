/**
 * Review of held runs and the audit log over HTTP (shapes documented in README "Held runs").
 *   GET  /api/tenants/{tenantId}/held[?status=held|approved|rejected|all]
 *   POST /api/tenants/{tenantId}/held/{runId}/approve | /reject   (optional body {"note": "..."})
 *   GET  /api/tenants/{tenantId}/audit[?limit=n]
 */
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { assertValidTenantId } from "../secrets";
import type { HeldStatus } from "../store";
import { auditLog, decideHeld, listHeld } from "../sync/heldReview";
import { actorOf } from "./actor";
import { ApiProblem, json } from "./problem";
import { readJsonBody, validate } from "./requestBody";
import type { ApiContext } from "./syncRoutes";

const STATUSES = ["held", "approved", "rejected", "all"] as const;
const decisionBody = z.strictObject({ note: z.string().max(1000, { message: "must be at most 1000 characters" }).optional() });

export async function heldRuns({ services, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const status = request.query.get("status") ?? "held";
  if (!(STATUSES as readonly string[]).includes(status)) {
    throw new ApiProblem(400, "Invalid request", `status: must be one of ${STATUSES.join(", ")}`, [{ field: "status", problem: `must be one of ${STATUSES.join(", ")}`, fix: "use e.g. ?status=held" }]);
  }
  await services.tenants.get(tenantId);
  const store = await services.stores.storeFor(tenantId);
  const held = await listHeld(store, tenantId, status === "all" ? {} : { status: status as HeldStatus });
  return json(200, { tenantId, held });
}

export async function decideHeldRun({ services, request }: ApiContext, tenantId: string, runId: string, decision: "approve" | "reject"): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const body = validate(decisionBody, (await readJsonBody(request)) ?? {}, { note: "send a short text saying why, or leave it out" });
  await services.tenants.get(tenantId);
  const store = await services.stores.storeFor(tenantId);
  const result = await decideHeld({ store, now: services.now, leaseTtlMs: services.settings.SYNC_LEASE_SECONDS * 1000 }, tenantId, runId, { decision, actor: actorOf(request, services.settings.WEBSITE_AUTH_ENABLED === true), note: body.note });
  return json(200, result);
}

export async function auditEntries({ services, request }: ApiContext, tenantId: string): Promise<HttpResponseInit> {
  assertValidTenantId(tenantId);
  const limitText = request.query.get("limit") ?? "100";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000) {
    throw new ApiProblem(400, "Invalid request", "limit: must be a whole number from 1 to 1000", [{ field: "limit", problem: "must be a whole number from 1 to 1000", fix: "use e.g. ?limit=100" }]);
  }
  await services.tenants.get(tenantId);
  const store = await services.stores.storeFor(tenantId);
  return json(200, { tenantId, entries: await auditLog(store, tenantId, limit) });
}
