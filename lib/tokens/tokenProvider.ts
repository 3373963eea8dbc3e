import type { TokenProvider } from "../clever";
import { fingerprintOf, isUsable } from "./cachedToken";
import { TokenUnavailableError } from "./errors";
import { TokenCache } from "./tokenCache";

/** How an activity asks the tenant's token keeper to refresh now (a `refreshNow` event). */
export interface KeeperSignal {
  requestRefresh(tenantId: string, staleFingerprint?: string): Promise<void>;
}

export interface TenantTokenProviderOptions {
  /** Real time to wait for the keeper before failing (the durable retry then takes over). */
  waitTimeoutMs: number;
  pollIntervalMs?: number;
  /** Clock for token expiry. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The one way activities get a tenant's Clever token: from the shared cache, single-flight.
 * When the token is missing, expired or just failed with 401, it signals the token keeper and
 * waits for a different, usable token — so no request fails because of a refresh.
 */
export class TenantTokenProvider implements TokenProvider {
  readonly #rejected = new Set<string>();
  readonly #requested = new Set<string>();
  #pending?: Promise<string>;

  constructor(
    private readonly tenantId: string,
    private readonly cache: TokenCache,
    private readonly keeper: KeeperSignal,
    private readonly options: TenantTokenProviderOptions,
  ) {}

  getToken(): Promise<string> {
    this.#pending ??= this.#acquire().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Clever answered 401 with this token: never hand it out again, and ask for a new one now. */
  async invalidate(token: string): Promise<void> {
    const fingerprint = fingerprintOf(token);
    this.#rejected.add(fingerprint);
    await this.#request(fingerprint);
  }

  async #acquire(): Promise<string> {
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    // Token expiry follows the app's clock (virtual in tests); the wait is bounded in real time.
    const started = performance.now();
    let current = await this.cache.get(this.tenantId);
    if (current && this.#acceptable(current, now())) return current.accessToken;
    await this.#request(current?.fingerprint ?? "none");
    while (performance.now() - started < this.options.waitTimeoutMs) {
      await sleep(this.options.pollIntervalMs ?? 100);
      current = await this.cache.get(this.tenantId);
      if (current && this.#acceptable(current, now())) return current.accessToken;
    }
    throw new TokenUnavailableError(this.tenantId, performance.now() - started);
  }

  #acceptable(token: { fingerprint: string; expiresAt?: number }, now: number): boolean {
    return !this.#rejected.has(token.fingerprint) && isUsable(token as never, now);
  }

  /** One refreshNow per stale token: a burst of 401s must not become a burst of refreshes. */
  async #request(staleFingerprint: string): Promise<void> {
    if (this.#requested.has(staleFingerprint)) return;
    // "none" (no token yet) may be asked for again: the keeper's last attempt may have failed.
    if (staleFingerprint !== "none") this.#requested.add(staleFingerprint);
    await this.keeper.requestRefresh(this.tenantId, staleFingerprint === "none" ? undefined : staleFingerprint);
  }
}
