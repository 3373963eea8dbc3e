/**
 * `cleversync sync`'s progress bars: one per resource, whose total is what the last completed full
 * run of the tenant synced for that resource (the best estimate of what this run will read), with
 * cli-progress's ETA from the observed rate. Without an earlier run the bar counts records only.
 */
import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { ResourceProgress } from "../localstack/syncRunner";
import type { RosterStore } from "../store";

/** Records per resource of the tenant's latest completed full run; empty when there is none. */
export async function expectedTotals(store: Pick<RosterStore, "listRuns">, tenantId: string): Promise<Record<string, number>> {
  const runs = await store.listRuns(tenantId, 50);
  const last = runs.find((run) => run.status === "completed" && run.mode === "full" && run.counts);
  const totals: Record<string, number> = {};
  for (const [resource, result] of Object.entries(last?.counts ?? {})) {
    const records = (result as { records?: unknown } | null)?.records;
    if (typeof records === "number" && records >= 0) totals[resource] = records;
  }
  return totals;
}

export interface SyncProgress {
  update(progress: readonly ResourceProgress[]): void;
  stop(): void;
}

/** With a total from the last run: count, estimate, percentage and cli-progress's ETA from the observed rate. */
const KNOWN_FORMAT = " {resource} |{bar}| {value}/~{total} records {percentage}%, {pages} pages, ETA {eta_formatted} {state}";
/** First sync of a tenant: nothing to estimate from, so records and pages only. */
const UNKNOWN_FORMAT = " {resource} |{bar}| {records} records, {pages} pages {state}";

export function createSyncProgress(stream: NodeJS.WritableStream, totals: Record<string, number>, options: { forceOutput?: boolean } = {}): SyncProgress {
  const bars = new MultiBar({ hideCursor: true, clearOnComplete: false, stream, noTTYOutput: options.forceOutput ?? false, etaBuffer: 20, format: UNKNOWN_FORMAT }, Presets.shades_classic);
  const barFor = new Map<string, SingleBar>();
  return {
    update(progress) {
      for (const p of progress) {
        const known = totals[p.resource];
        const payload = { resource: p.resource.padEnd(9), records: p.records, pages: p.pages, state: p.state };
        let bar = barFor.get(p.resource);
        if (!bar) barFor.set(p.resource, (bar = bars.create(Math.max(known ?? 1, 1), 0, payload, { format: known !== undefined ? KNOWN_FORMAT : UNKNOWN_FORMAT })));
        if (known !== undefined) {
          // More records than last time: the total grows with them, so the bar never passes 100%.
          bar.setTotal(Math.max(known, p.records, 1));
          bar.update(p.state === "done" ? Math.max(known, p.records, 1) : p.records, payload);
        } else {
          bar.setTotal(Math.max(p.records, 1));
          bar.update(p.state === "done" ? Math.max(p.records, 1) : Math.max(p.records - 1, 0), payload);
        }
      }
    },
    stop() {
      bars.stop();
    },
  };
}
