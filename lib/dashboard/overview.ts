/**
 * GET /api/overview: every tenant at a glance, for the dashboard and for scripts. One durable
 * listing for keeper states and running syncs, then per tenant what its SQL store says. A tenant
 * whose store cannot be read still appears, with the reason, so one broken database never hides
 * the others.
 */
import type { HttpResponseInit } from "@azure/functions";
import { CronExpressionParser } from "cron-parser";
import { OrchestrationRuntimeStatus } from "durable-functions";
import { json } from "../api/problem";
import type { ApiContext } from "../api/syncRoutes";
import { readKeeperStatuses, type KeeperState } from "../health/keeperStatus";
import type { RosterResource, RunSummary } from "../store";
import type { Tenant } from "../tenants";
import type { TokenKeeperStatus } from "../tokens";

export interface TenantOverview {
  id: string;
  displayName: string;
  enabled: boolean;
  cleverDistrictId: string;
  syncSchedule: string;
  /** The next time the schedule fires (UTC), when the tenant is enabled. */
  nextScheduledRun: string | null;
  keeper: ({ runtimeStatus: string } & Partial<TokenKeeperStatus>) | null;
  runningInstanceId: string | null;
  lastRun: RunSummary | null;
  counts: Record<RosterResource, { live: number; deleted: number }> | null;
  quarantined: number | null;
  /** Runs whose deletions wait for review (GET /api/tenants/{id}/held). */
  held: number | null;
  /** Why counts, last run or quarantine are missing (e.g. the tenant's database is unreachable). */
  storeError: string | null;
}

const ACTIVE = [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.ContinuedAsNew, OrchestrationRuntimeStatus.Suspended];

/** The first time strictly after `now` an NCRONTAB schedule fires. */
export function nextSlot(schedule: string, now: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: now, tz: "UTC" }).next().toDate();
}

export interface OverviewScope {
  /** Only tenants this accepts (a signed-in caller's); every tenant when absent (key holders). */
  includes?: (tenantId: string) => boolean;
  /** Who asked, echoed for the dashboard (signed-in callers only). */
  caller?: unknown;
}

export async function overview({ services, client }: ApiContext, scope: OverviewScope = {}): Promise<HttpResponseInit> {
  const now = new Date(services.now());
  const [allTenants, keepers, active] = await Promise.all([services.tenants.list(), readKeeperStatuses(client), client.getStatusBy({ runtimeStatus: ACTIVE })]);
  const tenants = scope.includes ? allTenants.filter((t) => scope.includes!(t.id)) : allTenants;
  const keeperOf = new Map<string, KeeperState>(keepers.map((k) => [k.tenantId, k]));
  const runningIds = active.map((s) => s.instanceId).filter((id): id is string => typeof id === "string" && id.startsWith("sync:"));
  const rows = await Promise.all(tenants.map((tenant) => tenantOverview(services, tenant, keeperOf.get(tenant.id), runningIds, now)));
  return json(200, { generatedAt: now.toISOString(), ...(scope.caller ? { caller: scope.caller } : {}), tenants: rows });
}

async function tenantOverview(services: ApiContext["services"], tenant: Tenant, keeper: KeeperState | undefined, runningIds: string[], now: Date): Promise<TenantOverview> {
  const row: TenantOverview = {
    id: tenant.id,
    displayName: tenant.displayName,
    enabled: tenant.enabled,
    cleverDistrictId: tenant.cleverDistrictId,
    syncSchedule: tenant.syncSchedule,
    nextScheduledRun: tenant.enabled ? nextSlot(tenant.syncSchedule, now).toISOString() : null,
    keeper: keeper ? { runtimeStatus: keeper.runtimeStatus, ...keeper.status } : null,
    runningInstanceId: runningIds.find((id) => id.startsWith(`sync:${tenant.id}:`)) ?? null,
    lastRun: null,
    counts: null,
    quarantined: null,
    held: null,
    storeError: null,
  };
  try {
    const store = await services.stores.storeFor(tenant.id);
    const [runs, counts, quarantined, held] = await Promise.all([store.listRuns(tenant.id, 1), store.counts(tenant.id), store.quarantineCount(tenant.id), store.heldRuns(tenant.id, { status: "held" })]);
    Object.assign(row, { lastRun: runs[0] ?? null, counts, quarantined, held: held.length });
  } catch (error) {
    row.storeError = error instanceof Error ? error.message : String(error);
  }
  return row;
}
