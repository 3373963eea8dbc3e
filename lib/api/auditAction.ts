/**
 * Operator actions taken through the API — start a sync, refresh a token, create, change or
 * remove a tenant — go to the tenant's audit log beside the held-run decisions: who (actorOf),
 * when, what. The entry is written after the action succeeded; if writing it fails the action is
 * not undone (it already happened) and the API answers as usual, but the failure is logged as an
 * error carrying the whole entry, so the record is never silently lost.
 */
import type { RosterStore } from "../store";
import { actorOf } from "./actor";
import type { ApiContext } from "./syncRoutes";

export type AuditedAction = "sync.start" | "token.refresh" | "tenant.create" | "tenant.update" | "tenant.enable" | "tenant.disable" | "tenant.delete";

export async function auditAction(
  { services, request }: Pick<ApiContext, "services" | "request">,
  entry: { tenantId: string; action: AuditedAction; target: string; details?: Record<string, unknown> },
  store?: RosterStore,
): Promise<void> {
  const record = {
    tenantId: entry.tenantId,
    at: new Date(services.now()).toISOString(),
    actor: actorOf(request, services.settings.WEBSITE_AUTH_ENABLED === true),
    action: entry.action,
    target: entry.target,
    details: entry.details ?? {},
  };
  try {
    await (store ?? (await services.stores.storeFor(entry.tenantId))).appendAudit(record);
  } catch (error) {
    services.logger.error("Audit entry not recorded: the action happened, its audit record did not", { ...record, details: JSON.stringify(record.details), error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}
