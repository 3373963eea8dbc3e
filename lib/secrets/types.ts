/** Shapes shared by the stores. */
import type { HealthStatus } from "../health/report";
import type { CleverCredentials, SecretValue } from "./credentials";
import type { SecretRef } from "./names";

/** Injected time source, so cache TTLs can be tested with a virtual clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SetSecretOptions {
  /** Key Vault `exp` attribute; the local store ignores it. */
  expiresOn?: Date;
  contentType?: string;
  tags?: Record<string, string>;
}

/**
 * One interface, two stores (Key Vault, local settings). A raw store reads and writes single
 * secrets by reference and classifies failures; caching, tenant bundles and health are layered on
 * top by CachedCredentialStore.
 */
export interface SecretStore {
  readonly kind: "key-vault" | "local";
  /** Where secrets come from, for messages: never contains a secret. */
  readonly description: string;
  /**
   * The secret's value, or undefined when it does not exist.
   * Throws SecretStoreUnavailableError when the store cannot answer.
   */
  getSecret(ref: SecretRef): Promise<string | undefined>;
  setSecret(ref: SecretRef, value: string, options?: SetSecretOptions): Promise<void>;
  /** The name the secret has in this store: the Key Vault name or the setting name. */
  nameOf(ref: SecretRef): string;
  /** A one-line instruction that creates the secret in this store (used in not-found errors). */
  howToAdd(ref: SecretRef): string;
}

export interface CredentialStoreHealth {
  /** Healthy: last contact worked (or none yet). Degraded: store failing, cached copies served. Unhealthy: failing, nothing cached. */
  status: HealthStatus;
  store: string;
  /** ISO time of the last successful contact with the store, or null. */
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** The last failure's reason and message; names only, never values. Null once contact works again. */
  lastError: string | null;
  /** How many tenants' credentials are held in memory. */
  cachedTenants: number;
}

/** What the rest of the app uses: credentials by tenant id only, health and redaction values. */
export interface CredentialStore {
  readonly description: string;
  getCleverCredentials(tenantId: string): Promise<CleverCredentials>;
  /** The tenant's own SQL connection string, or undefined when it shares the default database. */
  getSqlConnection(tenantId: string): Promise<SecretValue | undefined>;
  /** Drops cached copies so the next read goes to the store (one tenant, or all). */
  invalidate(tenantId?: string): void;
  health(): CredentialStoreHealth;
  /** Every secret value currently held, for the telemetry redactor to scrub. */
  knownSecretValues(): string[];
}
