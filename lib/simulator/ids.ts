/**
 * Deterministic Clever-style ids (24 hex chars, shaped like Mongo ObjectIds: 4-byte seconds,
 * 5 "machine/process" bytes, 3-byte counter). The timestamp grows by one per sequence
 * number, so ids sort in sequence order and a cursor id maps back to a position in O(1):
 * a 100k-user district pages without holding its ids in memory.
 */
import { hashInts } from './prng';

const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isCleverId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export class IdSpace {
  private readonly middle: string;

  /**
   * @param seed dataset seed
   * @param kind distinguishes resources so their ids never collide
   * @param startSeconds timestamp of sequence number 0
   */
  constructor(
    private readonly seed: number,
    private readonly kind: number,
    private readonly startSeconds: number,
  ) {
    const machine = hashInts(seed, kind, 0x6d61) & 0xffffff;
    const proc = hashInts(seed, kind, 0x7072) & 0xffff;
    this.middle = hex(machine, 6) + hex(proc, 4);
  }

  /** The id at sequence number `seq` (0-based). */
  idAt(seq: number): string {
    return hex(this.startSeconds + seq, 8) + this.middle + hex(hashInts(this.seed, this.kind, seq) & 0xffffff, 6);
  }

  /** The sequence number of `id` when it is exactly one of ours, else undefined. */
  seqOf(id: string): number | undefined {
    if (!isCleverId(id)) return undefined;
    const seq = parseInt(id.slice(0, 8), 16) - this.startSeconds;
    return seq >= 0 && this.idAt(seq) === id ? seq : undefined;
  }

  /** How many sequence numbers have an id <= cursor (= the first seq strictly after it). */
  countAtOrBefore(cursor: string): number {
    const seq = this.anchor(cursor);
    if (seq < 0) return 0;
    return this.idAt(seq) <= cursor ? seq + 1 : seq;
  }

  /** How many sequence numbers have an id < cursor (= the first seq at or after it). */
  countBefore(cursor: string): number {
    const seq = this.anchor(cursor);
    if (seq < 0) return 0;
    return this.idAt(seq) < cursor ? seq + 1 : seq;
  }

  /** Sequence number with the same timestamp as the cursor; ids of smaller seqs are all smaller. */
  private anchor(cursor: string): number {
    if (!isCleverId(cursor)) throw new RangeError(`not a Clever id: ${JSON.stringify(cursor.slice(0, 40))}`);
    return parseInt(cursor.slice(0, 8), 16) - this.startSeconds;
  }
}

function hex(value: number, width: number): string {
  return (value >>> 0).toString(16).padStart(width, '0').slice(-width);
}
