/**
 * Tracks Clever's fixed-window rate-limit headers for one client (one bearer token) so the
 * client pauses before a request that would certainly be answered 429.
 */

export interface RateLimitSnapshot {
  limit?: number;
  remaining?: number;
  /** Epoch ms when the current window resets. */
  resetAtMs?: number;
}

export class RateLimitTracker {
  private state: RateLimitSnapshot = {};

  /** Records the headers of a response. Missing or garbled headers leave the state alone. */
  observe(headers: { get(name: string): string | null }): void {
    const limit = toNumber(headers.get('x-ratelimit-limit'));
    const remaining = toNumber(headers.get('x-ratelimit-remaining'));
    const reset = toNumber(headers.get('x-ratelimit-reset'));
    if (limit === undefined && remaining === undefined && reset === undefined) return;
    this.state = {
      limit: limit ?? this.state.limit,
      remaining,
      // Clever sends the reset as a Unix timestamp in seconds.
      resetAtMs: reset === undefined ? undefined : reset * 1000,
    };
  }

  /** Milliseconds to wait before the next request: only when the window is known to be spent. */
  delayBeforeNextRequest(nowMs: number): number {
    const { remaining, resetAtMs } = this.state;
    if (remaining === undefined || remaining > 0 || resetAtMs === undefined) return 0;
    return Math.max(0, resetAtMs - nowMs);
  }

  /** Milliseconds until the window resets, if known (used for a 429 without Retry-After). */
  msUntilReset(nowMs: number): number | undefined {
    return this.state.resetAtMs === undefined ? undefined : Math.max(0, this.state.resetAtMs - nowMs);
  }

  /** After sleeping through a window, forget the spent budget. */
  windowElapsed(): void {
    this.state = { limit: this.state.limit };
  }

  snapshot(): RateLimitSnapshot {
    return { ...this.state };
  }
}

function toNumber(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
