import { RetryOptionsJson } from "./actions";

/** The extension's default when maxRetryIntervalInMilliseconds is not given: 6 days (RetryOptions.cs, DefaultMaxRetryinterval). */
const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600 * 1000;

/** What the host does after a failed attempt (DTFx RetryInterceptor.Invoke). */
export type RetryStep = { kind: "retry"; delayMs: number } | { kind: "lastAttempt" } | { kind: "giveUp" };

/**
 * DTFx src/DurableTask.Core/RetryInterceptor.cs `Invoke`: after the LAST allowed attempt the host
 * schedules a "Dummy timer for back-compat" that fires at once (then throws the last error);
 * otherwise `ComputeNextDelay`, where zero (the retry timeout has expired, `retryTimeout: 0`
 * included: expiration = first attempt + 0) means it breaks out and throws WITHOUT a timer.
 * `attemptIndex` is the 0-based number of the attempt that just failed.
 */
export function retryStepAfterFailure(options: RetryOptionsJson, attemptIndex: number, firstAttemptAt: number, now: number): RetryStep {
  if (attemptIndex + 1 >= options.maxNumberOfAttempts) return { kind: "lastAttempt" };
  const delayMs = nextRetryDelayMs(options, attemptIndex, firstAttemptAt, now);
  return delayMs > 0 ? { kind: "retry", delayMs } : { kind: "giveUp" };
}

/** RetryInterceptor.ComputeNextDelay: min(first * backoff^attempt, maxInterval), or 0 once the retry timeout expired. */
export function nextRetryDelayMs(options: RetryOptionsJson, attemptIndex: number, firstAttemptAt: number, now: number): number {
  const timeout = options.retryTimeoutInMilliseconds;
  // RetryOptionsConverter sets RetryTimeout from any value given, 0 included; absent = TimeSpan.MaxValue.
  const expiresAt = timeout !== undefined && timeout !== null ? firstAttemptAt + timeout : Infinity;
  if (!(now < expiresAt)) return 0;
  const backoff = options.backoffCoefficient ?? 1;
  const maxInterval = options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, attemptIndex);
  return delay < maxInterval ? delay : maxInterval;
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/**
 * RetryOptionsConverter.ReadJson reads every millisecond field with `Value<int>()`: a value outside
 * Int32 throws OverflowException while the host deserializes the orchestrator's actions, which
 * fails the orchestration (TaskOrchestrationShim.InvokeUserCodeAndHandleResults). Returns that
 * message, or undefined.
 */
export function retryOptionsOverflow(options: RetryOptionsJson): string | undefined {
  const fields = [
    options.firstRetryIntervalInMilliseconds,
    options.maxNumberOfAttempts,
    options.maxRetryIntervalInMilliseconds,
    options.retryTimeoutInMilliseconds,
  ];
  for (const value of fields) {
    if (typeof value === "number" && (Math.round(value) > INT32_MAX || Math.round(value) < INT32_MIN)) {
      return "Value was either too large or too small for an Int32.";
    }
  }
  return undefined;
}

/**
 * DurableOrchestrationContext.CallDurableTaskFunctionAsync validates both retry intervals with
 * DurabilityProvider.ValidateDelayTime (Azure Storage: at most MaximumDelayTime, 6 days,
 * AzureStorageDurabilityProvider.cs). Returns the ArgumentException message, or undefined.
 */
export function retryIntervalError(options: RetryOptionsJson, maximumDelayMs: number): string | undefined {
  const max = options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  if (max > maximumDelayMs || options.firstRetryIntervalInMilliseconds > maximumDelayMs) {
    return `The Azure Storage provider supports a maximum of ${maximumDelayMs / 86_400_000} days for time-based delays`;
  }
  return undefined;
}
