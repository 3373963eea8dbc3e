/**
 * Clever's Events API for one district: every mutation appends `<resource>.<action>` with
 * the full object (and `previous_attributes` for updates), ids ascending, oldest first.
 * Events older than the retention window are dropped, as Clever drops events after 30 days.
 */
import type { CleverEvent, CleverEventAction, CleverRecord } from '../clever/types';
import { hashInts } from './prng';

export class EventCursorExpiredError extends Error {
  constructor(cursor: string) {
    super(`event ${cursor} is older than the retained event window; do a full sync`);
    this.name = 'EventCursorExpiredError';
  }
}

export interface EventWindow {
  events: CleverEvent[];
  hasNext: boolean;
  hasPrev: boolean;
}

export class EventLog {
  /** Retained events, oldest first (ids ascending). */
  private events: CleverEvent[] = [];
  /** Events ever appended: the counter part of the next id. */
  private issued = 0;
  private lastSeconds = 0;
  /** Newest id pruned so far: a cursor before it that we issued can no longer be continued (nothing after it is lost). */
  private prunedThrough: string | undefined;
  private readonly middle: string;

  constructor(
    seed: number,
    private readonly now: () => number,
    private readonly retentionMs: number,
  ) {
    this.middle = (hashInts(seed, 0x6576, 0x6d61) >>> 0).toString(16).padStart(10, '0').slice(-10);
  }

  /**
   * The next event id, shaped like a MongoDB ObjectId as Clever's are: its first 4 bytes are the
   * creation time in Unix seconds (https://www.mongodb.com/docs/manual/reference/method/ObjectId/),
   * then fixed bytes, then a counter, so ids ascend in creation order ("sorted with ascending IDs
   * (based on create time)", https://dev.clever.com/docs/paging-and-limits). A client may read an
   * event's age from its id, so the time must be the real (simulated) creation time.
   */
  private nextId(): string {
    this.lastSeconds = Math.max(this.lastSeconds, Math.floor(this.now() / 1000));
    const counter = this.issued++ & 0xffffff;
    return this.lastSeconds.toString(16).padStart(8, '0') + this.middle + counter.toString(16).padStart(6, '0');
  }

  /** Whether `id` is one this log issued (same fixed bytes). */
  private ours(id: string): boolean {
    return /^[0-9a-f]{24}$/.test(id) && id.slice(8, 18) === this.middle;
  }

  /** Index of the first retained event whose id is > `id` (or >= with `inclusive`). */
  private indexAfter(id: string, inclusive = false): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.events[mid]!.id;
      if (other < id || (!inclusive && other === id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  append(resource: string, action: CleverEventAction, object: CleverRecord, previous?: Record<string, unknown>): CleverEvent {
    this.prune();
    const data: CleverEvent['data'] = { object: structuredClone(object) };
    const event: CleverEvent = { id: this.nextId(), type: `${resource}.${action}`, created: new Date(this.now()).toISOString(), data };
    // Beside `data`, not inside it: Clever/swagger-api v3.0-events.yml `<type>.updated` puts
    // `previous_attributes` next to `data` in the event.
    if (previous) event.previous_attributes = structuredClone(previous);
    this.events.push(event);
    return structuredClone(event);
  }

  /**
   * Test hook: an event exactly as given, with the next id (for example one without `created`, or
   * one whose `data.object` is missing), to check that a client copes with what it cannot apply.
   */
  appendRaw(fields: Record<string, unknown>): CleverEvent {
    this.prune();
    const event = { ...structuredClone(fields), id: this.nextId() } as CleverEvent;
    this.events.push(event);
    return structuredClone(event);
  }

  /** Events after `cursor` (all retained when undefined), optionally only of some record types. */
  after(cursor: string | undefined, limit: number, recordTypes: readonly string[] = []): EventWindow {
    this.prune();
    let start = 0;
    if (cursor !== undefined) {
      // A cursor that names an event we no longer hold cannot be continued from. (Clever documents
      // no answer for this; the simulator says 404, and the product never relies on it: it plans
      // a full sync by the cursor's age first. See docs/clever-api-notes.md.)
      if (this.prunedThrough !== undefined && cursor < this.prunedThrough && this.ours(cursor)) throw new EventCursorExpiredError(cursor);
      start = this.indexAfter(cursor);
    }
    return this.window(start, 1, limit, recordTypes);
  }

  /** The `limit` events before `cursor` (or the newest when cursor is 'last'/undefined), ascending. */
  before(cursor: string | undefined, limit: number, recordTypes: readonly string[] = []): EventWindow {
    this.prune();
    const end = cursor === undefined || cursor === 'last' ? this.events.length : this.indexAfter(cursor, true);
    return this.window(Math.min(end, this.events.length) - 1, -1, limit, recordTypes);
  }

  get(id: string): CleverEvent | undefined {
    const index = this.indexAfter(id, true);
    const event = this.events[index];
    return event && event.id === id ? structuredClone(event) : undefined;
  }

  /** All retained events, oldest first. */
  all(): CleverEvent[] {
    this.prune();
    return structuredClone(this.events);
  }

  private window(from: number, step: 1 | -1, limit: number, recordTypes: readonly string[]): EventWindow {
    const wanted = (event: CleverEvent): boolean => recordTypes.length === 0 || recordTypes.includes(event.type.split('.')[0]!);
    const picked: number[] = [];
    let i = from;
    for (; i >= 0 && i < this.events.length && picked.length < limit; i += step) if (wanted(this.events[i]!)) picked.push(i);
    if (step === -1) picked.reverse();
    const exists = (start: number, dir: 1 | -1): boolean => {
      for (let j = start; j >= 0 && j < this.events.length; j += dir) if (wanted(this.events[j]!)) return true;
      return false;
    };
    const firstIdx = picked.length ? picked[0]! : step === 1 ? from : i;
    const lastIdx = picked.length ? picked[picked.length - 1]! : step === 1 ? i - 1 : from;
    return {
      events: picked.map((idx) => structuredClone(this.events[idx]!)),
      hasNext: exists(lastIdx + 1, 1),
      hasPrev: exists(firstIdx - 1, -1),
    };
  }

  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    let drop = 0;
    // By the id's own time (= creation time): also right for a test event without `created`.
    while (drop < this.events.length && parseInt(this.events[drop]!.id.slice(0, 8), 16) * 1000 < cutoff) drop++;
    if (drop > 0) {
      this.prunedThrough = this.events[drop - 1]!.id;
      this.events = this.events.slice(drop);
    }
  }
}
