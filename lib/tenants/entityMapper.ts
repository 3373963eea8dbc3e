/**
 * The one place that knows how tenants and checkpoints are laid out as Azure Table entities.
 *
 * Tenants:     PartitionKey = tenant id, RowKey = "tenant"; `settings` as a JSON string.
 * Checkpoints: PartitionKey = tenant id, RowKey = resource; counters as Edm.Double so they do
 *              not hit the Int32 that an untyped JSON integer becomes.
 * Rows read back are validated with the same schemas as input, so a hand-edited or foreign row
 * fails loudly (CorruptRecordError) instead of flowing on.
 */
import type { TableEntity, TableEntityResult } from "@azure/data-tables";
import { CorruptRecordError, type ValidationIssue } from "./errors";
import { type Checkpoint, type CheckpointState, type Tenant, type TenantDefinition, checkpointStateSchema, tenantInputSchema } from "./schema";
import { parseWith } from "./validation";

export const TENANT_ROW_KEY = "tenant";
/** Bumped when the entity layout changes, so a reader can migrate old rows. */
export const ENTITY_LAYOUT_VERSION = 1;

type Properties = Record<string, unknown>;
type Corrupt = (issues: ValidationIssue[]) => CorruptRecordError;
export type StoredEntity = TableEntityResult<Properties>;

/** Drops undefined values, so an unset optional field is absent (not null) in rows and domain objects. */
function defined<T extends Properties>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function asDouble(value: number): { value: string; type: "Double" } {
  return { value: String(value), type: "Double" };
}

export interface Timestamps {
  createdAt: string;
  updatedAt: string;
}

export function tenantToEntity(tenant: TenantDefinition, times: Timestamps): TableEntity<Properties> {
  return defined({
    partitionKey: tenant.id,
    rowKey: TENANT_ROW_KEY,
    displayName: tenant.displayName,
    cleverDistrictId: tenant.cleverDistrictId,
    credentialSource: tenant.credentialSource,
    clientIdSecretName: tenant.credentialNames?.clientId,
    clientSecretSecretName: tenant.credentialNames?.clientSecret,
    syncSchedule: tenant.syncSchedule,
    enabled: tenant.enabled,
    settings: JSON.stringify(tenant.settings),
    createdAt: times.createdAt,
    updatedAt: times.updatedAt,
    layoutVersion: ENTITY_LAYOUT_VERSION,
  });
}

export function entityToTenant(entity: StoredEntity, table: string): Tenant {
  const { partitionKey, corrupt } = keysOf(entity, table);
  let settings: unknown;
  try {
    settings = typeof entity.settings === "string" ? JSON.parse(entity.settings) : entity.settings;
  } catch {
    throw corrupt([{ field: "settings", problem: "is not valid JSON", fix: "store a JSON object" }]);
  }
  const hasNames = entity.clientIdSecretName !== undefined || entity.clientSecretSecretName !== undefined;
  const candidate = defined({
    id: partitionKey,
    displayName: entity.displayName,
    cleverDistrictId: entity.cleverDistrictId,
    credentialSource: entity.credentialSource,
    credentialNames: hasNames ? { clientId: entity.clientIdSecretName, clientSecret: entity.clientSecretSecretName } : undefined,
    syncSchedule: entity.syncSchedule,
    enabled: entity.enabled,
    settings,
  });
  const parsed = parseWith(tenantInputSchema, candidate, { fixes: {}, knownFields: {} });
  if (!parsed.ok) throw corrupt(parsed.issues);
  return { ...defined(parsed.value), createdAt: readStamp(entity, "createdAt", corrupt), updatedAt: readStamp(entity, "updatedAt", corrupt), etag: entity.etag };
}

export function checkpointToEntity(tenantId: string, resource: string, state: CheckpointState, updatedAt: string): TableEntity<Properties> {
  return defined({
    partitionKey: tenantId,
    rowKey: resource,
    cursor: state.cursor,
    pagesDone: asDouble(state.pagesDone),
    recordsDone: asDouble(state.recordsDone),
    runId: state.runId,
    eventsCursor: state.eventsCursor,
    lastFullSyncAt: state.lastFullSyncAt,
    completedRunId: state.completedRunId,
    updatedAt,
    layoutVersion: ENTITY_LAYOUT_VERSION,
  });
}

export function entityToCheckpoint(entity: StoredEntity, table: string): Checkpoint {
  const { partitionKey, rowKey, corrupt } = keysOf(entity, table);
  const candidate = defined({
    cursor: entity.cursor,
    pagesDone: entity.pagesDone,
    recordsDone: entity.recordsDone,
    runId: entity.runId,
    eventsCursor: entity.eventsCursor,
    lastFullSyncAt: entity.lastFullSyncAt,
    completedRunId: entity.completedRunId,
  });
  const parsed = parseWith(checkpointStateSchema, candidate, { fixes: {}, knownFields: {} });
  if (!parsed.ok) throw corrupt(parsed.issues);
  return checkpointOf(partitionKey, rowKey, parsed.value, readStamp(entity, "updatedAt", corrupt), entity.etag);
}

/** The domain object for a checkpoint just written or read. */
export function checkpointOf(tenantId: string, resource: string, state: CheckpointState, updatedAt: string, etag: string): Checkpoint {
  return { tenantId, resource, ...defined(state), updatedAt, etag };
}

/** The row's keys (always present unless a query selected columns) and an error factory naming them. */
function keysOf(entity: StoredEntity, table: string): { partitionKey: string; rowKey: string; corrupt: Corrupt } {
  const partitionKey = entity.partitionKey ?? "";
  const rowKey = entity.rowKey ?? "";
  const corrupt: Corrupt = (issues) => new CorruptRecordError(table, partitionKey, rowKey, issues);
  if (!partitionKey || !rowKey) throw corrupt([{ field: "PartitionKey/RowKey", problem: "is missing", fix: "read whole rows (no column selection)" }]);
  return { partitionKey, rowKey, corrupt };
}

/** A timestamp the store wrote; missing or garbled means the row was edited outside the store. */
function readStamp(entity: StoredEntity, field: "createdAt" | "updatedAt", corrupt: Corrupt): string {
  const value = entity[field];
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
  throw corrupt([{ field, problem: "is missing or not a timestamp", fix: "store an ISO 8601 timestamp" }]);
}
