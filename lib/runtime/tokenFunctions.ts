import type { DurableClient } from "durable-functions";
import { durableKeeperSignal, policyFromSettings, refreshTenantToken, RefreshInput, RefreshResult, TenantTokenProvider } from "../tokens";
import { Services } from "./services";
import { registerSecrets, tokenRefreshed, tokenRefreshFailed } from "./telemetryEvents";

/** The refreshToken activity: services wired into lib/tokens' refresh. */
export async function refreshTokenActivity(services: Services, input: RefreshInput): Promise<RefreshResult> {
  const { settings } = services;
  try {
    const result = await refreshTenantToken(
    {
      credentials: services.credentials,
      tenants: services.tenants,
      cache: services.tokenCache,
      oauth: { baseUrl: settings.CLEVER_OAUTH_BASE_URL, now: services.now, sleep: services.cleverSleep },
      apiBaseUrl: settings.CLEVER_API_BASE_URL,
      apiVersion: settings.CLEVER_API_VERSION,
      now: services.now,
      sleep: services.cleverSleep,
    },
    input,
    );
    tokenRefreshed(services, input.tenantId, result);
    return result;
  } catch (error) {
    tokenRefreshFailed(services, input.tenantId, error);
    throw error;
  } finally {
    await registerSecrets(services, input.tenantId);
  }
}

/** A token provider for activities of one tenant, signalling its keeper through the durable client. */
export function tenantTokenProvider(services: Services, client: DurableClient, tenantId: string, requestedBy: string): TenantTokenProvider {
  const policy = policyFromSettings(services.settings);
  return new TenantTokenProvider(tenantId, services.tokenCache, durableKeeperSignal(client, policy, requestedBy), {
    waitTimeoutMs: services.settings.TOKEN_WAIT_TIMEOUT_SECONDS * 1000,
    now: services.now,
  });
}
