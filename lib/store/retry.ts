/**
 * Retries of store operations that failed transiently: Azure SQL's documented transient errors
 * (reconfiguration, failover, throttling, a serverless database resuming from auto-pause), lost
 * connections, deadlocks, and SQLite's busy database. Permanent failures (login refused, bad SQL,
 * constraint violations) are never retried: they surface at once with their cause.
 *
 * The schedule waits ≈60 s in all: a paused serverless database typically resumes within a minute
 * and answers 40613 until then ("Serverless compute tier", auto-resume:
 * https://learn.microsoft.com/azure/azure-sql/database/serverless-tier-overview). Each retry is
 * reported through onRetry so it is visible in logs.
 */
import { StoreError } from "./errors";

/** Waits before attempts 2, 3, ...: 0.5 + 1 + 2 + 4 + 8 + 15 + 30 = 60.5 s in all. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000, 15000, 30000];

export interface RetryEvent {
  operation: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** Wait before the next attempt. */
  delayMs: number;
  error: StoreError;
}

export interface RetryOptions {
  delaysMs?: readonly number[];
  onRetry?: (event: RetryEvent) => void;
}

export function isTransient(error: unknown): error is StoreError {
  return error instanceof StoreError && (error as { transient?: unknown }).transient === true;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails permanently, or the schedule is spent (then the last
 * error is thrown). `exclude` names transient errors not worth repeating here (they stay marked
 * transient for the caller's own, slower retry).
 */
export async function withRetry<T>(operation: string, options: RetryOptions, attempt: () => Promise<T>, exclude: (error: StoreError) => boolean = () => false): Promise<T> {
  const delays = options.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = delays[n - 1];
      if (delayMs === undefined || !isTransient(error) || exclude(error)) throw error;
      try {
        options.onRetry?.({ operation, attempt: n, delayMs, error });
      } catch {
        // A failing listener must not turn a retry into a failure.
      }
      await sleep(delayMs);
    }
  }
}
