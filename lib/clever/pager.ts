/**
 * Follows Clever's range-based pagination: request the first page, then the `next` link
 * exactly as Clever wrote it, until there is none or a page comes back empty.
 *
 * Each page is yielded in chunks of at most `batch` records (see listBody.ts), so a consumer holds
 * one chunk of parsed records, not a whole page of up to 10,000; and the next page is already being
 * fetched while the consumer works through this one, so Clever's latency overlaps the writing.
 */
import { ListBody, malformed } from './listBody';
import { emitMetric, type CleverMetricListener } from './metrics';
import type { CleverListResource, CleverPage, CleverRecord } from './types';

export interface PageRequester {
  /** GETs `url` (with retries) and returns the raw 200 body. */
  getBody(url: URL, context: { resource: string; page: number }, signal?: AbortSignal): Promise<Buffer>;
}

/** Records parsed at a time when the caller does not say: far less than a page, enough to write in one transaction. */
export const DEFAULT_PARSE_BATCH = 1000;

export interface IteratePagesOptions {
  firstPageNumber: number;
  /** Records per yielded chunk (default DEFAULT_PARSE_BATCH). */
  batch?: number;
  onMetric?: CleverMetricListener;
  signal?: AbortSignal;
}

interface Fetched {
  url: URL;
  number: number;
  started: number;
  body: Promise<Buffer>;
}

export async function* iteratePages<T extends CleverRecord>(
  resource: CleverListResource,
  firstUrl: URL,
  requester: PageRequester,
  options: IteratePagesOptions,
): AsyncGenerator<CleverPage<T>, void, undefined> {
  const batch = Math.max(1, Math.floor(options.batch ?? DEFAULT_PARSE_BATCH));
  // Ends the prefetch of a page nobody will read (the consumer stopped early, or failed).
  const prefetch = new AbortController();
  const onOuterAbort = (): void => prefetch.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const request = (url: URL, number: number): Fetched => {
    const body = requester.getBody(url, { resource, page: number }, prefetch.signal);
    body.catch(() => undefined); // awaited below; an abandoned prefetch must not be an unhandled rejection
    return { url, number, started: performance.now(), body };
  };
  // Records come in ascending id order ("Elements are returned sorted with ascending IDs",
  // https://dev.clever.com/docs/paging-and-limits), so the cursor must only move forward: a page
  // that goes back is a loop (whatever its query string says), a repeated id is counted.
  let highest = firstUrl.searchParams.get('starting_after') ?? undefined;
  let current: Fetched | undefined = request(firstUrl, options.firstPageNumber);
  try {
    while (current) {
      const url: URL = current.url;
      const number: number = current.number;
      const path = url.pathname;
      const context = { resource, page: number, path };
      const body = await current.body;
      const list = ListBody.parse(body, context);
      const loop = (detail: string) => malformed(context, detail, 'pagination loop');
      const nextUri = list.links.find((link) => link.rel === 'next')?.uri;
      const nextUrl: URL | undefined = nextUri && list.length > 0 ? resolveNext(nextUri, url, context) : undefined;
      if (nextUrl) {
        const after = nextUrl.searchParams.get('starting_after');
        const currentAfter = url.searchParams.get('starting_after');
        if (!after || (currentAfter !== null && after <= currentAfter)) throw loop(`next link's starting_after (${after ?? 'none'}) does not move past ${currentAfter ?? 'the start'}`);
      }
      const latencyMs = Math.round(performance.now() - current.started);
      emitMetric(options.onMetric, { type: 'page', resource, page: number, records: list.length, bytes: body.length, latencyMs });
      current = nextUrl ? request(nextUrl, number + 1) : undefined;
      for (let from = 0; from === 0 || from < list.length; from += batch) {
        const records = list.records(from, from + batch);
        let duplicates = 0;
        for (const record of records) {
          if (highest !== undefined && record.id < highest) throw loop(`record ${record.id} comes after ${highest}: ids go backwards (a paging loop)`);
          if (record.id === highest) duplicates++;
          else highest = record.id;
        }
        const final = from + batch >= list.length;
        const page: CleverPage<T> = {
          resource,
          number,
          records: records as T[],
          hasNext: nextUrl !== undefined,
          bytes: final ? body.length : 0,
          latencyMs: from === 0 ? latencyMs : 0,
          final,
        };
        if (duplicates) page.duplicates = duplicates;
        const last = records[records.length - 1];
        if (last) page.lastId = last.id;
        yield page;
      }
    }
  } finally {
    prefetch.abort();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Resolves a next link against the current URL; refuses another origin so the token never leaves Clever. */
function resolveNext(uri: string, current: URL, context: { resource: string; page: number; path: string }): URL {
  let next: URL;
  try {
    next = new URL(uri, current);
  } catch {
    next = new URL('invalid:');
  }
  if (next.origin !== current.origin) throw malformed(context, `next link is not on ${current.origin}`, 'next link points elsewhere');
  return next;
}
