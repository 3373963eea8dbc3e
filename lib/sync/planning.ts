/**
 * The full-or-incremental decision, as a pure function of what the sync remembers, so every rule
 * is easy to test and the reason can be shown to people (run summary, custom status).
 *
 * Why by age: Clever keeps events for 30 days (https://dev.clever.com/docs/events-api, "How long
 * are events stored?") and documents no error for a `starting_after` cursor older than that
 * (Clever/swagger-api v3.0-events.yml lists only 404 for `/events`). A pruned cursor may well
 * return the oldest retained events and silently skip what was lost, so the sync never relies on
 * an answer: a cursor or last full sync older than a margin inside the retention means full sync.
 */
import type { SyncMode } from "./types";

/** Default margin inside Clever's 30-day event retention (setting SYNC_EVENTS_MAX_AGE_DAYS). */
export const DEFAULT_EVENTS_MAX_AGE_DAYS = 25;
const DAY_MS = 86_400_000;

/** Cursor meaning "every event Clever has": the district had none when the full sync started. */
export const FROM_FIRST_EVENT = "from-first-event";

export interface PlanningFacts {
  /** Named in the reasons people read. */
  tenantId?: string;
  requested: SyncMode;
  now: number;
  maxEventsAgeDays: number;
  /** When the last full sync completed (ISO), if any. */
  lastFullSyncAt?: string;
  /** The stored events cursor (an event id, or FROM_FIRST_EVENT). */
  eventsCursor?: string;
  /** Why the last full sync could not take an events cursor (Events not enabled, an error ...). */
  eventsUnavailable?: string | null;
  /** An incremental run found Clever answering 404 for the cursor: fall back to full. */
  cursorRejected?: boolean;
}

export interface PlanningDecision {
  mode: SyncMode;
  reason: string;
}

/**
 * When an event id was created: Clever ids are MongoDB ObjectIds, whose first 4 bytes are the
 * creation time in Unix seconds (https://www.mongodb.com/docs/manual/reference/method/ObjectId/;
 * Clever: "Elements are returned sorted with ascending IDs (based on create time)",
 * https://dev.clever.com/docs/paging-and-limits). Undefined when the id is not an ObjectId.
 */
export function objectIdTime(id: string | undefined): number | undefined {
  if (!id || !/^[0-9a-f]{24}$/i.test(id)) return undefined;
  return parseInt(id.slice(0, 8), 16) * 1000;
}

export function decideSyncMode(facts: PlanningFacts): PlanningDecision {
  if (facts.requested === "full") return { mode: "full", reason: "full sync requested" };
  if (facts.cursorRejected) return { mode: "full", reason: "Clever answered 404 for the stored events cursor, so only a full sync can catch up" };
  if (!facts.lastFullSyncAt) {
    const whose = facts.tenantId ? ` of tenant '${facts.tenantId}'` : "";
    return { mode: "full", reason: `this database holds no completed full sync${whose} (a new, empty or restored database, or the first sync), so events alone cannot build the mirror` };
  }
  if (!facts.eventsCursor) {
    const why = facts.eventsUnavailable ?? "the last full sync could not read Clever's Events API";
    return { mode: "full", reason: `incremental sync is unavailable for this tenant: ${why}` };
  }
  const maxAgeMs = facts.maxEventsAgeDays * DAY_MS;
  const fullAge = facts.now - Date.parse(facts.lastFullSyncAt);
  if (!(fullAge <= maxAgeMs)) {
    return { mode: "full", reason: `the last full sync (${facts.lastFullSyncAt}) is older than ${facts.maxEventsAgeDays} days and Clever keeps events for 30 days` };
  }
  const cursorTime = objectIdTime(facts.eventsCursor);
  if (cursorTime !== undefined && facts.now - cursorTime > maxAgeMs) {
    return {
      mode: "full",
      reason: `the events cursor dates from ${new Date(cursorTime).toISOString()}, older than ${facts.maxEventsAgeDays} days, and Clever keeps events for 30 days`,
    };
  }
  return { mode: "incremental", reason: "incremental sync from the stored events cursor" };
}
