import type { DurableClient } from "durable-functions";
import { randomBytes } from "node:crypto";
import type { Settings } from "../config/settings";
import type { RosterStore } from "../store";
import { SyncAlreadyRunningError } from "./lease";
import { SYNC_TENANT, syncInstanceId } from "./syncTenant";
import { SyncMode, SyncRunInput } from "./types";

export { SyncAlreadyRunningError };

const ACTIVE = ["Pending", "Running", "ContinuedAsNew", "Suspended"];
const ENDED = ["Completed", "Failed", "Terminated"];

export function retryInputFrom(settings: Settings): SyncRunInput["retry"] {
  return {
    firstRetryIntervalMs: settings.SYNC_RETRY_FIRST_INTERVAL_SECONDS * 1000,
    maxAttempts: settings.SYNC_RETRY_MAX_ATTEMPTS,
    backoffCoefficient: 2,
    maxRetryIntervalMs: settings.SYNC_RETRY_MAX_INTERVAL_SECONDS * 1000,
  };
}

/**
 * A run id unique below one second and sortable by start time (the sweep compares run ids):
 * `20261125T090000.123Z-api-3f9a1c`. The random tail separates starts in the same millisecond.
 */
export function newRunId(date: Date, source: string): string {
  return `${date.toISOString().replace(/[-:]/g, "")}-${source}-${randomBytes(3).toString("hex")}`;
}

/** The running sync instance of a tenant this host knows, if any (instance ids are `sync:{tenantId}:{runId}`). */
export async function runningSync(client: DurableClient, tenantId: string): Promise<string | undefined> {
  const prefix = `sync:${tenantId}:`;
  const active = await client.getStatusBy({ runtimeStatus: ACTIVE as never });
  return active.map((s) => s.instanceId).find((id) => id.startsWith(prefix));
}

/** How a starter creates the orchestration and asks about an instance (DurableClient, or the devhost directly). */
export interface SyncLauncher {
  start(instanceId: string, input: SyncRunInput): Promise<unknown>;
  /** Runtime status of an instance this starter can see; undefined when unknown (e.g. run by another process). */
  status(instanceId: string): Promise<string | undefined>;
}

export interface StartDependencies {
  store: RosterStore;
  settings: Pick<Settings, "SYNC_LEASE_SECONDS">;
  now: () => number;
}

/** The durable engine's answer when the instance id is taken (devhost: lib/devhost/errors.ts; Azure: the same text). */
function isInstanceExists(error: unknown): boolean {
  return /already exists/i.test(error instanceof Error ? error.message : String(error));
}

/**
 * Every starter's door: takes the tenant's run lease in its SQL database, then creates
 * `sync:{tenantId}:{runId}`. Another run holding the lease → SyncAlreadyRunningError (409) naming
 * it; a lease left by an instance this host knows has ended is freed first. The engine's "instance
 * already exists" (two starts of one run id) is the same 409, never a 500.
 */
export async function startLeasedRun(deps: StartDependencies, launcher: SyncLauncher, input: SyncRunInput): Promise<string> {
  const { tenantId, runId } = input;
  const instanceId = syncInstanceId(tenantId, runId);
  const ttlMs = deps.settings.SYNC_LEASE_SECONDS * 1000;
  let takenAt: string | undefined;
  for (let attempt = 1; takenAt === undefined; attempt++) {
    const now = new Date(deps.now()).toISOString();
    const result = await deps.store.acquireLease(tenantId, { runId, instanceId, now, ttlMs });
    if (result.acquired) {
      takenAt = result.lease.acquiredAt === now ? now : "";
      break;
    }
    const holder = result.holder;
    const ended = holder.instanceId ? ENDED.includes((await launcher.status(holder.instanceId).catch(() => undefined)) ?? "") : false;
    if (!ended || attempt > 1) throw new SyncAlreadyRunningError(tenantId, holder.instanceId ?? `run ${holder.runId}`, holder.expiresAt);
    // Terminated or crashed before its finish activity released the lease: free it now.
    await deps.store.releaseLease(tenantId, holder.runId);
  }
  try {
    await launcher.start(instanceId, input);
  } catch (error) {
    // Only a lease this call took is ours to give back; a re-taken one belongs to the running instance.
    if (takenAt) await deps.store.releaseLease(tenantId, runId).catch(() => undefined);
    if (isInstanceExists(error)) throw new SyncAlreadyRunningError(tenantId, instanceId);
    throw error;
  }
  return instanceId;
}

/** A launcher over the real DurableClient. */
export function durableLauncher(client: DurableClient): SyncLauncher {
  return {
    start: (instanceId, input) => client.startNew(SYNC_TENANT, { instanceId, input }),
    status: async (instanceId) => (await client.getStatus(instanceId).catch(() => undefined))?.runtimeStatus as string | undefined,
  };
}

/**
 * Starts a new run `sync:{tenantId}:{runId}` (run id from `now` and `source`) through the lease;
 * returns the instance id. `school` makes it a school sync (full mode; the caller validated it).
 */
export function startSync(deps: StartDependencies & { settings: Settings }, client: DurableClient, tenantId: string, mode: SyncMode, source = "api", school?: string): Promise<string> {
  const runId = newRunId(new Date(deps.now()), source);
  return startLeasedRun(deps, durableLauncher(client), { tenantId, runId, mode, ...(school ? { school } : {}), retry: retryInputFrom(deps.settings) });
}

/** Starts `sync:{tenantId}:{runId}` with the given run id (the scheduler's slot ids) through the lease. */
export function startSyncRun(deps: StartDependencies & { settings: Settings }, client: DurableClient, tenantId: string, mode: SyncMode, runId: string): Promise<string> {
  return startLeasedRun(deps, durableLauncher(client), { tenantId, runId, mode, retry: retryInputFrom(deps.settings) });
}
