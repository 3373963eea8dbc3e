import { CleverClient, listDistrictTokens, OAuthOptions, requestClientCredentialsToken, staticTokenProvider } from "../clever";
import type { AuthMode } from "../tenants";
import { cachedToken, CachedToken, isUsable, TokenMode } from "./cachedToken";
import { DistrictNotAuthorizedError, TokenDistrictMismatchError } from "./errors";
import { TokenCache } from "./tokenCache";

export type RefreshReason = "start" | "scheduled" | "refreshNow";

export interface RefreshInput {
  tenantId: string;
  reason: RefreshReason;
  /** With refreshNow: the fingerprint a caller saw fail; a different cached token means the work is done. */
  staleFingerprint?: string;
}

/** What the refresh activity returns into durable history: metadata only, never the token. */
export interface RefreshResult {
  action: "fetched" | "validated" | "reused";
  fingerprint: string;
  mode: TokenMode;
  /** For people reading history/status; logic reads the epoch milliseconds below. */
  obtainedAt: string;
  expiresAt: string | null;
  /** Epoch ms: the host re-formats date-like strings (see lib/devhost/hostJson.ts), numbers pass unchanged. */
  obtainedAtMs: number;
  expiresAtMs: number | null;
}

export interface RefreshDependencies {
  credentials: { getCleverCredentials(tenantId: string): Promise<{ clientId: string; clientSecret: string; districtToken?: string }> };
  tenants: { get(tenantId: string): Promise<{ cleverDistrictId: string; settings: { authMode?: AuthMode } }> };
  cache: TokenCache;
  oauth: OAuthOptions;
  apiBaseUrl: string;
  /** Clever Data API version (default v3.0). */
  apiVersion?: string;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The refresh activity's work: reuse a token someone already refreshed, validate a
 * non-expiring one on schedule, or fetch a new one; then check it belongs to the tenant's
 * district and publish it to the shared cache.
 */
export async function refreshTenantToken(deps: RefreshDependencies, input: RefreshInput): Promise<RefreshResult> {
  const { tenantId } = input;
  const tenant = await deps.tenants.get(tenantId);
  const current = await deps.cache.get(tenantId);
  const now = deps.now();

  if (current && isUsable(current, now) && input.reason === "refreshNow" && input.staleFingerprint && current.fingerprint !== input.staleFingerprint) {
    return resultOf(current, "reused");
  }
  if (current && current.expiresAt === undefined && input.reason === "scheduled") {
    // Non-expiring district tokens are validated, not replaced; a 401 here means revoked.
    const districtId = await districtOf(deps, current.accessToken, { allowUnauthorized: true });
    if (districtId === tenant.cleverDistrictId) return resultOf(current, "validated");
  }

  const fresh = await fetchToken(deps, tenantId, tenant.cleverDistrictId, tenant.settings.authMode ?? "district-token");
  const districtId = await districtOf(deps, fresh.accessToken, { allowUnauthorized: false });
  if (districtId !== tenant.cleverDistrictId) throw new TokenDistrictMismatchError(tenantId, tenant.cleverDistrictId, districtId ?? "unknown");
  await deps.cache.put(tenantId, fresh);
  return resultOf(fresh, "fetched");
}

async function fetchToken(deps: RefreshDependencies, tenantId: string, districtId: string, authMode: AuthMode): Promise<CachedToken> {
  const credentials = await deps.credentials.getCleverCredentials(tenantId);
  const obtainedAt = deps.now();
  if (credentials.districtToken) {
    return cachedToken(credentials.districtToken, { mode: "stored-token", obtainedAt });
  }
  if (authMode === "client-credentials") {
    const issued = await requestClientCredentialsToken(credentials, deps.oauth);
    return cachedToken(issued.accessToken, { mode: "client-credentials", obtainedAt, expiresAt: issued.expiresAt?.getTime() });
  }
  const tokens = await listDistrictTokens(credentials, { ...deps.oauth, districtId });
  const mine = tokens.find((t) => t.districtId === districtId);
  if (!mine) throw new DistrictNotAuthorizedError(tenantId, districtId);
  // Any token that carries an expiry gets the same 75%-of-lifetime refresh as an OAuth grant.
  return cachedToken(mine.accessToken, { mode: "district-token", obtainedAt, expiresAt: mine.expiresAt?.getTime() });
}

/**
 * The district a token reads: `GET /v3.0/districts` answers only the token's own district
 * (Clever/swagger-api v3.0.yml; https://dev.clever.com/docs/districts), so it validates the token
 * and a 401 shows revocation. `/me` is not used: its shape for district tokens is not documented.
 * Undefined when Clever answers 401 and that is allowed. More than one district is not a
 * district-app token and is refused.
 */
async function districtOf(deps: RefreshDependencies, accessToken: string, options: { allowUnauthorized: boolean }): Promise<string | undefined> {
  const client = new CleverClient({
    tokenProvider: staticTokenProvider(accessToken),
    baseUrl: deps.apiBaseUrl,
    apiVersion: deps.apiVersion,
    refreshOn401: false,
    retry: { maxAttempts: 3 },
    now: deps.now,
    sleep: deps.sleep,
  });
  try {
    const ids = await client.tokenDistricts();
    return ids.length === 1 ? ids[0] : `${ids.length} districts`;
  } catch (error) {
    if (options.allowUnauthorized && (error as Error).name === "CleverUnauthorizedError") return undefined;
    throw error;
  } finally {
    await client.close();
  }
}

function resultOf(token: CachedToken, action: RefreshResult["action"]): RefreshResult {
  return {
    action,
    fingerprint: token.fingerprint,
    mode: token.mode,
    obtainedAt: new Date(token.obtainedAt).toISOString(),
    expiresAt: token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
    obtainedAtMs: token.obtainedAt,
    expiresAtMs: token.expiresAt ?? null,
  };
}
