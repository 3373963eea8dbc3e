import type { DurableClient } from "durable-functions";
import type { RosterStore, RunSummary } from "../store";
import { syncInstanceId } from "./syncTenant";

/** What reconciliation needs to know of a run's orchestration instance (undefined: there is none). */
export interface RunInstanceState {
  runtimeStatus: string;
  output: unknown;
}

export type InstanceLookup = (instanceId: string) => Promise<RunInstanceState | undefined>;

const ENDED_BADLY = new Set(["Failed", "Terminated", "Canceled"]);

/**
 * How a run summary still marked "running" should be closed, given its instance; undefined when
 * the run is genuinely in flight. Why: a run is closed by its own orchestration (finishSyncRun); if
 * that instance is gone (a local host that lost its state, a purge) or ended without closing the
 * run (terminated, failed before finishSyncRun could run), nothing else ever would, and the run
 * would show "running" forever.
 */
export function reconciledRun(run: RunSummary, instance: RunInstanceState | undefined): Pick<RunSummary, "status" | "counts" | "error"> | undefined {
  if (run.status !== "running") return undefined;
  const instanceId = run.instanceId ?? syncInstanceId(run.tenantId, run.runId);
  if (!instance) return { status: "failed", counts: run.counts ?? {}, error: `Interrupted: its orchestration instance '${instanceId}' no longer exists, so the run cannot finish. Start a new sync.` };
  if (ENDED_BADLY.has(instance.runtimeStatus)) {
    const reason = typeof instance.output === "string" && instance.output ? instance.output : "no reason given";
    return { status: "failed", counts: run.counts ?? {}, error: `Interrupted: its orchestration instance '${instanceId}' is ${instance.runtimeStatus} (${cut(reason)}).` };
  }
  if (instance.runtimeStatus === "Completed") {
    const counts = (instance.output as { counts?: Record<string, unknown> } | null)?.counts ?? run.counts ?? {};
    return { status: "completed", counts, error: null };
  }
  return undefined;
}

/** Closes every run of a tenant whose instance says it will never close it; returns the runs as they now stand. */
export async function reconcileRuns(store: RosterStore, runs: RunSummary[], lookup: InstanceLookup, now: () => number): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (const run of runs) {
    if (run.status !== "running") {
      out.push(run);
      continue;
    }
    const fix = reconciledRun(run, await lookup(run.instanceId ?? syncInstanceId(run.tenantId, run.runId)));
    if (!fix) {
      out.push(run);
      continue;
    }
    const finishedAt = new Date(now()).toISOString();
    await store.finishRun(run.tenantId, run.runId, { ...fix, finishedAt });
    out.push({ ...run, ...fix, finishedAt });
  }
  return out;
}

function cut(text: string): string {
  const line = text.split("\n")[0];
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** An InstanceLookup over the DurableClient (the API's read path): a 404 means the instance is gone. */
export function durableInstanceLookup(client: DurableClient): InstanceLookup {
  return async (instanceId) => {
    try {
      const status = await client.getStatus(instanceId, { showInput: false });
      return { runtimeStatus: String(status.runtimeStatus), output: status.output };
    } catch (error) {
      if (/not found|404/i.test(error instanceof Error ? error.message : String(error))) return undefined;
      throw error;
    }
  };
}
