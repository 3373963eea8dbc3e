/**
 * The tenant id health probes ask about. Probes read something that normally does not exist:
 * a "not found" answer proves the dependency is reachable and authorized without touching a real
 * tenant's data, and nothing is cached or written for it.
 */
export const PROBE_TENANT_ID = "health-probe";
