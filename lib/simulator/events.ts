/**
 * Clever's Events API for one district: every mutation appends `<resource>.<action>` with
 * the full object (and `previous_attributes` for updates), ids ascending, oldest first.
 * Events older than the retention window are dropped, as Clever drops events after 30 days.
 */
import type { CleverEvent, CleverEventAction, CleverRecord } from '../clever/types';
import type { IdSpace } from './ids';

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
  /** Retained events; `events[i]` has seq `firstSeq + i`. */
  private events: CleverEvent[] = [];
  private firstSeq = 0;

  constructor(
    private readonly ids: IdSpace,
    private readonly now: () => number,
    private readonly retentionMs: number,
  ) {}

  append(resource: string, action: CleverEventAction, object: CleverRecord, previous?: Record<string, unknown>): CleverEvent {
    this.prune();
    const seq = this.firstSeq + this.events.length;
    const data: CleverEvent['data'] = { object: structuredClone(object) };
    const event: CleverEvent = { id: this.ids.idAt(seq), type: `${resource}.${action}`, created: new Date(this.now()).toISOString(), data };
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
    const event = { ...structuredClone(fields), id: this.ids.idAt(this.firstSeq + this.events.length) } as CleverEvent;
    this.events.push(event);
    return structuredClone(event);
  }

  /** Events after `cursor` (all retained when undefined), optionally only of some record types. */
  after(cursor: string | undefined, limit: number, recordTypes: readonly string[] = []): EventWindow {
    this.prune();
    let start = 0;
    if (cursor !== undefined) {
      const through = this.ids.countAtOrBefore(cursor);
      // A cursor that names an event we no longer hold cannot be continued from.
      if (through < this.firstSeq && this.ids.seqOf(cursor) !== undefined) throw new EventCursorExpiredError(cursor);
      start = Math.max(0, through - this.firstSeq);
    }
    return this.window(start, 1, limit, recordTypes);
  }

  /** The `limit` events before `cursor` (or the newest when cursor is 'last'/undefined), ascending. */
  before(cursor: string | undefined, limit: number, recordTypes: readonly string[] = []): EventWindow {
    this.prune();
    const end = cursor === undefined || cursor === 'last' ? this.events.length : Math.max(0, this.ids.countBefore(cursor) - this.firstSeq);
    return this.window(Math.min(end, this.events.length) - 1, -1, limit, recordTypes);
  }

  get(id: string): CleverEvent | undefined {
    const seq = this.ids.seqOf(id);
    const event = seq === undefined ? undefined : this.events[seq - this.firstSeq];
    return event ? structuredClone(event) : undefined;
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
    while (drop < this.events.length && Date.parse(this.events[drop]!.created) < cutoff) drop++;
    if (drop > 0) {
      this.events = this.events.slice(drop);
      this.firstSeq += drop;
    }
  }
}
