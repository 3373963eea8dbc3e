import { RetryOptionsJson } from "./actions";

/** The extension's default when maxRetryIntervalInMilliseconds is not given: 6 days. */
const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600 * 1000;

/**
 * DTFx RetryInterceptor.ComputeNextDelay: delay before the retry that follows failed attempt
 * number `attemptIndex` (0-based). Zero means "give up now", which happens only when the
 * retry timeout has expired (a timer still follows the last allowed attempt).
 */
export function nextRetryDelayMs(options: RetryOptionsJson, attemptIndex: number, firstAttemptAt: number, now: number): number {
  const timeout = options.retryTimeoutInMilliseconds;
  const expiresAt = timeout !== undefined && timeout > 0 && Number.isFinite(timeout) ? firstAttemptAt + timeout : Infinity;
  if (now >= expiresAt) return 0;
  const backoff = options.backoffCoefficient ?? 1;
  const maxInterval = options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, attemptIndex);
  return delay < maxInterval ? delay : maxInterval;
}
