import { CronExpressionParser } from "cron-parser";
import type { DurableClient } from "durable-functions";
import type { Services } from "../runtime/services";
import { runningSync, startSyncRun, SyncAlreadyRunningError } from "../sync/starter";
import { runIdFor, syncInstanceId } from "../sync/syncTenant";
import { ensureTokenKeeper, policyFromSettings } from "../tokens";

export interface TenantTick {
  tenantId: string;
  tokenKeeper: "running" | "started" | "restarted" | "error";
  sync: "started" | "already started" | "running" | "error";
  instanceId?: string;
  error?: string;
}

/** The latest time at or before `now` the tenant's NCRONTAB schedule fires. */
export function latestSlot(schedule: string, now: Date): Date {
  // prev() is strictly before currentDate; +1 ms makes a slot exactly at `now` count.
  return CronExpressionParser.parse(schedule, { currentDate: new Date(now.getTime() + 1), tz: "UTC" }).prev().toDate();
}

/**
 * Whether the slot's run is already in the SQL run history. The durable instance may be gone
 * (purged, or a local data directory whose durable state was lost) while the run summary stays:
 * without this check such a restart within a slot would run that slot's sync again.
 */
async function slotRecorded(services: Services, tenantId: string, runId: string): Promise<boolean> {
  const store = await services.stores.storeFor(tenantId);
  return (await store.listRuns(tenantId, 50)).some((run) => run.runId === runId);
}

/**
 * One scheduler tick: for every enabled tenant, keep token:{tenantId} running and start the sync
 * of its latest schedule slot. The slot's instance id is deterministic, so overlapping or
 * retried ticks start it at most once. A failure for one tenant does not stop the others.
 */
export async function schedulerTick(services: Services, client: DurableClient, now: Date): Promise<TenantTick[]> {
  const policy = policyFromSettings(services.settings);
  const ticks: TenantTick[] = [];
  for (const tenant of await services.tenants.list({ enabledOnly: true })) {
    const tick: TenantTick = { tenantId: tenant.id, tokenKeeper: "error", sync: "error" };
    try {
      tick.tokenKeeper = await ensureTokenKeeper(client, tenant.id, policy);
      const runId = runIdFor(latestSlot(tenant.syncSchedule, now), "scheduled");
      const instanceId = syncInstanceId(tenant.id, runId);
      tick.instanceId = instanceId;
      const existing = (await client.getStatus(instanceId).catch(() => undefined)) ?? (await slotRecorded(services, tenant.id, runId));
      const running = existing ? undefined : await runningSync(client, tenant.id);
      if (existing) tick.sync = "already started";
      else if (running) {
        tick.sync = "running";
        tick.instanceId = running;
      } else {
        try {
          await startSyncRun({ store: await services.stores.storeFor(tenant.id), settings: services.settings, now: services.now }, client, tenant.id, "incremental", runId);
          tick.sync = "started";
        } catch (error) {
          // The lease in the tenant's database says another run (perhaps another process's) is writing.
          if (!(error instanceof SyncAlreadyRunningError)) throw error;
          tick.sync = error.instanceId === instanceId ? "already started" : "running";
          tick.instanceId = error.instanceId;
        }
      }
    } catch (error) {
      tick.error = error instanceof Error ? error.message : String(error);
    }
    ticks.push(tick);
  }
  return ticks;
}
