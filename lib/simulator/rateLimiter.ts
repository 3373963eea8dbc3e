/**
 * Clever's rate limit: a fixed window per bearer token (1200 requests per minute by
 * default), reset on the window boundary, reported in X-RateLimit-* headers.
 */

export interface RateLimitSettings {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms of the window reset. */
  resetAtMs: number;
}

export const CLEVER_RATE_LIMIT: RateLimitSettings = { limit: 1200, windowSeconds: 60 };

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  configure(settings: RateLimitSettings): void {
    this.settings = settings;
    this.windows.clear();
  }

  take(key: string): RateLimitVerdict {
    const windowMs = this.settings.windowSeconds * 1000;
    const now = this.now();
    const start = Math.floor(now / windowMs) * windowMs;
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    const allowed = window.count <= this.settings.limit;
    return { allowed, limit: this.settings.limit, remaining: Math.max(0, this.settings.limit - window.count), resetAtMs: start + windowMs };
  }
}
