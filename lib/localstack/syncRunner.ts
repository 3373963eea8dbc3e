import type { DevHost, InstanceStatus } from "../devhost";
import type { Services } from "../runtime/services";
import { retryInputFrom } from "../sync/starter";
import { runIdFor, SYNC_TENANT, syncInstanceId } from "../sync/syncTenant";
import type { ResourceResult, SyncMode, SyncStatus } from "../sync/types";

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
): Promise<SyncRunOutcome> {
  await services.tenants.get(tenantId);
  const started = Date.now();
  const runId = runIdFor(new Date(started), "cli");
  const instanceId = host.startNew(SYNC_TENANT, { instanceId: syncInstanceId(tenantId, runId), input: { tenantId, runId, mode, retry: retryInputFrom(services.settings) } });
  for (;;) {
    const status = host.getStatus(instanceId)!;
    onProgress(await progressOf(services, tenantId, runId, status.customStatus as SyncStatus | null));
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) {
      const output = status.output as { counts?: Record<string, unknown> } | null;
      const resources = Object.values(output?.counts ?? {}).filter((c): c is ResourceResult => typeof (c as ResourceResult)?.resource === "string");
      return { instanceId, status, durationMs: Date.now() - started, resources };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
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
