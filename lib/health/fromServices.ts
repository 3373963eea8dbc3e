import type { Services } from "../runtime/services";
import { CLEVER_AUTH_CHECK, cleverAuthCheck, cleverCheck, dataDirectoryCheck, HELD_SYNCS_CHECK, heldSyncsCheck, keyVaultCheck, sqlCheck, tablesCheck } from "./checks";
import type { HealthRuntime } from "./holder";
import { incrementalSyncState } from "../sync/runLifecycle";
import { KeeperReaderSlot } from "./keeperStatus";
import { HealthSnapshot, type HealthCheck } from "./snapshot";

export interface HealthRuntimeOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/** How long after a local start a missing token keeper counts as starting (Degraded). */
export const KEEPER_START_GRACE_MS = 60_000;

function startingFor(startedAt: number): () => boolean {
  return () => Date.now() - startedAt < KEEPER_START_GRACE_MS;
}

/** The process's checks over its services. Nothing runs until the snapshot starts. */
export function healthChecks(services: Services, keepers: KeeperReaderSlot): Record<string, HealthCheck> {
  const { settings } = services;
  return {
    keyVault: keyVaultCheck({ credentials: services.credentials }),
    sql: sqlCheck({ stores: services.stores }),
    // Getters: the registry is built on first use and throws when Tables is not configured.
    tables: tablesCheck({ tenants: () => services.tenants }),
    clever: cleverCheck({ apiBaseUrl: settings.CLEVER_API_BASE_URL }),
    [CLEVER_AUTH_CHECK]: cleverAuthCheck({
      enabledTenantIds: async () => (await services.tenants.list({ enabledOnly: true })).map((t) => t.id),
      readKeeperStatuses: () => keepers.read(),
      now: services.now,
      incrementalSync: async (tenantId) => incrementalSyncState(await services.stores.storeFor(tenantId), tenantId),
      ...(services.localData ? { starting: startingFor(services.localData.startedAt) } : {}),
    }),
    [HELD_SYNCS_CHECK]: heldSyncsCheck({
      enabledTenantIds: async () => (await services.tenants.list({ enabledOnly: true })).map((t) => t.id),
      storeFor: (tenantId) => services.stores.storeFor(tenantId),
    }),
    ...(services.localData ? { dataDirectory: dataDirectoryCheck(services.localData) } : {}),
  };
}

/** Values no health description may show: what the process holds that is secret. */
export function healthSecrets(services: Services): () => Iterable<string | undefined> {
  const { settings } = services;
  return () => [...services.credentials.knownSecretValues(), settings.SQL_CONNECTION, settings.AzureWebJobsStorage, settings.TENANT_TABLES_CONNECTION];
}

/** A snapshot (not started) and its keeper slot, built from the process's services. */
export function createHealthRuntime(services: Services, options: HealthRuntimeOptions = {}): HealthRuntime {
  const keepers = new KeeperReaderSlot();
  const snapshot = new HealthSnapshot({ checks: healthChecks(services, keepers), secrets: healthSecrets(services), ...options });
  return { snapshot, keepers };
}
