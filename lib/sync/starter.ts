import type { DurableClient } from "durable-functions";
import type { Settings } from "../config/settings";
import { runIdFor, SYNC_TENANT, syncInstanceId } from "./syncTenant";
import { SyncMode, SyncRunInput } from "./types";

const ACTIVE = ["Pending", "Running", "ContinuedAsNew", "Suspended"];

/** A sync of this tenant is already running: one at a time per tenant. */
export class SyncAlreadyRunningError extends Error {
  override readonly name = "SyncAlreadyRunningError";
  constructor(readonly tenantId: string, readonly instanceId: string) {
    super(`A sync of tenant '${tenantId}' is already running as instance '${instanceId}'. Wait for it to finish, or terminate it first.`);
  }
}

export function retryInputFrom(settings: Settings): SyncRunInput["retry"] {
  return {
    firstRetryIntervalMs: settings.SYNC_RETRY_FIRST_INTERVAL_SECONDS * 1000,
    maxAttempts: settings.SYNC_RETRY_MAX_ATTEMPTS,
    backoffCoefficient: 2,
    maxRetryIntervalMs: settings.SYNC_RETRY_MAX_INTERVAL_SECONDS * 1000,
  };
}

/** The running sync instance of a tenant, if any (instance ids are `sync:{tenantId}:{runId}`). */
export async function runningSync(client: DurableClient, tenantId: string): Promise<string | undefined> {
  const prefix = `sync:${tenantId}:`;
  const active = await client.getStatusBy({ runtimeStatus: ACTIVE as never });
  return active.map((s) => s.instanceId).find((id) => id.startsWith(prefix));
}

/** Starts `sync:{tenantId}:{runId}` unless one is running; returns the instance id. */
export async function startSync(client: DurableClient, settings: Settings, tenantId: string, mode: SyncMode, now: Date, runSuffix?: string): Promise<string> {
  const running = await runningSync(client, tenantId);
  if (running) throw new SyncAlreadyRunningError(tenantId, running);
  return startSyncRun(client, settings, tenantId, mode, runIdFor(now, runSuffix));
}

/** Starts `sync:{tenantId}:{runId}` as given (callers decide about overlap). */
export function startSyncRun(client: DurableClient, settings: Settings, tenantId: string, mode: SyncMode, runId: string): Promise<string> {
  const input: SyncRunInput = { tenantId, runId, mode, retry: retryInputFrom(settings) };
  return client.startNew(SYNC_TENANT, { instanceId: syncInstanceId(tenantId, runId), input });
}
