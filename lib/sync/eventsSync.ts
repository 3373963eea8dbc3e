import type { CleverEvent } from "../clever";
import type { RosterResource, RosterRow } from "../store";
import { isRosterResource } from "./catalogue";
import { mapPage, ResourceSyncDependencies } from "./resourceSync";
import { EventsResult } from "./types";

export interface EventsSyncInput {
  tenantId: string;
  runId: string;
}

/** Cursor meaning "every event Clever has": the district had none when the full sync started. */
const FROM_FIRST_EVENT = "from-first-event";

type Pending = { kind: "upsert"; resource: RosterResource; rows: RosterRow[] } | { kind: "delete"; resource: RosterResource; ids: string[] };

/**
 * Incremental sync: apply Clever events after the stored cursor, in order. Consecutive events
 * of one kind and resource are written as one batch; a change of kind or resource flushes, so a
 * record updated then deleted within a page ends deleted. The cursor advances per page.
 */
export async function applyEvents(deps: Omit<ResourceSyncDependencies, "onPage">, input: EventsSyncInput): Promise<EventsResult> {
  const { tenantId, runId } = input;
  const result: EventsResult = { fallbackToFull: false, events: 0, pages: 0, upserted: 0, deleted: 0, quarantined: 0, byResource: {} };
  // The cursor lives in the tenant's database, advanced with every applied page: a re-run of the
  // same activity continues after the last page it applied.
  const state = await deps.store.syncState(tenantId);
  let cursor = state?.eventsCursor ?? undefined;
  // No completed full sync in this database: events alone cannot build the mirror.
  if (!cursor || !state?.lastFullSyncAt) return { ...result, fallbackToFull: true };
  const syncedAt = new Date(deps.now()).toISOString();

  let pending: Pending | undefined;
  const flush = async (): Promise<void> => {
    if (!pending) return;
    const batch = pending;
    pending = undefined;
    if (batch.kind === "upsert") {
      await deps.store.upsert(tenantId, batch.resource, batch.rows, { runId, syncedAt });
      result.upserted += batch.rows.length;
    } else {
      result.deleted += await deps.store.softDelete(tenantId, batch.resource, batch.ids, { runId, deletedAt: syncedAt });
    }
  };

  try {
    for await (const page of deps.clever.pages("events", { startingAfter: cursor === FROM_FIRST_EVENT ? undefined : cursor, limit: deps.pageSize })) {
      await deps.lease?.renew();
      for (const event of page.records as CleverEvent[]) {
        const [resource, action] = String(event.type).split(".");
        if (!isRosterResource(resource)) continue; // events of resources this product does not mirror
        result.byResource[resource] = (result.byResource[resource] ?? 0) + 1;
        if (action === "deleted") {
          if (pending?.kind !== "delete" || pending.resource !== resource) await flush();
          if (!pending) pending = { kind: "delete", resource, ids: [] };
          (pending as Extract<Pending, { kind: "delete" }>).ids.push(event.data.object.id);
          continue;
        }
        const { rows, quarantined } = mapPage(resource, [event.data.object]);
        if (quarantined.length) {
          await flush();
          await deps.store.quarantine(tenantId, runId, quarantined);
          result.quarantined += quarantined.length;
          continue;
        }
        if (pending?.kind !== "upsert" || pending.resource !== resource) await flush();
        if (!pending) pending = { kind: "upsert", resource, rows: [] };
        (pending as Extract<Pending, { kind: "upsert" }>).rows.push(...rows);
      }
      await flush();
      result.events += page.records.length;
      result.pages += 1;
      cursor = page.lastId ?? cursor;
      await deps.store.saveSyncState(tenantId, { eventsCursor: cursor }, new Date(deps.now()).toISOString());
    }
  } catch (error) {
    // Clever no longer has events after this cursor (retention passed): only a full sync repairs that.
    if ((error as { status?: number }).status === 404) return { ...result, fallbackToFull: true };
    throw error;
  }
  return result;
}

/** After a full sync completes: incremental syncs continue from the newest event at its start (kept with the rows). */
export async function recordFullSyncCursor(deps: Pick<ResourceSyncDependencies, "store" | "now">, tenantId: string, runId: string, eventsCursor: string | null): Promise<void> {
  const at = new Date(deps.now()).toISOString();
  await deps.store.saveSyncState(tenantId, { eventsCursor: eventsCursor ?? FROM_FIRST_EVENT, lastFullSyncAt: at, lastFullRunId: runId }, at);
}
