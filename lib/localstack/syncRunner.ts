import type { DevHost, InstanceStatus } from "../devhost";
import type { Services } from "../runtime/services";
import { reconcileRuns } from "../sync/runReconcile";
import { newRunId, retryInputFrom, startLeasedRun } from "../sync/starter";
import { SYNC_TENANT } from "../sync/syncTenant";
import type { ResourceResult, SyncMode, SyncStatus } from "../sync/types";
import { assertSchoolToSync } from "../sync/schoolScope";

export interface ResourceProgress {
  resource: string;
  state: "pending" | "running" | "done" | "failed";
  pages: number;
  records: number;
}

export interface SyncRunOutcome {
  instanceId: string;
  status: InstanceStatus;
  durationMs: number;
  resources: ResourceResult[];
}

const FINISHED = ["Completed", "Failed", "Terminated", "Canceled"];

/**
 * Runs one sync of a tenant to completion through the real orchestration on a serving devhost,
 * reporting per-resource progress (orchestration status + live checkpoints) as it goes.
 */
export async function runSyncToCompletion(
  host: DevHost,
  services: Services,
  tenantId: string,
  mode: SyncMode,
  onProgress: (progress: ResourceProgress[]) => void = () => undefined,
  /** A school sync (full mode): the school's Clever id, checked against the mirror first. */
  school?: string,
): Promise<SyncRunOutcome> {
  await services.tenants.get(tenantId);
  const runId = newRunId(new Date(), "cli");
  // Through the tenant's run lease like every starter: another process syncing the same database → SyncAlreadyRunningError.
  const store = await services.stores.storeFor(tenantId);
  if (school !== undefined) await assertSchoolToSync(store, tenantId, school);
  const instanceId = await startLeasedRun(
    { store, settings: services.settings, now: services.now },
    { start: async (id, input) => host.startNew(SYNC_TENANT, { instanceId: id, input }), status: async (id) => host.getStatus(id)?.runtimeStatus },
    { tenantId, runId, mode: school !== undefined ? "full" : mode, ...(school !== undefined ? { school } : {}), retry: retryInputFrom(services.settings) },
  );
  return watchSyncToCompletion(host, services, instanceId, onProgress);
}

/** Follows a sync instance that is already running (e.g. one resumed after a restart) until it ends. */
export async function watchSyncToCompletion(
  host: DevHost,
  services: Services,
  instanceId: string,
  onProgress: (progress: ResourceProgress[]) => void = () => undefined,
): Promise<SyncRunOutcome> {
  const started = Date.now();
  for (;;) {
    const status = host.getStatus(instanceId);
    if (!status) throw new Error(`No sync instance '${instanceId}' on this host.`);
    const custom = status.customStatus as SyncStatus | null;
    if (custom) onProgress(await progressOf(services, custom.tenantId, custom.runId, custom));
    if (FINISHED.includes(status.runtimeStatus)) {
      const output = status.output as { counts?: Record<string, unknown> } | null;
      const resources = Object.values(output?.counts ?? {}).filter((c): c is ResourceResult => typeof (c as ResourceResult)?.resource === "string");
      return { instanceId, status, durationMs: Date.now() - started, resources };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sync instances (not their resource sub-orchestrations) this host resumed at start. */
export function resumedSyncs(host: DevHost): string[] {
  return host.resumed.filter((id) => host.getStatus(id)?.name === SYNC_TENANT);
}

/**
 * Start-up reconciliation: a run summary still "running" whose instance is gone or ended without
 * closing it is closed now with the reason (lib/sync/runReconcile.ts). Returns the runs it closed.
 */
export async function reconcileRunSummaries(host: DevHost, services: Services): Promise<{ tenantId: string; runId: string; error: string | null | undefined }[]> {
  const closed: { tenantId: string; runId: string; error: string | null | undefined }[] = [];
  for (const tenant of await services.tenants.list({ onCorrupt: () => undefined })) {
    const store = await services.stores.storeFor(tenant.id);
    const before = await store.listRuns(tenant.id, 200);
    const after = await reconcileRuns(store, before, async (id) => host.getStatus(id), services.now);
    after.forEach((run, i) => {
      if (before[i].status === "running" && run.status !== "running") closed.push({ tenantId: run.tenantId, runId: run.runId, error: run.error });
    });
  }
  return closed;
}

async function progressOf(services: Services, tenantId: string, runId: string, status: SyncStatus | null): Promise<ResourceProgress[]> {
  const progress: ResourceProgress[] = [];
  for (const [resource, state] of Object.entries(status?.resources ?? {})) {
    const checkpoint = state.state === "running" ? await services.checkpoints.get(tenantId, resource).catch(() => undefined) : undefined;
    const live = checkpoint?.runId === runId ? checkpoint : undefined;
    progress.push({ resource, state: state.state, pages: state.pages ?? live?.pagesDone ?? 0, records: state.records ?? live?.recordsDone ?? 0 });
  }
  return progress;
}
