/** The health checks by name, and which endpoint shows which. */
export { cleverAuthCheck, tenantTokenHealth, FAILURES_BEFORE_UNHEALTHY, type CleverAuthCheckDependencies, type CleverAuthData, type TenantTokenHealth } from "./cleverAuth";
export { cleverCheck, type CleverCheckDependencies } from "./clever";
export { heldSyncsCheck, HELD_SYNCS_CHECK, type HeldSyncsCheckDependencies, type TenantHeldHealth } from "./heldSyncs";
export { keyVaultCheck, type KeyVaultCheckDependencies } from "./keyVault";
export { PROBE_TENANT_ID } from "./probeTenant";
export { sqlCheck, type SqlCheckDependencies } from "./sql";
export { tablesCheck, type TablesCheckDependencies } from "./tables";
export { dataDirectoryCheck, type DataDirectoryCheckDependencies } from "./dataDirectory";

/** Reachability of what every sync needs: /api/health/ready shows exactly these (dataDirectory only in local runs). */
export const DEPENDENCY_CHECKS = ["keyVault", "sql", "tables", "clever", "dataDirectory"] as const;
/** Per-tenant token state: /api/health/clever-auth in full, /api/health as counts only. */
export const CLEVER_AUTH_CHECK = "cleverAuth";
