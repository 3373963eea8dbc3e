/**
 * Tenant credentials on top of a SecretStore: naming convention, read-through cache with TTL,
 * single-flight reads, last-good fallback during outages, and store health.
 *
 * Why serve stale: Clever credentials change rarely (rotation is planned), while a Key Vault
 * blip (network, 5xx, throttling) must not stop every tenant's sync. A missing secret (404) is
 * an answer, not an outage, so it is never papered over.
 */
import { CleverCredentials, SecretValue } from "./credentials";
import { CredentialsNotFoundError, CredentialsUnavailableError, SecretStoreUnavailableError } from "./errors";
import { assertValidTenantId, secretRef, type SecretKind } from "./names";
import { systemClock, type Clock, type CredentialStore, type CredentialStoreHealth, type SecretStore } from "./types";

export interface CachedCredentialStoreOptions {
  /** How long a read is reused before asking the store again. Default 5 minutes. */
  ttlMs?: number;
  /** How long past its read a copy may still be served while the store is down. Default: no limit. */
  maxStaleMs?: number;
  clock?: Clock;
}

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

interface Entry<T> {
  value: T;
  fetchedAt: number;
}

/** One cached bundle per tenant (Clever credentials, SQL connection), with its in-flight reads. */
class TenantCache<T> {
  readonly entries = new Map<string, Entry<T>>();
  readonly inFlight = new Map<string, Promise<T>>();
  /** Bumped by invalidate so a read that started before it cannot write an old value back. */
  generation = 0;

  clear(tenantId?: string): void {
    this.generation += 1;
    if (tenantId === undefined) {
      this.entries.clear();
      this.inFlight.clear();
    } else {
      this.entries.delete(tenantId);
      this.inFlight.delete(tenantId);
    }
  }
}

export class CachedCredentialStore implements CredentialStore {
  readonly #store: SecretStore;
  readonly #ttlMs: number;
  readonly #maxStaleMs: number;
  readonly #clock: Clock;
  readonly #clever = new TenantCache<CleverCredentials>();
  readonly #sql = new TenantCache<SecretValue | undefined>();
  #lastOutcome: "success" | "failure" | undefined;
  #lastSuccessAt: number | undefined;
  #lastFailureAt: number | undefined;
  #lastError: string | undefined;

  constructor(store: SecretStore, options: CachedCredentialStoreOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#maxStaleMs = options.maxStaleMs ?? Number.POSITIVE_INFINITY;
    this.#clock = options.clock ?? systemClock;
  }

  get description(): string {
    return this.#store.description;
  }

  /** The raw store, for writers such as the token cache (which keep their own caching). */
  get secretStore(): SecretStore {
    return this.#store;
  }

  // async so an invalid tenant id arrives as a rejection, like every other failure.
  async getCleverCredentials(tenantId: string): Promise<CleverCredentials> {
    assertValidTenantId(tenantId);
    return this.#read(this.#clever, tenantId, async () => {
      const [clientId, clientSecret, districtToken] = await this.#readAll(tenantId, ["clientId", "clientSecret"], ["districtToken"]);
      // #readAll has thrown unless both required values are present.
      return new CleverCredentials({ tenantId, clientId: clientId as string, clientSecret: clientSecret as string, districtToken });
    });
  }

  async getSqlConnection(tenantId: string): Promise<SecretValue | undefined> {
    assertValidTenantId(tenantId);
    return this.#read(this.#sql, tenantId, async () => {
      const [connection] = await this.#readAll(tenantId, [], ["sqlConnection"]);
      return connection === undefined ? undefined : new SecretValue(connection);
    });
  }

  invalidate(tenantId?: string): void {
    if (tenantId !== undefined) assertValidTenantId(tenantId);
    this.#clever.clear(tenantId);
    this.#sql.clear(tenantId);
  }

  health(): CredentialStoreHealth {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    const cachedTenants = new Set([...this.#clever.entries.keys(), ...this.#sql.entries.keys()]).size;
    const failing = this.#lastOutcome === "failure";
    return {
      status: !failing ? "Healthy" : cachedTenants > 0 ? "Degraded" : "Unhealthy",
      store: this.#store.description,
      lastSuccessAt: iso(this.#lastSuccessAt),
      lastFailureAt: iso(this.#lastFailureAt),
      lastError: failing ? (this.#lastError ?? null) : null,
      cachedTenants,
    };
  }

  knownSecretValues(): string[] {
    const values = new Set<string>();
    for (const { value } of this.#clever.entries.values()) value.secretValues().forEach((v) => values.add(v));
    for (const { value } of this.#sql.entries.values()) if (value) values.add(value.reveal());
    return [...values];
  }

  /** Fresh copy → return it; else join the read in flight or start one. */
  #read<T>(cache: TenantCache<T>, tenantId: string, load: () => Promise<T>): Promise<T> {
    const cached = cache.entries.get(tenantId);
    if (cached && this.#clock.now() - cached.fetchedAt < this.#ttlMs) return Promise.resolve(cached.value);
    const pending = cache.inFlight.get(tenantId);
    if (pending) return pending;
    const read = this.#refresh(cache, tenantId, load).finally(() => {
      if (cache.inFlight.get(tenantId) === read) cache.inFlight.delete(tenantId);
    });
    cache.inFlight.set(tenantId, read);
    return read;
  }

  async #refresh<T>(cache: TenantCache<T>, tenantId: string, load: () => Promise<T>): Promise<T> {
    const generation = cache.generation;
    try {
      const value = await load();
      if (cache.generation === generation) cache.entries.set(tenantId, { value, fetchedAt: this.#clock.now() });
      this.#recordSuccess();
      return value;
    } catch (err) {
      if (err instanceof CredentialsNotFoundError) {
        // The store answered: it works, and this tenant's old copy must not be served any more.
        this.#recordSuccess();
        cache.entries.delete(tenantId);
      }
      if (!(err instanceof SecretStoreUnavailableError)) throw err;
      this.#recordFailure(err);
      const last = cache.entries.get(tenantId);
      if (last && this.#clock.now() - last.fetchedAt <= this.#maxStaleMs) return last.value;
      throw new CredentialsUnavailableError(tenantId, err);
    }
  }

  /**
   * Reads required then optional secrets of one tenant in parallel. Trimmed, because values
   * pasted into a vault or a settings file often carry a trailing newline; empty counts as missing.
   * An outage outranks a missing secret; all missing required names are reported together.
   */
  async #readAll(tenantId: string, required: SecretKind[], optional: SecretKind[]): Promise<(string | undefined)[]> {
    const refs = [...required, ...optional].map((kind) => secretRef(tenantId, kind));
    const results = await Promise.allSettled(refs.map((ref) => this.#store.getSecret(ref)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    const values = results.map((r) => {
      const trimmed = (r as PromiseFulfilledResult<string | undefined>).value?.trim();
      return trimmed ? trimmed : undefined;
    });
    const missing = refs.filter((_, i) => i < required.length && values[i] === undefined);
    if (missing.length > 0) {
      throw new CredentialsNotFoundError(tenantId, missing.map((r) => this.#store.nameOf(r)), this.#store.description, missing.map((r) => this.#store.howToAdd(r)));
    }
    return values;
  }

  #recordSuccess(): void {
    this.#lastOutcome = "success";
    this.#lastSuccessAt = this.#clock.now();
  }

  #recordFailure(err: SecretStoreUnavailableError): void {
    this.#lastOutcome = "failure";
    this.#lastFailureAt = this.#clock.now();
    this.#lastError = `${err.reason}: ${err.message}`;
  }
}
