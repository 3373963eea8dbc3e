import { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfterMs } from '../../lib/clever';
import { RateLimitTracker } from '../../lib/clever/rateLimit';
import { resolveRetryPolicy } from '../../lib/clever/retry';

describe('retry policy', () => {
  it('full jitter stays under an exponentially growing, capped ceiling', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs('0.5', now)).toBe(500);
    expect(parseRetryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it('rejects nonsense settings', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
  });

  it('waits only when the window is known to be spent', () => {
    const tracker = new RateLimitTracker();
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(tracker.delayBeforeNextRequest(0)).toBe(0);
    tracker.observe(headers({ 'x-ratelimit-limit': '1200', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '100' }));
    expect(tracker.delayBeforeNextRequest(90_000)).toBe(0);
    tracker.observe(headers({ 'x-ratelimit-limit': '1200', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' }));
    expect(tracker.delayBeforeNextRequest(90_000)).toBe(10_000);
    tracker.windowElapsed();
    expect(tracker.delayBeforeNextRequest(90_000)).toBe(0);
  });
});
