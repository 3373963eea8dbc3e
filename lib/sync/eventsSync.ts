import type { CleverRecord } from "../clever";
import type { QuarantineEntry, RosterResource, RosterRow } from "../store";
import { isRosterResource } from "./catalogue";
import { FROM_FIRST_EVENT } from "./planning";
import { mapPage, ResourceSyncDependencies } from "./resourceSync";
import { EventsResult } from "./types";

export interface EventsSyncInput {
  tenantId: string;
  runId: string;
}

const EVENT_TYPE = /^([a-z_]+)\.(created|updated|deleted)$/;

/** A checked event, or the reason it cannot be applied. */
type CheckedEvent = { ok: true; resource: string; action: string; object: CleverRecord } | { ok: false; resource: RosterResource; reason: string };

/**
 * Checks one event against what Clever's spec defines (Clever/swagger-api v3.0-events.yml: `type`
 * is `<resource>.<created|updated|deleted>`, the record sits in `data.object`). `created` is not
 * required: the spec does not require it and the sync does not need it.
 */
export function checkEvent(event: CleverRecord): CheckedEvent {
  const type = typeof event.type === "string" ? EVENT_TYPE.exec(event.type) : null;
  const data = event.data as { object?: unknown } | undefined;
  const object = data && typeof data === "object" ? data.object : undefined;
  const guess = (type && isRosterResource(type[1]) ? type[1] : "users") as RosterResource;
  if (!type) return { ok: false, resource: guess, reason: `event ${event.id}: type ${JSON.stringify(event.type ?? null)} is not <resource>.<created|updated|deleted>` };
  if (!object || typeof object !== "object" || typeof (object as CleverRecord).id !== "string") {
    return { ok: false, resource: guess, reason: `event ${event.id} (${type[0]}): data.object with an id is missing` };
  }
  return { ok: true, resource: type[1], action: type[2], object: object as CleverRecord };
}

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
      for (const event of page.records) {
        const checked = checkEvent(event);
        if (!checked.ok) {
          // One bad event is set aside with its reason; the ones after it still apply.
          await flush();
          const entry: QuarantineEntry = { resource: checked.resource, cleverId: null, reason: checked.reason, raw: JSON.stringify(event) };
          await deps.store.quarantine(tenantId, runId, [entry]);
          result.quarantined += 1;
          continue;
        }
        const { resource, action } = checked;
        if (!isRosterResource(resource)) continue; // events of resources this product does not mirror
        result.byResource[resource] = (result.byResource[resource] ?? 0) + 1;
        if (action === "deleted") {
          if (pending?.kind !== "delete" || pending.resource !== resource) await flush();
          if (!pending) pending = { kind: "delete", resource, ids: [] };
          (pending as Extract<Pending, { kind: "delete" }>).ids.push(checked.object.id);
          continue;
        }
        const { rows, quarantined } = mapPage(resource, [checked.object], deps.districtId, deps.maxRecordBytes);
        if (quarantined.length) {
          await flush();
          await deps.store.quarantine(tenantId, runId, quarantined);
          // The last good row stays live; flag it so readers know Clever now sends something invalid.
          const kept = quarantined.flatMap((q) => (q.cleverId ? [{ cleverId: q.cleverId, reason: q.reason }] : []));
          if (kept.length) await deps.store.markStale(tenantId, resource, kept, { runId, staleSince: syncedAt });
          result.quarantined += quarantined.length;
          continue;
        }
        if (pending?.kind !== "upsert" || pending.resource !== resource) await flush();
        if (!pending) pending = { kind: "upsert", resource, rows: [] };
        (pending as Extract<Pending, { kind: "upsert" }>).rows.push(...rows);
      }
      await flush();
      if (page.duplicates) result.duplicates = (result.duplicates ?? 0) + page.duplicates;
      result.events += page.records.length;
      if (page.final) result.pages += 1; // a page comes in chunks (lib/clever/pager.ts); count Clever's pages
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

/**
 * After a full sync completes: incremental syncs continue from the newest event at its start, kept
 * with the rows. When Events could not be read no cursor is stored, so later runs plan full (and say why).
 */
export async function recordFullSyncCursor(
  deps: Pick<ResourceSyncDependencies, "store" | "now">,
  tenantId: string,
  runId: string,
  eventsCursor: string | null,
  eventsUnavailable: string | null = null,
): Promise<void> {
  const at = new Date(deps.now()).toISOString();
  await deps.store.saveSyncState(tenantId, { eventsCursor: eventsUnavailable ? null : (eventsCursor ?? FROM_FIRST_EVENT), lastFullSyncAt: at, lastFullRunId: runId }, at);
}
