/**
 * Retry policy: exponential backoff with full jitter for transient failures (5xx, timeouts,
 * resets), and server-directed waits for 429. Sleep, random and clock are injected so tests
 * are fast and deterministic.
 */
import { CleverError } from './errors';

export interface RetryPolicy {
  /** Attempts for transient failures (5xx, network), including the first. */
  maxAttempts: number;
  /** How many 429 answers a single request may wait out before giving up. */
  maxRateLimitRetries: number;
  /** First backoff ceiling; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of any backoff ceiling. */
  maxDelayMs: number;
  /** Longest server-requested wait (Retry-After / X-RateLimit-Reset) we sit through in-process. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  maxRateLimitRetries: 10,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
});

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  for (const [key, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${key} must be a non-negative number`);
  }
  if (policy.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be at least 1');
  return policy;
}

/** Full jitter: a uniform wait in [0, min(maxDelay, base * 2^(attempt-1))). `attempt` is 1-based. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Parses `Retry-After` (delta seconds or HTTP date) into milliseconds, or undefined. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'connection' | 'unauthorized';

/** What one attempt produced: a value, or an error that may be retried. */
export type AttemptOutcome<T> =
  | { kind: 'done'; value: T }
  | {
      kind: 'retry';
      reason: RetryReason;
      error: CleverError;
      /** A wait the server asked for (429); backoff is used otherwise. */
      serverDelayMs?: number;
    };

export interface RetryHooks {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  onRetry?: (info: { reason: RetryReason; attempt: number; delayMs: number; status?: number }) => void;
  /** Builds the error thrown when a 429 asks for a wait longer than `maxRetryAfterMs`. */
  tooLongWait?: (error: CleverError, delayMs: number) => CleverError;
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it is done or retries run out. Transient failures and 429s are counted
 * separately: waiting out a rate-limit window is normal, repeated 5xx is not.
 * A single 'unauthorized' retry is allowed (the caller refreshed the token).
 */
export async function runWithRetries<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  let failures = 0;
  let rateLimited = 0;
  let unauthorized = 0;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(attemptNumber);
    if (outcome.kind === 'done') return outcome.value;

    let delayMs: number;
    if (outcome.reason === 'rate_limited') {
      rateLimited++;
      if (rateLimited > policy.maxRateLimitRetries) throw outcome.error;
      delayMs = outcome.serverDelayMs ?? backoffDelayMs(rateLimited, policy, hooks.random);
      if (delayMs > policy.maxRetryAfterMs) throw hooks.tooLongWait ? hooks.tooLongWait(outcome.error, delayMs) : outcome.error;
    } else if (outcome.reason === 'unauthorized') {
      unauthorized++;
      if (unauthorized > 1) throw outcome.error;
      delayMs = 0;
    } else {
      failures++;
      if (failures >= policy.maxAttempts) throw outcome.error;
      delayMs = backoffDelayMs(failures, policy, hooks.random);
    }
    hooks.onRetry?.({ reason: outcome.reason, attempt: attemptNumber, delayMs, status: outcome.error.status });
    if (delayMs > 0) await hooks.sleep(delayMs, hooks.signal);
    if (hooks.signal?.aborted) throw outcome.error;
  }
}

/** Real sleep that stops early when the signal aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
