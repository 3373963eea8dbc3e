import { loadSettings, Settings } from "../config/settings";
import { CachedCredentialStore, createCredentialStore, secretRef } from "../secrets";
import { CheckpointStore, TableConnection, TenantRegistry } from "../tenants";
import { StoreRouter, StoreTarget } from "../store";
import type { RetryOptions } from "../store/retry";
import { createLogger, Logger } from "../telemetry";
import { MemoryTokenCache, SecretStoreTokenCache, TokenCache } from "../tokens";

/** The long-lived parts every function shares, built once per process from validated settings. */
export interface Services {
  settings: Settings;
  credentials: CachedCredentialStore;
  tokenCache: TokenCache;
  tenants: TenantRegistry;
  checkpoints: CheckpointStore;
  /** The one logger: redacts, then writes to the console and Application Insights. */
  logger: Logger;
  /** SQL databases: the shared default, or a tenant's own. */
  stores: StoreRouter;
  /** Wall time in Azure; the devhost's virtual clock in tests. */
  now: () => number;
  /** Backoff sleeps of Clever calls (tests make them instant; real time otherwise). */
  cleverSleep?: (ms: number) => Promise<void>;
  /** `cleversync start`/`sync` only: the local data directory, whether its lock is still in place, when the app started. */
  localData?: { dir: string; intact(): boolean; startedAt: number };
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

export class TenantDatabaseSecretMissingError extends Error {
  override readonly name = "TenantDatabaseSecretMissingError";
  constructor(readonly tenantId: string, howToAdd: string) {
    super(`Tenant '${tenantId}' has its own database (settings.databaseSecretName) but its connection secret is missing. Fix: ${howToAdd}`);
  }
}

/** SQL Server when a connection is configured, else the embedded SQLite file. */
export function defaultStoreTarget(settings: Settings, retry?: RetryOptions): StoreTarget {
  const maxRowsPerTransaction = settings.STORE_MAX_ROWS_PER_TRANSACTION;
  return settings.SQL_CONNECTION
    ? { kind: "mssql", connectionString: settings.SQL_CONNECTION, maxRowsPerTransaction, retry, poolMax: settings.SQL_POOL_MAX }
    : { kind: "sqlite", filename: settings.SQLITE_PATH, maxRowsPerTransaction, retry };
}

export function createServices(settings: Settings, overrides: Partial<Services> = {}): Services {
  const credentials = overrides.credentials ?? createCredentialStore({ keyVaultUrl: settings.KEY_VAULT_URL, cacheTtlMs: settings.CREDENTIAL_CACHE_TTL_SECONDS * 1000 });
  const tokenCache = overrides.tokenCache ?? (settings.KEY_VAULT_URL ? new SecretStoreTokenCache(credentials.secretStore) : new MemoryTokenCache());
  // Transient database faults are retried inside the store (≈1 minute); each retry is logged so it is visible.
  const storeRetry: RetryOptions = {
    onRetry: (event) =>
      services.logger.warn(`Database ${event.operation} failed transiently (attempt ${event.attempt}); retrying in ${event.delayMs} ms: ${event.error.message}`, {
        operation: event.operation,
        attempt: event.attempt,
        delayMs: event.delayMs,
      }),
  };
  const stores =
    overrides.stores ??
    new StoreRouter({
      defaultTarget: defaultStoreTarget(settings, storeRetry),
      // A tenant with its own database keeps its connection string as a secret (sql-{tenant}-connection).
      resolveTenantTarget: async (tenantId) => {
        const tenant = await tenantsOf().get(tenantId);
        if (!tenant.settings.databaseSecretName) return undefined;
        const connection = await credentials.getSqlConnection(tenantId);
        if (!connection) throw new TenantDatabaseSecretMissingError(tenantId, credentials.secretStore.howToAdd(secretRef(tenantId, "sqlConnection")));
        return { kind: "mssql", connectionString: connection.reveal(), maxRowsPerTransaction: settings.STORE_MAX_ROWS_PER_TRANSACTION, retry: storeRetry, poolMax: settings.SQL_POOL_MAX };
      },
    });
  // Tables clients are made on first use: functions that never touch the registry need no Tables setting.
  let tenants = overrides.tenants;
  let checkpoints = overrides.checkpoints;
  const tenantsOf = () => (tenants ??= new TenantRegistry(tableConnection(settings)));
  const logger =
    overrides.logger ??
    createLogger({ properties: { app: "cleversync" }, applicationInsightsConnectionString: settings.APPLICATIONINSIGHTS_CONNECTION_STRING });
  const services: Services = {
    logger,
    stores,
    settings,
    credentials,
    tokenCache,
    now: overrides.now ?? Date.now,
    cleverSleep: overrides.cleverSleep,
    localData: overrides.localData,
    get tenants() {
      return tenantsOf();
    },
    get checkpoints() {
      return (checkpoints ??= new CheckpointStore(tableConnection(settings)));
    },
  };
  return services;
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
