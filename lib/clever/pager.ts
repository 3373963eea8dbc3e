/**
 * Follows Clever's range-based pagination: request the first page, then the `next` link
 * exactly as Clever wrote it, until there is none or a page comes back empty.
 */
import { parseListEnvelope } from './envelope';
import { CleverMalformedResponseError } from './errors';
import { emitMetric, type CleverMetricListener } from './metrics';
import type { CleverListResource, CleverPage, CleverRecord } from './types';

export interface PageRequester {
  /** GETs `url` (with retries) and returns the raw 200 body. */
  getBody(url: URL, context: { resource: string; page: number }, signal?: AbortSignal): Promise<Buffer>;
}

export interface IteratePagesOptions {
  firstPageNumber: number;
  onMetric?: CleverMetricListener;
  signal?: AbortSignal;
}

export async function* iteratePages<T extends CleverRecord>(
  resource: CleverListResource,
  firstUrl: URL,
  requester: PageRequester,
  options: IteratePagesOptions,
): AsyncGenerator<CleverPage<T>, void, undefined> {
  let url: URL | undefined = firstUrl;
  let number = options.firstPageNumber;
  // Records come in ascending id order ("Elements are returned sorted with ascending IDs",
  // https://dev.clever.com/docs/paging-and-limits), so the cursor must only move forward: a page
  // that goes back is a loop (whatever its query string says), a repeated id is counted.
  let highest = firstUrl.searchParams.get('starting_after') ?? undefined;
  while (url) {
    const started = performance.now();
    const path = url.pathname;
    const body = await requester.getBody(url, { resource, page: number }, options.signal);
    const { records, links } = parseListEnvelope(resource, body, { resource, page: number, path });
    const loop = (reason: string) =>
      new CleverMalformedResponseError(`Clever returned a malformed response for resource "${resource}" page ${number} (${path}): ${reason}`, {
        resource,
        page: number,
        reason: 'pagination loop',
        path,
      });
    let duplicates = 0;
    for (const record of records) {
      if (highest !== undefined && record.id < highest) throw loop(`record ${record.id} comes after ${highest}: ids go backwards (a paging loop)`);
      if (record.id === highest) duplicates++;
      else highest = record.id;
    }
    const nextUri = links.find((link) => link.rel === 'next')?.uri;
    const nextUrl: URL | undefined = nextUri && records.length > 0 ? resolveNext(nextUri, url, resource, number) : undefined;
    if (nextUrl) {
      const after = nextUrl.searchParams.get('starting_after');
      const current = url.searchParams.get('starting_after');
      if (!after || (current !== null && after <= current)) throw loop(`next link's starting_after (${after ?? 'none'}) does not move past ${current ?? 'the start'}`);
    }
    const latencyMs = Math.round(performance.now() - started);
    emitMetric(options.onMetric, { type: 'page', resource, page: number, records: records.length, bytes: body.length, latencyMs });
    const page: CleverPage<T> = {
      resource,
      number,
      records: records as T[],
      hasNext: nextUrl !== undefined,
      bytes: body.length,
      latencyMs,
    };
    if (duplicates) page.duplicates = duplicates;
    const last = records[records.length - 1];
    if (last) page.lastId = last.id;
    yield page;
    url = nextUrl;
    number++;
  }
}

/** Resolves a next link against the current URL; refuses another origin so the token never leaves Clever. */
function resolveNext(uri: string, current: URL, resource: string, page: number): URL {
  let next: URL;
  try {
    next = new URL(uri, current);
  } catch {
    next = new URL('invalid:');
  }
  if (next.origin !== current.origin) {
    throw new CleverMalformedResponseError(
      `Clever returned a malformed response for resource "${resource}" page ${page} (${current.pathname}): next link is not on ${current.origin}`,
      { resource, page, reason: 'next link points elsewhere', path: current.pathname },
    );
  }
  return next;
}
