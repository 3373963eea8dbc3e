import { Settings } from "../config/settings";

/** How the token keeper schedules work; passed in orchestration input so replay stays deterministic. */
export interface KeeperPolicy {
  /** Refresh expiring tokens at this fraction of their lifetime. */
  refreshFraction: number;
  /** Validate non-expiring district tokens this often. */
  validationIntervalMs: number;
  /** First wait after a failed refresh cycle; doubles per consecutive failure. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export function policyFromSettings(settings: Settings): KeeperPolicy {
  return {
    refreshFraction: settings.TOKEN_REFRESH_FRACTION,
    validationIntervalMs: settings.TOKEN_VALIDATION_INTERVAL_MINUTES * 60_000,
    backoffBaseMs: 60_000,
    backoffMaxMs: settings.TOKEN_FAILURE_BACKOFF_MAX_MINUTES * 60_000,
  };
}

/** When to refresh next after a success: a fraction of the lifetime, or the validation interval. */
export function nextRefreshAfterSuccess(policy: KeeperPolicy, now: number, obtainedAt: number, expiresAt: number | undefined): number {
  if (expiresAt === undefined) return now + policy.validationIntervalMs;
  const at = obtainedAt + policy.refreshFraction * (expiresAt - obtainedAt);
  // A token that arrives nearly expired is refreshed soon, but never in a tight loop.
  return Math.max(at, now + 5_000);
}

/** Exponential backoff after `consecutiveFailures` failed cycles (1, 2, 4 ... minutes, capped). */
export function backoffAfterFailures(policy: KeeperPolicy, consecutiveFailures: number): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.min(exponent, 30));
}
