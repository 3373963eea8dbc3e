import { cachedToken, MemoryTokenCache, TenantTokenProvider, TokenUnavailableError } from "../../lib/tokens";
import { backoffAfterFailures, nextRefreshAfterSuccess } from "../../lib/tokens";

const policy = { refreshFraction: 0.75, validationIntervalMs: 3_600_000, backoffBaseMs: 60_000, backoffMaxMs: 30 * 60_000 };

describe("refresh policy", () => {
  test("expiring tokens refresh at 75% of their lifetime; non-expiring ones are validated on an interval", () => {
    expect(nextRefreshAfterSuccess(policy, 0, 0, 3_600_000)).toBe(2_700_000);
    expect(nextRefreshAfterSuccess(policy, 100, 100, undefined)).toBe(3_600_100);
  });
  test("a token that arrives almost expired is refreshed soon, never in a tight loop", () => {
    expect(nextRefreshAfterSuccess(policy, 10_000, 0, 10_001)).toBe(15_000);
  });
  test("failure backoff doubles and is capped", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffAfterFailures(policy, n) / 60_000)).toEqual([1, 2, 4, 8, 16, 30, 30]);
  });
});

describe("TenantTokenProvider", () => {
  const keeperThatPublishes = (cache: MemoryTokenCache, calls: (string | undefined)[]) => ({
    async requestRefresh(_tenant: string, stale?: string) {
      calls.push(stale);
      setTimeout(() => void cache.put("t", cachedToken(`fresh-${calls.length}`, { mode: "district-token", obtainedAt: 0 })), 20);
    },
  });

  test("concurrent callers share one wait for the first token (single flight)", async () => {
    const cache = new MemoryTokenCache();
    const calls: (string | undefined)[] = [];
    const provider = new TenantTokenProvider("t", cache, keeperThatPublishes(cache, calls), { waitTimeoutMs: 2_000, pollIntervalMs: 5 });
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(new Set(tokens)).toEqual(new Set(["fresh-1"]));
    expect(calls).toEqual([undefined]);
  });

  test("after a 401 the rejected token is never handed out again, and one refresh is asked for per bad token", async () => {
    const cache = new MemoryTokenCache();
    const calls: (string | undefined)[] = [];
    await cache.put("t", cachedToken("old", { mode: "district-token", obtainedAt: 0 }));
    const provider = new TenantTokenProvider("t", cache, keeperThatPublishes(cache, calls), { waitTimeoutMs: 2_000, pollIntervalMs: 5 });
    expect(await provider.getToken()).toBe("old");
    await Promise.all([provider.invalidate("old"), provider.invalidate("old")]);
    expect(await provider.getToken()).toBe("fresh-1");
    expect(calls).toHaveLength(1);
  });

  test("expired cached tokens trigger a refresh", async () => {
    const cache = new MemoryTokenCache();
    const calls: (string | undefined)[] = [];
    await cache.put("t", cachedToken("stale", { mode: "client-credentials", obtainedAt: 0, expiresAt: 1_000 }));
    const provider = new TenantTokenProvider("t", cache, keeperThatPublishes(cache, calls), { waitTimeoutMs: 2_000, pollIntervalMs: 5, now: () => 5_000 });
    expect(await provider.getToken()).toBe("fresh-1");
  });

  test("no token within the wait → TokenUnavailableError naming the tenant and where to look", async () => {
    const provider = new TenantTokenProvider("t", new MemoryTokenCache(), { requestRefresh: async () => undefined }, { waitTimeoutMs: 50, pollIntervalMs: 5 });
    await expect(provider.getToken()).rejects.toThrow(TokenUnavailableError);
    await expect(provider.getToken()).rejects.toThrow(/token:t/);
  });
});
