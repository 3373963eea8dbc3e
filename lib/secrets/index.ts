/**
 * lib/secrets — per-tenant credentials from Azure Key Vault or local settings.
 *
 * createCredentialStore picks the store from settings alone: a Key Vault URL means Key Vault
 * (managed identity in Azure), no URL means local settings / environment variables.
 * Naming convention: see names.ts (and README.md beside this file).
 */
import type { TokenCredential } from "@azure/identity";
import type { SecretClientOptions } from "@azure/keyvault-secrets";
import { CachedCredentialStore } from "./cachedStore";
import { KeyVaultSecretStore } from "./keyVaultStore";
import { LocalSecretStore } from "./localStore";
import type { Clock } from "./types";

export { CachedCredentialStore, DEFAULT_CACHE_TTL_MS, type CachedCredentialStoreOptions } from "./cachedStore";
export { CleverCredentials, SecretValue, REDACTED, type CleverCredentialsInit } from "./credentials";
export {
  CredentialsNotFoundError,
  CredentialsUnavailableError,
  InvalidTenantIdError,
  SecretStoreConfigError,
  SecretStoreUnavailableError,
  SecretsError,
  type UnavailableReason,
} from "./errors";
export { KeyVaultSecretStore, type KeyVaultSecretStoreOptions } from "./keyVaultStore";
export { LocalSecretStore, type LocalSecretStoreOptions } from "./localStore";
export { SECRET_KIND_NAMES, TENANT_ID_PATTERN, TENANT_ID_RULE, assertValidTenantId, isValidTenantId, secretRef, type SecretKind, type SecretRef } from "./names";
export { systemClock, type Clock, type CredentialStore, type CredentialStoreHealth, type SecretStore, type SetSecretOptions } from "./types";

export interface CredentialStoreSettings {
  /** Key Vault URI (e.g. https://my-vault.vault.azure.net). Unset → local settings. */
  keyVaultUrl?: string;
  /** Key Vault only: defaults to DefaultAzureCredential. */
  credential?: TokenCredential;
  /** Key Vault only: SecretClient options (retries, httpClient...). */
  secretClientOptions?: SecretClientOptions;
  /** Key Vault only: deadline per secret read/write including retries, default 30 s. */
  requestTimeoutMs?: number;
  /** Local only: the settings to read, default process.env. */
  localValues?: Readonly<Record<string, string | undefined>>;
  cacheTtlMs?: number;
  maxStaleMs?: number;
  clock?: Clock;
}

/** Builds the app's credential store. Does no I/O: Key Vault is first contacted on the first read. */
export function createCredentialStore(settings: CredentialStoreSettings = {}): CachedCredentialStore {
  const store = settings.keyVaultUrl
    ? new KeyVaultSecretStore({
        vaultUrl: settings.keyVaultUrl,
        credential: settings.credential,
        clientOptions: settings.secretClientOptions,
        requestTimeoutMs: settings.requestTimeoutMs,
      })
    : new LocalSecretStore({ values: settings.localValues });
  return new CachedCredentialStore(store, { ttlMs: settings.cacheTtlMs, maxStaleMs: settings.maxStaleMs, clock: settings.clock });
}
