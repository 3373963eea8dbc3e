import { tokenKeeperInstanceId } from "../../tokens";
import type { HealthStatus } from "../report";
import { worstStatus } from "../report";
import { KeeperReaderNotBoundError, type KeeperState } from "../keeperStatus";
import type { HealthCheck, HealthCheckResult } from "../snapshot";

/** A keeper failing this many times in a row is Unhealthy even while its last token is valid. */
export const FAILURES_BEFORE_UNHEALTHY = 3;

export interface CleverAuthCheckDependencies {
  /** Ids of the enabled tenants: each must have a running keeper. */
  enabledTenantIds: () => Promise<string[]>;
  readKeeperStatuses: () => Promise<KeeperState[]>;
  /** Wall time in Azure, the devhost's virtual clock in tests: the clock tokens expire on. */
  now: () => number;
  /**
   * Whether incremental sync works for a tenant ("available" / "unavailable: <why>", null when
   * unknown): Clever's Events API needs the app's permission too. Shown per tenant; it does not
   * change the token status.
   */
  incrementalSync?: (tenantId: string) => Promise<string | null>;
  /**
   * True while a local app has just started and is still ensuring its keepers (`cleversync start`
   * does so at once): a missing keeper is then Degraded, not Unhealthy.
   */
  starting?: () => boolean;
}

/** One tenant's token state as /api/health/clever-auth shows it. Never the token itself. */
export interface TenantTokenHealth {
  tenantId: string;
  status: HealthStatus;
  description: string;
  /** valid / failing from the keeper; missing: no live keeper; starting: no report yet. */
  state: "valid" | "failing" | "missing" | "starting";
  runtimeStatus: string | null;
  mode: string | null;
  /** 12-hex hash of the token, for matching log lines; not the token. */
  fingerprint: string | null;
  expiresAt: string | null;
  nextRefreshAt: string | null;
  lastRefreshedAt: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  /** Only when the check was given `incrementalSync`: "available", "unavailable: <why>", or null. */
  incrementalSync?: string | null;
}

/** data of the cleverAuth check's result. */
export interface CleverAuthData {
  tenants: TenantTokenHealth[];
}

/**
 * Per-tenant Clever auth, from the token keepers' custom status (never by fetching a token):
 * valid → Healthy; failing → Degraded while the last token still works and failures are few,
 * else Unhealthy; an enabled tenant without a live keeper → Unhealthy.
 */
export function cleverAuthCheck(deps: CleverAuthCheckDependencies): HealthCheck {
  return async () => {
    let keepers: KeeperState[];
    try {
      keepers = await deps.readKeeperStatuses();
    } catch (error) {
      if (!(error instanceof KeeperReaderNotBoundError)) throw error;
      return { status: "Degraded", description: `Token keeper state is not known yet: ${error.message}`, data: {} };
    }
    const tenantIds = await deps.enabledTenantIds();
    const byTenant = new Map(keepers.map((k) => [k.tenantId, k]));
    const now = deps.now();
    const starting = deps.starting?.() ?? false;
    const tenants = [...tenantIds].sort().map((id) => tenantTokenHealth(id, byTenant.get(id), now, starting));
    if (deps.incrementalSync) {
      const state = deps.incrementalSync;
      await Promise.all(tenants.map(async (t) => (t.incrementalSync = await state(t.tenantId).catch(() => null))));
    }
    return summarize(tenants);
  };
}

export function tenantTokenHealth(tenantId: string, keeper: KeeperState | undefined, now: number, starting = false): TenantTokenHealth {
  const base = { tenantId, runtimeStatus: keeper?.runtimeStatus ?? null, mode: null, fingerprint: null, expiresAt: null, nextRefreshAt: null, lastRefreshedAt: null, consecutiveFailures: 0, lastError: null };
  if (!keeper && starting) return { ...base, status: "Degraded", state: "starting", description: `The app just started; the token keeper of this tenant is being started (instance ${tokenKeeperInstanceId(tenantId)}).` };
  if (!keeper) return { ...base, status: "Unhealthy", state: "missing", description: `No token keeper is running for this enabled tenant (instance ${tokenKeeperInstanceId(tenantId)}).` };
  const s = keeper.status;
  if (!s) return { ...base, status: "Degraded", state: "starting", description: "The token keeper is running but has not reported a token state yet." };
  const reported = { ...base, mode: s.mode, fingerprint: s.fingerprint, expiresAt: s.expiresAt, nextRefreshAt: s.nextRefreshAt, lastRefreshedAt: s.lastRefreshedAt, consecutiveFailures: s.consecutiveFailures, lastError: s.lastError, state: s.state };
  // No expiry: a district token (does not expire) or no token yet, told apart by the fingerprint.
  const stillValid = s.expiresAt === null || Date.parse(s.expiresAt) > now;
  const suspended = keeper.runtimeStatus === "Suspended" ? " The keeper is suspended and will not refresh." : "";
  if (s.state === "valid" && !suspended) {
    if (stillValid) return { ...reported, status: "Healthy", description: s.expiresAt ? `Token valid until ${s.expiresAt}.` : "Token valid; it does not expire." };
    return { ...reported, status: "Unhealthy", description: `Token expired at ${s.expiresAt} and the keeper has not replaced it.` };
  }
  const failing = s.state === "failing" ? `Refresh failing ${s.consecutiveFailures} time(s) in a row${s.lastError ? `: ${s.lastError}` : ""}.` : "";
  const tokenNote = s.fingerprint === null ? " No token has been obtained yet." : stillValid ? " The last token still works." : ` The last token expired at ${s.expiresAt}.`;
  const degraded = stillValid && s.consecutiveFailures < FAILURES_BEFORE_UNHEALTHY;
  return { ...reported, status: degraded ? "Degraded" : "Unhealthy", description: `${failing}${suspended}${tokenNote}`.trim() };
}

function summarize(tenants: TenantTokenHealth[]): HealthCheckResult {
  const count = (status: HealthStatus) => tenants.filter((t) => t.status === status).length;
  const description =
    tenants.length === 0 ? "No enabled tenants." : `${tenants.length} enabled tenant(s): ${count("Healthy")} healthy, ${count("Degraded")} degraded, ${count("Unhealthy")} unhealthy.`;
  const data: CleverAuthData = { tenants };
  return { status: worstStatus(tenants.map((t) => t.status)), description, data: { ...data } };
}
