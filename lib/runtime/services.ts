import { loadSettings, Settings } from "../config/settings";
import { CachedCredentialStore, createCredentialStore } from "../secrets";
import { CheckpointStore, TableConnection, TenantRegistry } from "../tenants";
import { MemoryTokenCache, SecretStoreTokenCache, TokenCache } from "../tokens";

/** The long-lived parts every function shares, built once per process from validated settings. */
export interface Services {
  settings: Settings;
  credentials: CachedCredentialStore;
  tokenCache: TokenCache;
  tenants: TenantRegistry;
  checkpoints: CheckpointStore;
  /** Wall time in Azure; the devhost's virtual clock in tests. */
  now: () => number;
  /** Backoff sleeps of Clever calls (tests make them instant; real time otherwise). */
  cleverSleep?: (ms: number) => Promise<void>;
}

export class TablesNotConfiguredError extends Error {
  override readonly name = "TablesNotConfiguredError";
  constructor() {
    super("No Azure Tables account is configured for the tenant registry. Fix: set TENANT_TABLES_CONNECTION, TENANT_TABLES_ENDPOINT or AzureWebJobsStorage (see docs/configuration.md).");
  }
}

export function tableConnection(settings: Settings): TableConnection {
  const connectionString = settings.TENANT_TABLES_CONNECTION ?? settings.AzureWebJobsStorage;
  if (connectionString) return { connectionString, allowInsecureConnection: /UseDevelopmentStorage=true|http:\/\//i.test(connectionString) };
  if (settings.TENANT_TABLES_ENDPOINT) {
    // Identity-based access in Azure; loaded lazily so local runs never touch @azure/identity.
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    return { endpoint: settings.TENANT_TABLES_ENDPOINT, credential: new DefaultAzureCredential() };
  }
  throw new TablesNotConfiguredError();
}

export function createServices(settings: Settings, overrides: Partial<Services> = {}): Services {
  const credentials = overrides.credentials ?? createCredentialStore({ keyVaultUrl: settings.KEY_VAULT_URL, cacheTtlMs: settings.CREDENTIAL_CACHE_TTL_SECONDS * 1000 });
  const tokenCache = overrides.tokenCache ?? (settings.KEY_VAULT_URL ? new SecretStoreTokenCache(credentials.secretStore) : new MemoryTokenCache());
  // Tables clients are made on first use: functions that never touch the registry need no Tables setting.
  let tenants = overrides.tenants;
  let checkpoints = overrides.checkpoints;
  return {
    settings,
    credentials,
    tokenCache,
    now: overrides.now ?? Date.now,
    cleverSleep: overrides.cleverSleep,
    get tenants() {
      return (tenants ??= new TenantRegistry(tableConnection(settings)));
    },
    get checkpoints() {
      return (checkpoints ??= new CheckpointStore(tableConnection(settings)));
    },
  };
}

/**
 * The process's services: functions/ call this; tests install their own with `useServices`.
 * Built on first use so a bad setting fails the first invocation with a SettingsError that
 * names it, and app start-up never needs the network.
 */
export class ServiceLocator {
  #services?: Services;
  get(): Services {
    this.#services ??= createServices(loadSettings());
    return this.#services;
  }
  use(services: Services | undefined): void {
    this.#services = services;
  }
}

export const processServices = new ServiceLocator();
