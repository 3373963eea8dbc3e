/**
 * CleverClient: typed, paged, resilient access to the Clever Data API (v3.0).
 *
 * One client per district token (rate limits are per token). The token comes from an
 * injected provider; on 401 the provider is told to invalidate it and the request is retried
 * once with a fresh token, then CleverUnauthorizedError surfaces.
 */
import type { Dispatcher } from 'undici';
import { toTokenProvider, type TokenProvider, type TokenSource } from './auth';
import { parseMeEnvelope, parseSingleEnvelope } from './envelope';
import { CleverConfigError, CleverRateLimitError, CleverRequestError, CleverUnauthorizedError } from './errors';
import { createDefaultAgent, describeErrorBody, networkOutcome, sendRequest, transientOutcome, type HttpSettings } from './http';
import { emitMetric, type CleverMetricListener } from './metrics';
import { iteratePages, type PageRequester } from './pager';
import { RateLimitTracker, type RateLimitSnapshot } from './rateLimit';
import { defaultSleep, resolveRetryPolicy, runWithRetries, type AttemptOutcome, type RetryPolicy } from './retry';
import {
  CLEVER_API_VERSION,
  CLEVER_MAX_PAGE_SIZE,
  type CleverListResource,
  type CleverMe,
  type CleverPage,
  type CleverResourceRecords,
  type CleverUserRole,
} from './types';

export const CLEVER_API_BASE_URL = 'https://api.clever.com';

/** Resources Clever lists per school: `/schools/{id}/<resource>` (Clever/swagger-api v3.0.yml, paths `/schools/{id}/…`). */
export const SCHOOL_NESTED_RESOURCES = ['sections', 'users', 'courses', 'terms'] as const;

export interface CleverClientOptions {
  /** Bearer token source (function or provider with `invalidate`). */
  tokenProvider: TokenSource;
  /** API origin. Default https://api.clever.com (the simulator's URL in tests and locally). */
  baseUrl?: string;
  /** Default 'v3.0'. */
  apiVersion?: string;
  /** Records per page, 1..10000. Default 10000, the most Clever allows. */
  pageSize?: number;
  /** Records parsed and yielded at a time from a page (pager.ts). Default DEFAULT_PARSE_BATCH (1000). */
  parseBatch?: number;
  /** Per request, covering headers and body. Default 30000 ms. */
  timeoutMs?: number;
  /** Largest response body accepted (bytes); past it CleverResponseTooLargeError. Default 256 MiB. */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Shared undici dispatcher; by default the client owns a keep-alive Agent (closed by `close()`). */
  dispatcher?: Dispatcher;
  /** Pool size of the client's own Agent. Default 8. */
  connections?: number;
  /** Invalidate and retry once on 401 when the provider has `invalidate`. Default true. */
  refreshOn401?: boolean;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Clock for rate-limit arithmetic (X-RateLimit-Reset, Retry-After dates). */
  now?: () => number;
  onMetric?: CleverMetricListener;
  userAgent?: string;
}

export interface PageOptions {
  /** Page size for this iteration (1..10000); default the client's pageSize. */
  limit?: number;
  /** Resume after this record id (a checkpoint: the last id of the last stored page). */
  startingAfter?: string;
  /** users only: `?role=`. */
  role?: CleverUserRole;
  /** events only: `?record_type=` (e.g. ['users', 'sections']). */
  recordTypes?: string[];
  /**
   * List one school's records through Clever's nested endpoint `/schools/{id}/{resource}`
   * (Clever/swagger-api v3.0.yml: getSectionsForSchool, getUsersForSchool, getCoursesForSchool,
   * getTermsForSchool — same limit/starting_after paging as the top-level lists).
   */
  school?: string;
  /** Number of the first page yielded (for resumed iterations). Default 1. */
  firstPageNumber?: number;
  /** Records per yielded chunk of a page; default the client's parseBatch. */
  batch?: number;
  signal?: AbortSignal;
}

interface RequestContext {
  resource: string;
  page?: number;
  signal?: AbortSignal;
}

export class CleverClient {
  private readonly tokens: TokenProvider;
  private readonly apiBase: URL;
  private readonly apiVersion: string;
  private readonly pageSize: number;
  private readonly parseBatch?: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly ownAgent?: Dispatcher;
  private readonly http: HttpSettings;
  private readonly refreshOn401: boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly onMetric?: CleverMetricListener;
  private readonly rateLimitTracker = new RateLimitTracker();

  constructor(options: CleverClientOptions) {
    if (!options || !options.tokenProvider) throw new CleverConfigError('CleverClient needs a tokenProvider');
    this.tokens = toTokenProvider(options.tokenProvider);
    this.apiBase = parseBaseUrl(options.baseUrl ?? CLEVER_API_BASE_URL);
    this.apiVersion = options.apiVersion ?? CLEVER_API_VERSION;
    this.pageSize = validatePageSize(options.pageSize ?? CLEVER_MAX_PAGE_SIZE, 'pageSize');
    this.parseBatch = options.parseBatch;
    try {
      this.retryPolicy = resolveRetryPolicy(options.retry);
    } catch (error) {
      throw new CleverConfigError((error as Error).message);
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs > 0)) throw new CleverConfigError('timeoutMs must be a positive number');
    if (!options.dispatcher) this.ownAgent = createDefaultAgent(options.connections ?? 8);
    this.http = {
      dispatcher: options.dispatcher ?? this.ownAgent!,
      timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      userAgent: options.userAgent ?? 'CleverSyncSOS',
      onMetric: options.onMetric,
    };
    this.refreshOn401 = options.refreshOn401 ?? true;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onMetric = options.onMetric;
  }

  /** Pages of a list endpoint, following Clever's `next` links, each in chunks of bounded size (see CleverPage.final). */
  pages<R extends CleverListResource>(resource: R, options: PageOptions = {}): AsyncGenerator<CleverPage<CleverResourceRecords[R]>, void, undefined> {
    const limit = validatePageSize(options.limit ?? this.pageSize, 'limit');
    if (options.school !== undefined && !(SCHOOL_NESTED_RESOURCES as readonly string[]).includes(resource)) {
      throw new CleverConfigError(`Clever lists no ${resource} per school; nested lists exist for ${SCHOOL_NESTED_RESOURCES.join(', ')}`);
    }
    const url = this.url(options.school !== undefined ? `/schools/${encodeURIComponent(options.school)}/${resource}` : `/${resource}`);
    url.searchParams.set('limit', String(limit));
    if (options.role) {
      if (resource !== 'users') throw new CleverConfigError('role applies to users only');
      url.searchParams.set('role', options.role);
    }
    if (options.recordTypes?.length && resource !== 'events') throw new CleverConfigError('recordTypes applies to events only');
    for (const type of options.recordTypes ?? []) url.searchParams.append('record_type', type);
    if (options.startingAfter) url.searchParams.set('starting_after', options.startingAfter);
    const requester: PageRequester = {
      getBody: (pageUrl, context, signal) => this.getBody(pageUrl, { ...context, signal }),
    };
    return iteratePages<CleverResourceRecords[R]>(resource, url, requester, {
      firstPageNumber: options.firstPageNumber ?? 1,
      batch: options.batch ?? this.parseBatch,
      onMetric: this.onMetric,
      signal: options.signal,
    });
  }

  /** Records of a list endpoint, one by one (pages are fetched whole, parsed a chunk at a time). */
  async *records<R extends CleverListResource>(resource: R, options: PageOptions = {}): AsyncGenerator<CleverResourceRecords[R], void, undefined> {
    for await (const page of this.pages(resource, options)) yield* page.records;
  }

  /** Pages of `/events` after `startingAfter` (oldest first). */
  events(options: PageOptions = {}): AsyncGenerator<CleverPage<CleverResourceRecords['events']>, void, undefined> {
    return this.pages('events', options);
  }

  /**
   * Id of the newest event, or undefined when there are none, found by the documented paging
   * alone: follow `next` links from `startingAfter` (or the first event) to the end; the feed is
   * oldest first (https://dev.clever.com/docs/events-api). `ending_before=last` is documented
   * only for API v1.x, so it is not used. With `startingAfter` and nothing after it, that id is
   * still the newest. A 404 for a pruned `startingAfter` rescans from the first event.
   */
  async latestEventId(options: { startingAfter?: string; signal?: AbortSignal } = {}): Promise<string | undefined> {
    try {
      let newest = options.startingAfter;
      for await (const page of this.pages('events', { startingAfter: options.startingAfter, signal: options.signal })) newest = page.lastId ?? newest;
      return newest;
    } catch (error) {
      if (options.startingAfter && error instanceof CleverRequestError && error.status === 404) return this.latestEventId({ signal: options.signal });
      throw error;
    }
  }

  /**
   * Districts the token can read: `GET /districts` is documented to return only the token's own
   * district for a district-app token (Clever/swagger-api v3.0.yml `/districts`; dev.clever.com
   * "Districts"). Used to validate a token and to see it was revoked (401), instead of `/me`,
   * whose shape for district tokens is not documented.
   */
  async tokenDistricts(signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.pages('districts', { limit: 10, signal })) {
      for (const record of page.records) ids.push(record.id);
      if (ids.length > 10) break;
    }
    return ids;
  }

  /** One record by id (`/<resource>/<id>`). A missing record is CleverRequestError with status 404. */
  async get<R extends CleverListResource>(resource: R, id: string, signal?: AbortSignal): Promise<CleverResourceRecords[R]> {
    const url = this.url(`/${resource}/${encodeURIComponent(id)}`);
    const body = await this.getBody(url, { resource, signal });
    return parseSingleEnvelope(body, { resource, path: url.pathname }) as CleverResourceRecords[R];
  }

  /** `/me`: who the token belongs to (the district, for a district-app token). */
  async me(signal?: AbortSignal): Promise<CleverMe> {
    const url = this.url('/me');
    const body = await this.getBody(url, { resource: 'me', signal });
    return parseMeEnvelope(body, { resource: 'me', path: url.pathname }) as CleverMe;
  }

  /** Last rate-limit headers seen. */
  rateLimit(): RateLimitSnapshot {
    return this.rateLimitTracker.snapshot();
  }

  /** Closes the client's own connection pool (a passed-in dispatcher is left open). */
  async close(): Promise<void> {
    await this.ownAgent?.close();
  }

  private url(path: string): URL {
    const base = this.apiBase.pathname.replace(/\/$/, '');
    return new URL(`${base}/${this.apiVersion}${path}`, this.apiBase.origin);
  }

  /** GET with rate-limit pacing, retries and 401 refresh; returns the body of a 200. */
  private async getBody(url: URL, context: RequestContext): Promise<Buffer> {
    const path = url.pathname;
    return runWithRetries(
      async (attempt): Promise<AttemptOutcome<Buffer>> => {
        await this.waitForRateLimitWindow(path);
        const token = await this.tokens.getToken();
        let response;
        try {
          response = await sendRequest(this.http, {
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${token}` },
            attempt,
            signal: context.signal,
            secrets: [token],
          });
        } catch (error) {
          return networkOutcome(error);
        }
        this.rateLimitTracker.observe(response.headers);
        if (response.status === 200) return { kind: 'done', value: response.body };

        const transient = transientOutcome(response, path, attempt, this.now(), this.rateLimitTracker.msUntilReset(this.now()));
        if (transient) {
          if (response.status === 429) {
            const retryAfterMs = transient.kind === 'retry' ? transient.serverDelayMs : undefined;
            emitMetric(this.onMetric, { type: 'rate_limited', path, retryAfterMs });
            // The wait below covers the window; don't wait for it a second time.
            this.rateLimitTracker.windowElapsed();
          }
          return transient;
        }
        if (response.status === 401) {
          const error = new CleverUnauthorizedError(
            `Clever answered 401 for GET ${path}: the access token is invalid, expired or revoked (resource "${context.resource}")`,
            { status: 401, path, attempts: attempt },
          );
          if (this.tokens.invalidate) await this.tokens.invalidate(token);
          if (this.refreshOn401 && this.tokens.invalidate) return { kind: 'retry', reason: 'unauthorized', error };
          throw error;
        }
        const detail = describeErrorBody(response.body, [token]);
        throw new CleverRequestError(
          `Clever answered ${response.status} for GET ${path}${context.page === undefined ? '' : ` (resource "${context.resource}" page ${context.page})`}${detail ? `: ${detail}` : ''}`,
          { status: response.status, path, attempts: attempt },
        );
      },
      this.retryPolicy,
      {
        sleep: this.sleep,
        random: this.random,
        signal: context.signal,
        onRetry: (info) => emitMetric(this.onMetric, { type: 'retry', path, ...info }),
        tooLongWait: (error, delayMs) =>
          new CleverRateLimitError(`Clever asked to wait ${Math.ceil(delayMs / 1000)} s for GET ${path}, longer than allowed`, {
            status: error.status,
            path,
            attempts: error.attempts,
            retryAfterMs: delayMs,
          }),
      },
    );
  }

  /** When the last response said the window is spent, sleep until it resets instead of earning a 429. */
  private async waitForRateLimitWindow(path: string): Promise<void> {
    const delayMs = this.rateLimitTracker.delayBeforeNextRequest(this.now());
    if (delayMs <= 0) return;
    if (delayMs > this.retryPolicy.maxRetryAfterMs) {
      throw new CleverRateLimitError(`Clever rate-limit window for GET ${path} resets in ${Math.ceil(delayMs / 1000)} s, longer than allowed`, {
        path,
        retryAfterMs: delayMs,
      });
    }
    emitMetric(this.onMetric, { type: 'rate_limit_wait', delayMs });
    await this.sleep(delayMs);
    this.rateLimitTracker.windowElapsed();
  }
}

function validatePageSize(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > CLEVER_MAX_PAGE_SIZE) {
    throw new CleverConfigError(`${name} must be an integer from 1 to ${CLEVER_MAX_PAGE_SIZE} (Clever answers 413 above that); got ${value}`);
  }
  return value;
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CleverConfigError(`baseUrl is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CleverConfigError(`baseUrl must be http(s): ${value}`);
  return url;
}
