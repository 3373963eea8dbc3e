/**
 * Sync checkpoints: one row per (tenant, resource), PartitionKey = tenant id. Every read,
 * query and delete names the tenant's partition, so one tenant's checkpoints can never be
 * returned for, or cleared by, another.
 */
import { odata } from "@azure/data-tables";
import { CheckpointConcurrencyError, InvalidCheckpointError } from "./errors";
import { checkpointOf, checkpointToEntity, entityToCheckpoint } from "./entityMapper";
import { type Checkpoint, assertResourceName, assertTenantId, parseCheckpointState } from "./schema";
import { DEFAULT_CHECKPOINTS_TABLE, LazyTable, type TableConnection, createTableClient, isEntityNotFound, requireEtag, storageStatus, toStoreError } from "./tables";

export type CheckpointStoreOptions = TableConnection & {
  /** Defaults to `checkpoints`. */
  tableName?: string;
  /** Source of updatedAt; injectable for tests. */
  clock?: () => Date;
};

/**
 * Write conditions, as in HTTP: `ifMatch` = only over this version (the ETag from get/put);
 * `ifNoneMatch: "*"` = only if no checkpoint exists yet. Neither = write unconditionally.
 */
export type PutCheckpointOptions = { ifMatch: string; ifNoneMatch?: never } | { ifNoneMatch: "*"; ifMatch?: never } | { ifMatch?: undefined; ifNoneMatch?: undefined };

export class CheckpointStore {
  private readonly table: LazyTable;
  private readonly clock: () => Date;

  constructor(options: CheckpointStoreOptions) {
    this.table = new LazyTable(createTableClient(options, options.tableName ?? DEFAULT_CHECKPOINTS_TABLE));
    this.clock = options.clock ?? (() => new Date());
  }

  /** The checkpoint, or undefined when the resource has none (start from the beginning). */
  async get(tenantId: string, resource: string): Promise<Checkpoint | undefined> {
    assertTenantId(tenantId, "tenantId");
    assertResourceName(resource);
    const table = await this.table.open();
    try {
      return entityToCheckpoint(await table.getEntity<Record<string, unknown>>(tenantId, resource), this.table.name);
    } catch (error) {
      if (isEntityNotFound(error)) return undefined;
      throw toStoreError("getEntity", error);
    }
  }

  /** All of one tenant's checkpoints, ordered by resource. */
  async list(tenantId: string): Promise<Checkpoint[]> {
    assertTenantId(tenantId, "tenantId");
    const table = await this.table.open();
    const checkpoints: Checkpoint[] = [];
    try {
      for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tenantId}` } })) {
        checkpoints.push(entityToCheckpoint(entity, this.table.name));
      }
    } catch (error) {
      throw toStoreError("listEntities", error);
    }
    return checkpoints;
  }

  /**
   * Replaces the checkpoint whole (fields left out are cleared, so re-running a write is
   * idempotent). Returns it with its new ETag. Conflicts throw CheckpointConcurrencyError.
   */
  async put(tenantId: string, resource: string, state: unknown, options: PutCheckpointOptions = {}): Promise<Checkpoint> {
    assertTenantId(tenantId, "tenantId");
    assertResourceName(resource);
    if (options.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
      throw new InvalidCheckpointError([{ field: "options", problem: "gives both ifMatch and ifNoneMatch", fix: "give at most one of them" }]);
    }
    const valid = parseCheckpointState(state);
    const updatedAt = this.clock().toISOString();
    const entity = checkpointToEntity(tenantId, resource, valid, updatedAt);
    const table = await this.table.open();
    try {
      const response =
        options.ifMatch !== undefined
          ? await table.updateEntity(entity, "Replace", { etag: options.ifMatch })
          : options.ifNoneMatch === "*"
            ? await table.createEntity(entity)
            : await table.upsertEntity(entity, "Replace");
      return checkpointOf(tenantId, resource, valid, updatedAt, requireEtag(response.etag, "put checkpoint"));
    } catch (error) {
      const status = storageStatus(error);
      if (status === 412) throw new CheckpointConcurrencyError(tenantId, resource, "etag-mismatch");
      if (isEntityNotFound(error) && options.ifMatch !== undefined) throw new CheckpointConcurrencyError(tenantId, resource, "missing");
      if (status === 409 && options.ifNoneMatch === "*") throw new CheckpointConcurrencyError(tenantId, resource, "already-exists");
      throw toStoreError("put checkpoint", error);
    }
  }

  /** Deletes one resource's checkpoint, or all of the tenant's. Returns how many were deleted. */
  async clear(tenantId: string, resource?: string): Promise<number> {
    assertTenantId(tenantId, "tenantId");
    if (resource !== undefined) assertResourceName(resource);
    const table = await this.table.open();
    const resources = resource !== undefined ? [resource] : await this.resourcesOf(tenantId);
    const deleted = await Promise.all(
      resources.map(async (rowKey) => {
        try {
          await table.deleteEntity(tenantId, rowKey);
          return 1;
        } catch (error) {
          // Already gone (a concurrent clear): the goal is reached either way.
          if (isEntityNotFound(error)) return 0;
          throw toStoreError("deleteEntity", error);
        }
      }),
    );
    return deleted.reduce<number>((sum, n) => sum + n, 0);
  }

  private async resourcesOf(tenantId: string): Promise<string[]> {
    const table = await this.table.open();
    const rowKeys: string[] = [];
    try {
      const query = table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tenantId}`, select: ["RowKey"] } });
      for await (const entity of query) if (entity.rowKey) rowKeys.push(entity.rowKey);
    } catch (error) {
      throw toStoreError("listEntities", error);
    }
    return rowKeys;
  }
}
