/**
 * One resource of a synthetic district: generated base records plus a mutation overlay.
 *
 * Positions ("seqs") 0..baseCount-1 are generated on demand; records created later take the
 * next seqs, so ids keep ascending in creation order as Clever's do. Updated records live in
 * `overlay`, deleted seqs in `deleted`: memory grows with mutations, not with district size.
 */
import type { CleverRecord } from '../clever/types';
import type { IdSpace } from './ids';

export type RecordFilter = {
  /** Cheap test on a generated (unmutated) seq; undefined = everything matches. */
  base?: (seq: number) => boolean;
  /** Test on a materialized (mutated or created) record. */
  record?: (record: CleverRecord) => boolean;
};

export interface ListWindow {
  records: CleverRecord[];
  /** A matching record exists after the last one returned. */
  hasNext: boolean;
  /** A matching record exists before the first one returned. */
  hasPrev: boolean;
}

export interface StreamWindow {
  hasPrev: boolean;
  records: Generator<CleverRecord, void, undefined>;
  hasNext(): boolean;
}

export class ResourceTable {
  private nextSeq: number;
  private readonly overlay = new Map<number, CleverRecord>();
  private readonly deleted = new Set<number>();

  constructor(
    readonly resource: string,
    readonly ids: IdSpace,
    readonly baseCount: number,
    private readonly generate: (seq: number) => CleverRecord,
  ) {
    this.nextSeq = baseCount;
  }

  /** Live records right now. */
  get size(): number {
    let createdAlive = 0;
    for (const seq of this.overlay.keys()) if (seq >= this.baseCount) createdAlive++;
    let baseDeleted = 0;
    for (const seq of this.deleted) if (seq < this.baseCount) baseDeleted++;
    return this.baseCount - baseDeleted + createdAlive;
  }

  /** The record at `seq`, or undefined when deleted or never created. */
  at(seq: number): CleverRecord | undefined {
    if (seq < 0 || seq >= this.nextSeq || this.deleted.has(seq)) return undefined;
    const mutated = this.overlay.get(seq);
    if (mutated) return structuredClone(mutated);
    return seq < this.baseCount ? this.generate(seq) : undefined;
  }

  get(id: string): CleverRecord | undefined {
    const seq = this.ids.seqOf(id);
    return seq === undefined ? undefined : this.at(seq);
  }

  has(id: string): boolean {
    const seq = this.ids.seqOf(id);
    return seq !== undefined && this.isAlive(seq);
  }

  /** Stores a new record at the next seq and returns it (with its id). */
  create(build: (id: string) => CleverRecord): CleverRecord {
    const seq = this.nextSeq++;
    const record = build(this.ids.idAt(seq));
    this.overlay.set(seq, structuredClone(record));
    return record;
  }

  /** Replaces a live record; returns false when it does not exist. */
  replace(id: string, record: CleverRecord): boolean {
    const seq = this.ids.seqOf(id);
    if (seq === undefined || !this.isAlive(seq)) return false;
    this.overlay.set(seq, structuredClone(record));
    return true;
  }

  delete(id: string): boolean {
    const seq = this.ids.seqOf(id);
    if (seq === undefined || !this.isAlive(seq)) return false;
    this.overlay.delete(seq);
    this.deleted.add(seq);
    return true;
  }

  /** Records with id > cursor (or from the start), at most `limit`. */
  after(cursor: string | undefined, limit: number, filter: RecordFilter = {}): ListWindow {
    const start = cursor === undefined ? 0 : Math.min(this.ids.countAtOrBefore(cursor), this.nextSeq);
    const records: CleverRecord[] = [];
    let seq = start;
    for (; seq < this.nextSeq && records.length < limit; seq++) {
      const record = this.matchAt(seq, filter);
      if (record) records.push(record);
    }
    const first = records[0] ? this.ids.seqOf(records[0].id)! : start;
    return { records, hasNext: this.findMatch(seq, 1, filter) !== undefined, hasPrev: this.findMatch(first - 1, -1, filter) !== undefined };
  }

  /**
   * Like `after`, but yields records one at a time so a 10000-record page is never held
   * whole. `hasPrev` is known up front; `hasNext()` is valid once `records` is exhausted.
   */
  streamAfter(cursor: string | undefined, limit: number, filter: RecordFilter = {}): StreamWindow {
    const start = cursor === undefined ? 0 : Math.min(this.ids.countAtOrBefore(cursor), this.nextSeq);
    const progress = { resumeAt: start };
    return {
      hasPrev: this.findMatch(start - 1, -1, filter) !== undefined,
      records: this.scanForward(start, limit, filter, progress),
      hasNext: () => this.findMatch(progress.resumeAt, 1, filter) !== undefined,
    };
  }

  private *scanForward(start: number, limit: number, filter: RecordFilter, progress: { resumeAt: number }): Generator<CleverRecord, void, undefined> {
    let taken = 0;
    let seq = start;
    for (; seq < this.nextSeq && taken < limit; seq++) {
      const record = this.matchAt(seq, filter);
      if (record) {
        taken++;
        yield record;
      }
    }
    progress.resumeAt = seq;
  }

  /** Records with id < cursor (or up to the end when cursor is undefined), the last `limit` of them, ascending. */
  before(cursor: string | undefined, limit: number, filter: RecordFilter = {}): ListWindow {
    const end = cursor === undefined ? this.nextSeq : Math.min(this.ids.countBefore(cursor), this.nextSeq);
    const records: CleverRecord[] = [];
    let seq = end - 1;
    for (; seq >= 0 && records.length < limit; seq--) {
      const record = this.matchAt(seq, filter);
      if (record) records.push(record);
    }
    records.reverse();
    const last = records.length ? this.ids.seqOf(records[records.length - 1]!.id)! : end - 1;
    return { records, hasNext: this.findMatch(last + 1, 1, filter) !== undefined, hasPrev: this.findMatch(seq, -1, filter) !== undefined };
  }

  /** How many matching records have id <= cursor: the position of the page after it. */
  countThrough(cursor: string | undefined, filter: RecordFilter = {}): number {
    if (cursor === undefined) return 0;
    const end = Math.min(this.ids.countAtOrBefore(cursor), this.nextSeq);
    let count = 0;
    for (let seq = 0; seq < end; seq++) if (this.matches(seq, filter)) count++;
    return count;
  }

  /** Every live matching record in id order (ground truth). */
  *all(filter: RecordFilter = {}): Generator<CleverRecord, void, undefined> {
    for (let seq = 0; seq < this.nextSeq; seq++) {
      const record = this.matchAt(seq, filter);
      if (record) yield record;
    }
  }

  private isAlive(seq: number): boolean {
    return seq >= 0 && seq < this.nextSeq && !this.deleted.has(seq) && (seq < this.baseCount || this.overlay.has(seq));
  }

  /** Match test that avoids building unmutated records. */
  private matches(seq: number, filter: RecordFilter): boolean {
    if (this.deleted.has(seq)) return false;
    const mutated = this.overlay.get(seq);
    if (mutated) return filter.record ? filter.record(mutated) : true;
    if (seq >= this.baseCount) return false;
    return filter.base ? filter.base(seq) : true;
  }

  private matchAt(seq: number, filter: RecordFilter): CleverRecord | undefined {
    return this.matches(seq, filter) ? this.at(seq) : undefined;
  }

  private findMatch(from: number, step: 1 | -1, filter: RecordFilter): number | undefined {
    for (let seq = from; seq >= 0 && seq < this.nextSeq; seq += step) if (this.matches(seq, filter)) return seq;
    return undefined;
  }
}
