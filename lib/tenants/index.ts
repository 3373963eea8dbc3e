/**
 * Tenant registry and sync checkpoints on Azure Tables (Azurite locally).
 *
 *   const tenants = new TenantRegistry({ connectionString, allowInsecureConnection: true });
 *   const t = await tenants.create({ id: "springfield-usd", displayName: "Springfield", cleverDistrictId });
 *   await tenants.update(t.id, { enabled: false }, { ifMatch: t.etag }); // TenantConcurrencyError if stale
 *   const checkpoints = new CheckpointStore({ endpoint, credential: new DefaultAzureCredential() });
 *   await checkpoints.put(t.id, "users", { cursor: lastId, pagesDone, recordsDone, runId });
 */
export { TenantRegistry } from "./tenantRegistry";
export type { ConditionalOptions, ListTenantsOptions, TenantRegistryOptions, UpsertResult } from "./tenantRegistry";
export { CheckpointStore } from "./checkpointStore";
export type { CheckpointStoreOptions, PutCheckpointOptions } from "./checkpointStore";
export { DEFAULT_CHECKPOINTS_TABLE, DEFAULT_TENANTS_TABLE } from "./tables";
export type { TableConnection } from "./tables";
export {
  AUTH_MODES,
  CLEVER_ID_PATTERN,
  DEFAULT_SYNC_SCHEDULE,
  MAX_PAGE_SIZE,
  RESOURCE_NAME_PATTERN,
  SECRET_NAME_PATTERN,
  SYNC_RESOURCES,
  TENANT_ID_PATTERN,
  assertResourceName,
  assertTenantId,
  checkpointState,
  credentialNamesFor,
  parseCheckpointState,
  parseTenantChanges,
  parseTenantInput,
} from "./schema";
export type {
  AuthMode,
  Checkpoint,
  CheckpointState,
  CheckpointStateInput,
  CredentialNames,
  SyncResource,
  Tenant,
  TenantChanges,
  TenantDefinition,
  TenantInput,
  TenantSettings,
} from "./schema";
export { ncrontabProblem } from "./schedule";
export {
  CheckpointConcurrencyError,
  CorruptRecordError,
  InvalidCheckpointError,
  InvalidTenantError,
  TenantAlreadyExistsError,
  TenantConcurrencyError,
  TenantNotFoundError,
  TenantStorageError,
  TenantStoreConfigError,
  TenantStoreErrorBase,
} from "./errors";
export type { ValidationIssue } from "./errors";
