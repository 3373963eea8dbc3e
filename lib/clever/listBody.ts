/**
 * A list page's body, parsed a slice of records at a time.
 *
 * Clever sends up to 10,000 records a page (https://dev.clever.com/docs/paging-and-limits); as JS
 * objects such a page of users is several times its JSON size, and a sync that parsed it whole
 * held all of it while it was written. Here the body stays one Buffer (compact, outside the JS
 * heap) and a scan finds where each item of the envelope's `data` array starts and ends; records
 * are then parsed `batch` items at a time with the native JSON.parse, so what a sync holds is one
 * batch of objects, whatever the page size. The scan also checks the envelope's structure and
 * reads its `links`, so a malformed page is refused before any of its records is used.
 *
 * The scan understands JSON's structure only as far as it needs (RFC 8259: strings with escapes,
 * nesting, top-level members); every value is still checked by JSON.parse when it is read.
 */
import { CleverMalformedResponseError } from './errors';
import type { CleverLink, CleverRecord } from './types';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export interface ListBodyContext {
  resource: string;
  page?: number;
  path: string;
}

/** Where each item of `data` lies in the body, and the page's links. */
export class ListBody {
  /** Item i spans bytes [starts[i], ends[i]). */
  private constructor(
    private readonly body: Buffer,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    readonly length: number,
    readonly links: CleverLink[],
    private readonly context: ListBodyContext,
  ) {}

  static parse(body: Buffer, context: ListBodyContext): ListBody {
    const scan = new Scanner(body, context);
    const { starts, ends, count, members } = scan.envelope();
    let links: CleverLink[] = [];
    const linksSpan = members.get('links');
    if (linksSpan) {
      const value = parseSlice(body, linksSpan[0], linksSpan[1], context);
      if (value !== null) links = checkLinks(value, context);
    }
    return new ListBody(body, starts, ends, count, links, context);
  }

  /**
   * Records of items [from, to): each item must be `{ data: { id: "<non-empty>", ... }, uri?: string }`.
   * Only the `id` paging needs is checked here; contents are validated by the sync, record by record
   * (an event too: one malformed event is quarantined, not its page — Clever's spec requires
   * nothing of an event but `type`, v3.0-events.yml `Event`).
   */
  records(from: number, to: number): CleverRecord[] {
    const end = Math.min(to, this.length);
    const records: CleverRecord[] = [];
    // Items are contiguous in the body, separated by commas: one JSON.parse per run of items, each
    // run's text kept under V8's large-object size so it dies young instead of waiting for a full GC.
    for (let first = from; first < end; ) {
      let last = first + 1;
      while (last < end && this.ends[last]! - this.starts[first]! <= MAX_SLICE_BYTES) last++;
      const items = parseSlice(this.body, this.starts[first]!, this.ends[last - 1]!, this.context, true) as unknown[];
      for (let i = 0; i < items.length; i++) records.push(checkItem(items[i], first + i, this.context));
      first = last;
    }
    return records;
  }
}

/**
 * Text parsed at once, at most (unless one item is larger). V8 allocates a string over ~128 KiB
 * (kMaxRegularHeapObjectSize) in its large-object space, which only a full GC frees: a sync that
 * parsed big slices grew the heap by every byte Clever sent before one came.
 */
const MAX_SLICE_BYTES = 64 * 1024;

function parseSlice(body: Buffer, start: number, end: number, context: ListBodyContext, asArray = false): unknown {
  try {
    const text = body.toString('utf8', start, end);
    return JSON.parse(asArray ? `[${text}]` : text);
  } catch {
    // Never quote the body: it is roster data (personal information).
    throw malformed(context, `body is not valid JSON (${body.length} bytes)`);
  }
}

function checkItem(item: unknown, index: number, context: ListBodyContext): CleverRecord {
  const data = isObject(item) ? item.data : undefined;
  if (!isObject(item) || !isObject(data)) throw malformed(context, `unexpected envelope (data.${index}.data: expected an object)`);
  if (typeof data.id !== 'string' || data.id.length === 0) throw malformed(context, `unexpected envelope (data.${index}.data.id: expected a non-empty string)`);
  if (item.uri !== undefined && typeof item.uri !== 'string') throw malformed(context, `unexpected envelope (data.${index}.uri: expected a string)`);
  return data as CleverRecord;
}

function checkLinks(value: unknown, context: ListBodyContext): CleverLink[] {
  if (!Array.isArray(value)) throw malformed(context, 'unexpected envelope (links: expected an array)');
  value.forEach((link, i) => {
    if (!isObject(link) || typeof link.rel !== 'string' || typeof link.uri !== 'string') {
      throw malformed(context, `unexpected envelope (links.${i}: expected { rel, uri } strings)`);
    }
  });
  return value as CleverLink[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `detail` goes in the message; `reason` is the structured cause callers key on (the detail unless given). */
export function malformed(context: ListBodyContext, detail: string, reason = detail): CleverMalformedResponseError {
  const where = context.page === undefined ? '' : ` page ${context.page}`;
  return new CleverMalformedResponseError(
    `Clever returned a malformed response for resource "${context.resource}"${where} (${context.path}): ${detail}`,
    { resource: context.resource, page: context.page, reason, path: context.path },
  );
}

/** A forward scan over the body's bytes. Strings are skipped with Buffer.indexOf (native), the rest byte by byte. */
class Scanner {
  private i = 0;

  constructor(
    private readonly body: Buffer,
    private readonly context: ListBodyContext,
  ) {}

  /** The top-level object: the spans of its members, and of each item of `data`. */
  envelope(): { starts: Uint32Array; ends: Uint32Array; count: number; members: Map<string, [number, number]> } {
    const members = new Map<string, [number, number]>();
    let starts: Uint32Array = new Uint32Array(0);
    let ends: Uint32Array = new Uint32Array(0);
    let count = -1;
    this.skipWhitespace();
    if (this.body[this.i] !== OPEN_BRACE) {
      parseSlice(this.body, 0, this.body.length, this.context); // invalid JSON is named as such
      throw malformed(this.context, 'unexpected envelope ((root): expected an object)');
    }
    this.i++;
    this.skipWhitespace();
    if (this.body[this.i] === CLOSE_BRACE) this.i++;
    else {
      for (;;) {
        this.skipWhitespace();
        const keyStart = this.i;
        this.skipString();
        const key = parseSlice(this.body, keyStart, this.i, this.context) as string;
        this.skipWhitespace();
        if (this.body[this.i++] !== COLON) throw this.bad('expected ":" after a member name');
        this.skipWhitespace();
        if (key === 'data') {
          if (this.body[this.i] !== OPEN_BRACKET) throw malformed(this.context, 'unexpected envelope (data: expected an array)');
          ({ starts, ends, count } = this.items());
        } else {
          const start = this.i;
          this.skipValue();
          members.set(key, [start, this.i]);
        }
        this.skipWhitespace();
        const next = this.body[this.i++];
        if (next === CLOSE_BRACE) break;
        if (next !== COMMA) throw this.bad('expected "," or "}" between members');
      }
    }
    this.skipWhitespace();
    if (this.i !== this.body.length) throw this.bad('unexpected bytes after the JSON object');
    if (count < 0) throw malformed(this.context, 'unexpected envelope (data: expected an array)');
    return { starts, ends, count, members };
  }

  /** The items of the array at the cursor. */
  private items(): { starts: Uint32Array; ends: Uint32Array; count: number } {
    let starts: Uint32Array = new Uint32Array(1024);
    let ends: Uint32Array = new Uint32Array(1024);
    let count = 0;
    this.i++; // [
    this.skipWhitespace();
    if (this.body[this.i] === CLOSE_BRACKET) {
      this.i++;
      return { starts, ends, count };
    }
    for (;;) {
      this.skipWhitespace();
      if (count === starts.length) {
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[count] = this.i;
      this.skipValue();
      ends[count++] = this.i;
      this.skipWhitespace();
      const next = this.body[this.i++];
      if (next === CLOSE_BRACKET) return { starts, ends, count };
      if (next !== COMMA) throw this.bad('expected "," or "]" between items');
    }
  }

  /** Any value: objects and arrays by nesting depth, strings by their closing quote, scalars up to a delimiter. */
  private skipValue(): void {
    const body = this.body;
    const first = body[this.i];
    if (first === QUOTE) return this.skipString();
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      // true, false, null or a number: JSON.parse checks it later.
      const start = this.i;
      while (this.i < body.length) {
        const c = body[this.i]!;
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) break;
        this.i++;
      }
      if (this.i === start) throw this.bad('expected a value');
      return;
    }
    let depth = 0;
    while (this.i < body.length) {
      const c = body[this.i]!;
      if (c === QUOTE) {
        this.skipString();
        continue;
      }
      this.i++;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return;
      }
    }
    throw this.bad('the body ends inside a value');
  }

  /** A string at the cursor, up to and including its closing quote (one not escaped by an odd run of backslashes). */
  private skipString(): void {
    const body = this.body;
    if (body[this.i] !== QUOTE) throw this.bad('expected a string');
    let from = this.i + 1;
    for (;;) {
      const quote = body.indexOf(QUOTE, from);
      if (quote < 0) throw this.bad('the body ends inside a string');
      let backslashes = 0;
      while (body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
      from = quote + 1;
      if (backslashes % 2 === 0) {
        this.i = from;
        return;
      }
    }
  }

  private skipWhitespace(): void {
    const body = this.body;
    while (this.i < body.length) {
      const c = body[this.i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  private bad(what: string): CleverMalformedResponseError {
    return malformed(this.context, `body is not valid JSON (${what} at byte ${this.i} of ${this.body.length})`);
  }
}

function grow(array: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
