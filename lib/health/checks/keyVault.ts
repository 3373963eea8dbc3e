import { CredentialsNotFoundError, CredentialsUnavailableError, type CachedCredentialStore, type CredentialStoreHealth } from "../../secrets";
import type { HealthCheck, HealthCheckResult } from "../snapshot";
import { PROBE_TENANT_ID } from "./probeTenant";

export interface KeyVaultCheckDependencies {
  credentials: CachedCredentialStore;
}

/**
 * The credential store: Key Vault in Azure, the local store otherwise. Reads the probe tenant's
 * credentials through the cached store so its own health (last success/failure, cached tenants)
 * is current, then reports that health: Healthy when the store answers, Degraded when it fails —
 * serving cached credentials meanwhile, or with nothing cached and the cause named. Never
 * Unhealthy: the app itself still answers (status, runs, health), every instance shares the same
 * vault so taking this one out of rotation fixes nothing, and syncs that need a credential fail at
 * once naming the vault's error (a permanent failure is not retried, see planSyncRunActivity).
 */
export function keyVaultCheck({ credentials }: KeyVaultCheckDependencies): HealthCheck {
  return async () => {
    try {
      await credentials.getCleverCredentials(PROBE_TENANT_ID);
    } catch (error) {
      // Not found: the store answered. Unavailable: recorded in health() below. Anything else is a bug.
      if (!(error instanceof CredentialsNotFoundError) && !(error instanceof CredentialsUnavailableError)) throw error;
    }
    return fromStoreHealth(credentials.health(), credentials.secretStore.kind === "local");
  };
}

function fromStoreHealth(health: CredentialStoreHealth, local: boolean): HealthCheckResult {
  const data = { store: local ? "local" : "keyVault", lastSuccessAt: health.lastSuccessAt, lastFailureAt: health.lastFailureAt, cachedTenants: health.cachedTenants };
  const name = local ? `The local secret store (${health.store})` : health.store;
  switch (health.status) {
    case "Healthy":
      return { status: "Healthy", description: local ? `${name} answered; no Key Vault is configured.` : `${name} answered.`, data };
    case "Degraded":
      return { status: "Degraded", description: `${name} is failing (${health.lastError ?? "unknown error"}); cached credentials of ${health.cachedTenants} tenant(s) are served meanwhile.`, data };
    case "Unhealthy":
      return {
        status: "Degraded",
        description: `${name} is failing (${health.lastError ?? "unknown error"}) and no credentials are cached: syncs cannot start until it answers. Fix: check KEY_VAULT_URL and that the app's identity may read secrets there (Key Vault Secrets User).`,
        data,
      };
  }
}
