/**
 * Typed errors for the Clever client.
 *
 * Every error carries only non-secret metadata (status, path, resource, page, attempts).
 * Tokens, client secrets, request headers and Response objects are never attached, and
 * `toJSON` lists exactly what may be logged, so `JSON.stringify(err)` stays safe.
 */

export interface CleverErrorDetails {
  /** HTTP status when the error came from a response. */
  status?: number;
  /** Request path (no host, no query string). */
  path?: string;
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** A sanitized cause (a plain Error built from the original's code and message). */
  cause?: Error;
}

export abstract class CleverError extends Error {
  abstract readonly code: string;
  declare readonly status?: number;
  declare readonly path?: string;
  declare readonly attempts?: number;

  constructor(message: string, details: CleverErrorDetails = {}) {
    super(message, details.cause ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    if (details.status !== undefined) this.status = details.status;
    if (details.path !== undefined) this.path = details.path;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }

  /** Whether a later, identical request may succeed (used by callers such as durable retries). */
  get retryable(): boolean {
    return false;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value !== undefined && typeof value !== 'function' && typeof value !== 'object') out[key] = value;
    }
    if (this.cause instanceof Error) out.cause = { name: this.cause.name, message: this.cause.message };
    return out;
  }
}

/** The token endpoint rejected the client id/secret (`invalid_client`) or the request itself. */
export class CleverAuthError extends CleverError {
  readonly code = 'CLEVER_AUTH';
  declare readonly oauthError?: string;
  constructor(message: string, details: CleverErrorDetails & { oauthError?: string } = {}) {
    super(message, details);
    if (details.oauthError !== undefined) this.oauthError = details.oauthError;
  }
}

/** The data API answered 401: the bearer token is invalid, expired or revoked. Re-fetch the token. */
export class CleverUnauthorizedError extends CleverError {
  readonly code = 'CLEVER_UNAUTHORIZED';
}

/** Still rate limited (429) after the allowed waits, or the server asked for a longer wait than allowed. */
export class CleverRateLimitError extends CleverError {
  readonly code = 'CLEVER_RATE_LIMIT';
  /** How long the server asked us to wait, when it said so. */
  declare readonly retryAfterMs?: number;
  constructor(message: string, details: CleverErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
  override get retryable(): boolean {
    return true;
  }
}

/** Clever kept answering 5xx (500/502/503/504) after the allowed retries. */
export class CleverServerError extends CleverError {
  readonly code = 'CLEVER_SERVER';
  override get retryable(): boolean {
    return true;
  }
}

export type CleverNetworkFailure = 'timeout' | 'connection' | 'aborted';

/** The request never got a complete answer: timeout, connection reset or refused. */
export class CleverNetworkError extends CleverError {
  readonly code = 'CLEVER_NETWORK';
  readonly failure: CleverNetworkFailure;
  constructor(message: string, details: CleverErrorDetails & { failure: CleverNetworkFailure }) {
    super(message, details);
    this.failure = details.failure;
  }
  override get retryable(): boolean {
    return this.failure !== 'aborted';
  }
}

/** Clever answered a 4xx that is not 401/429 (400, 403, 404, 413, 501...): retrying will not help. */
export class CleverRequestError extends CleverError {
  readonly code = 'CLEVER_REQUEST';
}

/** A response body that is not the JSON shape Clever documents. Names the resource and page. */
export class CleverMalformedResponseError extends CleverError {
  readonly code = 'CLEVER_MALFORMED_RESPONSE';
  readonly resource: string;
  declare readonly page?: number;
  readonly reason: string;
  constructor(message: string, details: CleverErrorDetails & { resource: string; page?: number; reason: string }) {
    super(message, details);
    this.resource = details.resource;
    if (details.page !== undefined) this.page = details.page;
    this.reason = details.reason;
  }
}

/** A response body over the configured cap (an endless or runaway answer). Permanent: the same request would do it again. */
export class CleverResponseTooLargeError extends CleverError {
  readonly code = 'CLEVER_RESPONSE_TOO_LARGE';
  readonly maxBytes: number;
  constructor(message: string, details: CleverErrorDetails & { maxBytes: number }) {
    super(message, details);
    this.maxBytes = details.maxBytes;
  }
}

/** Settings passed to the client are invalid (e.g. page size over Clever's 10000 limit). */
export class CleverConfigError extends CleverError {
  readonly code = 'CLEVER_CONFIG';
}

/**
 * Turns whatever fetch/undici threw into a plain Error holding only a code and a message,
 * with any known secret removed: undici errors can carry sockets and request objects.
 */
export function sanitizeCause(error: unknown, secrets: readonly string[] = []): Error {
  // Duck-typed: errors from undici may come from another realm (instanceof Error fails there).
  const original = asErrorLike(error) ?? { name: 'Error', message: String(error) };
  const inner = asErrorLike(original.cause);
  const code = pickCode(inner) ?? pickCode(original);
  const text = [original.message, inner?.message].filter(Boolean).join(': ');
  const safe = new Error(redact(code && !text.includes(code) ? `${code}: ${text}` : text, secrets));
  safe.name = inner?.name ?? original.name;
  return safe;
}

interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
  cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<ErrorLike>;
  if (typeof candidate.message !== 'string') return undefined;
  return { name: typeof candidate.name === 'string' ? candidate.name : 'Error', message: candidate.message, code: candidate.code, cause: candidate.cause };
}

function pickCode(error: ErrorLike | undefined): string | undefined {
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** Replaces every occurrence of each non-empty secret with a marker. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
