/**
 * One HTTP exchange with Clever over undici: per-request timeout covering headers and body,
 * keep-alive pooling through the shared dispatcher, and failures turned into typed errors
 * with sanitized causes. Retrying is the caller's job (see retry.ts).
 *
 * undici's own `fetch` is used together with its `Agent`: Node 20's built-in fetch bundles an
 * older undici whose internals do not accept a dispatcher from undici 7.
 */
import { Agent, fetch, type Dispatcher, type Response } from 'undici';
import { CleverNetworkError, CleverRateLimitError, CleverResponseTooLargeError, CleverServerError, sanitizeCause } from './errors';
import { emitMetric, type CleverMetricListener } from './metrics';
import { parseRetryAfterMs, type AttemptOutcome } from './retry';

/** Default cap of one response body: a full 10000-record page is tens of MB; a runaway body stops here. */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export interface HttpSettings {
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** A body larger than this fails the request with CleverResponseTooLargeError. Default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  userAgent: string;
  onMetric?: CleverMetricListener;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  attempt: number;
  signal?: AbortSignal;
  /** Strings that must never reach an error message (token, client secret). */
  secrets: readonly string[];
}

export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: Buffer;
  durationMs: number;
}

/** A keep-alive pool for one client. */
export function createDefaultAgent(connections = 8): Agent {
  return new Agent({ connections, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
}

export async function sendRequest(settings: HttpSettings, request: HttpRequest): Promise<HttpResponse> {
  const path = request.url.pathname;
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.timeoutMs);
  const onOuterAbort = (): void => controller.abort();
  request.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: { 'user-agent': settings.userAgent, accept: 'application/json', ...request.headers },
      body: request.body,
      signal: controller.signal,
      dispatcher: settings.dispatcher,
      redirect: 'manual',
    });
    // Reading the body is inside the timeout too: a stalled body is as bad as a stalled header.
    const body = await readCapped(response, settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, path, request.attempt, controller);
    const durationMs = Math.round(performance.now() - started);
    emitMetric(settings.onMetric, {
      type: 'request',
      method: request.method,
      path,
      status: response.status,
      durationMs,
      bytes: body.length,
      attempt: request.attempt,
    });
    return { status: response.status, headers: response.headers, body, durationMs };
  } catch (error) {
    if (error instanceof CleverResponseTooLargeError) throw error;
    const failure = timedOut ? 'timeout' : request.signal?.aborted ? 'aborted' : 'connection';
    emitMetric(settings.onMetric, {
      type: 'network_error',
      method: request.method,
      path,
      failure,
      durationMs: Math.round(performance.now() - started),
      attempt: request.attempt,
    });
    const what =
      failure === 'timeout'
        ? `timed out after ${settings.timeoutMs} ms`
        : failure === 'aborted'
          ? 'was aborted by the caller'
          : 'failed to connect or the connection was reset';
    throw new CleverNetworkError(`Clever request ${request.method} ${path} ${what} (attempt ${request.attempt})`, {
      failure,
      path,
      attempts: request.attempt,
      cause: sanitizeCause(error, request.secrets),
    });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * Reads a body up to `maxBytes`, so an endless or huge answer cannot grow the process: past the
 * cap the connection is aborted and the request fails with a named, permanent error.
 */
async function readCapped(response: Response, maxBytes: number, path: string, attempt: number, controller: AbortController): Promise<Buffer> {
  const tooLarge = (bytes: string) =>
    new CleverResponseTooLargeError(
      `Clever's answer to GET ${path} is larger than the ${maxBytes}-byte cap (${bytes}); nothing from it was used. Fix: lower the page size, or raise CLEVER_MAX_RESPONSE_BYTES if such pages are genuine.`,
      { status: response.status, path, attempts: attempt, maxBytes },
    );
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    controller.abort();
    throw tooLarge(`Content-Length ${declared}`);
  }
  if (!response.body) return Buffer.alloc(0);
  // With a Content-Length the body is copied once into a buffer of that size; otherwise the chunks
  // are kept as they came (no copy) and joined at the end. A page is ~8 MB of a 10,000-user
  // response: copying it per chunk and again to join held three copies at once.
  let whole = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    if (total + chunk.byteLength > maxBytes) {
      controller.abort();
      throw tooLarge(`over ${maxBytes} bytes read`);
    }
    if (whole && total + chunk.byteLength <= whole.length) whole.set(chunk, total);
    else {
      // More than declared (or nothing declared): collect instead.
      if (whole) chunks.push(whole.subarray(0, total));
      whole = undefined;
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    total += chunk.byteLength;
  }
  if (whole) return total === whole.length ? whole : whole.subarray(0, total);
  return Buffer.concat(chunks, total);
}

/**
 * The retry decision shared by every endpoint: 429 waits (Retry-After, else the window reset),
 * 500/502/503/504 back off, a network failure backs off. Anything else is for the caller.
 */
export function transientOutcome(
  response: HttpResponse,
  path: string,
  attempt: number,
  nowMs: number,
  msUntilWindowReset?: number,
): AttemptOutcome<never> | undefined {
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), nowMs) ?? msUntilWindowReset;
    return {
      kind: 'retry',
      reason: 'rate_limited',
      serverDelayMs: retryAfterMs,
      error: new CleverRateLimitError(`Clever rate limit exceeded (429) for GET ${path}; gave up after ${attempt} attempts`, {
        status: 429,
        path,
        attempts: attempt,
        retryAfterMs,
      }),
    };
  }
  if (response.status === 500 || response.status === 502 || response.status === 503 || response.status === 504) {
    return {
      kind: 'retry',
      reason: 'server_error',
      error: new CleverServerError(`Clever answered ${response.status} for ${path} after ${attempt} attempts`, {
        status: response.status,
        path,
        attempts: attempt,
      }),
    };
  }
  return undefined;
}

/** Network errors worth another attempt become retry outcomes; an abort is thrown. */
export function networkOutcome(error: unknown): AttemptOutcome<never> {
  if (error instanceof CleverNetworkError && error.retryable) {
    return { kind: 'retry', reason: error.failure === 'timeout' ? 'timeout' : 'connection', error };
  }
  throw error;
}

/** Short, safe description of an error body for messages: the server's own `message`/`error` field only. */
export function describeErrorBody(body: Buffer, secrets: readonly string[]): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const text = [record.message, record.error, record.error_description].find((v) => typeof v === 'string') as string | undefined;
      if (text) {
        const short = text.length > 200 ? `${text.slice(0, 200)}…` : text;
        return secrets.some((s) => s && short.includes(s)) ? undefined : short;
      }
    }
  } catch {
    // HTML or empty bodies happen (gateways); they are not described.
  }
  return undefined;
}
