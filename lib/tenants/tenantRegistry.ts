/**
 * The tenant registry: one Azure Table row per tenant, with optimistic concurrency by ETag.
 *
 * Every input is validated before any storage call (so invalid input writes nothing), every
 * write is conditional (create = insert-only, replace = If-Match), and callers get the ETag
 * back to send with their next change.
 */
import { odata } from "@azure/data-tables";
import { CorruptRecordError, TenantAlreadyExistsError, TenantConcurrencyError, TenantNotFoundError } from "./errors";
import { type StoredEntity, TENANT_ROW_KEY, entityToTenant, tenantToEntity } from "./entityMapper";
import { type Tenant, type TenantDefinition, assertTenantId, parseTenantChanges, parseTenantInput } from "./schema";
import { DEFAULT_TENANTS_TABLE, LazyTable, type TableConnection, createTableClient, isEntityNotFound, requireEtag, storageStatus, toStoreError } from "./tables";

export type TenantRegistryOptions = TableConnection & {
  /** Defaults to `tenants`. */
  tableName?: string;
  /** Source of createdAt/updatedAt; injectable for tests. */
  clock?: () => Date;
  /**
   * How long a tenant read stays fresh in this process (default DEFAULT_READ_CACHE_MS; 0 reads the
   * table every time). This registry's own writes update it at once; another instance's writes are
   * seen within this time. Read-modify-write paths always read the table.
   */
  readCacheMs?: number;
};

/**
 * Every API request reads its tenant: under load those table reads were the API's cost and its
 * tail (a plain GET /api/tenants/{id} at 200 connections: p99 2.9 s, against Azurite). A tenant's
 * settings change rarely and a stale read is only ever a read: writes are conditional on the ETag.
 */
export const DEFAULT_READ_CACHE_MS = 2000;
/** Tenant ids remembered at most (a vendor's districts fit; ids nobody has do not pile up). */
const MAX_REMEMBERED = 10_000;

export interface ListTenantsOptions {
  enabledOnly?: boolean;
  /** Called for each unreadable row, which is then skipped; without it the first one throws. */
  onCorrupt?: (error: CorruptRecordError) => void;
}

export interface ConditionalOptions {
  /** ETag the caller last saw; the write fails with TenantConcurrencyError if the row changed since. */
  ifMatch?: string;
}

export interface UpsertResult {
  tenant: Tenant;
  /** True when the tenant did not exist before (an API answers 201 rather than 200). */
  created: boolean;
}

/** Read-modify-write attempts when the caller gave no ETag and another writer got in between. */
const UNCONDITIONAL_ATTEMPTS = 3;

export class TenantRegistry {
  private readonly table: LazyTable;
  private readonly clock: () => Date;
  private readonly readCacheMs: number;
  /** Recent reads by id (undefined: no such tenant), and reads in flight, shared by concurrent callers. */
  private readonly recent = new Map<string, { tenant: Tenant | undefined; at: number }>();
  private readonly reading = new Map<string, Promise<Tenant | undefined>>();

  constructor(options: TenantRegistryOptions) {
    this.table = new LazyTable(createTableClient(options, options.tableName ?? DEFAULT_TENANTS_TABLE));
    this.clock = options.clock ?? (() => new Date());
    this.readCacheMs = Math.max(0, options.readCacheMs ?? DEFAULT_READ_CACHE_MS);
  }

  /** Adds a new tenant. Throws InvalidTenantError or TenantAlreadyExistsError. */
  async create(input: unknown): Promise<Tenant> {
    return this.insert(parseTenantInput(input));
  }

  /** Throws TenantNotFoundError when there is no such tenant. */
  async get(id: string): Promise<Tenant> {
    const tenant = await this.find(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  /** Like get, but undefined when there is no such tenant. At most readCacheMs old. */
  async find(id: string): Promise<Tenant | undefined> {
    assertTenantId(id);
    const recent = this.recent.get(id);
    if (recent && Date.now() - recent.at < this.readCacheMs) return recent.tenant;
    let read = this.reading.get(id);
    if (!read) {
      read = this.read(id).finally(() => this.reading.delete(id));
      this.reading.set(id, read);
    }
    return read;
  }

  /** Reads the row itself, and remembers it. */
  private async read(id: string): Promise<Tenant | undefined> {
    const at = Date.now();
    const tenant = await this.readRow(id);
    // A write that finished while this read was under way is newer: keep it.
    const known = this.recent.get(id);
    if (this.readCacheMs > 0 && !(known && known.at > at)) this.keep(id, { tenant, at });
    return tenant;
  }

  private async readRow(id: string): Promise<Tenant | undefined> {
    const table = await this.table.open();
    try {
      return this.toTenant(await table.getEntity<Record<string, unknown>>(id, TENANT_ROW_KEY));
    } catch (error) {
      if (isEntityNotFound(error)) return undefined;
      throw toStoreError("getEntity", error);
    }
  }

  /** All tenants (or only enabled ones), ordered by id. */
  async list(options: ListTenantsOptions = {}): Promise<Tenant[]> {
    const table = await this.table.open();
    const filter = options.enabledOnly ? odata`RowKey eq ${TENANT_ROW_KEY} and enabled eq ${true}` : odata`RowKey eq ${TENANT_ROW_KEY}`;
    const tenants: Tenant[] = [];
    try {
      for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        try {
          tenants.push(this.toTenant(entity));
        } catch (error) {
          if (!(error instanceof CorruptRecordError) || !options.onCorrupt) throw error;
          options.onCorrupt(error);
        }
      }
    } catch (error) {
      throw toStoreError("listEntities", error);
    }
    return tenants;
  }

  /**
   * Applies a partial change (PATCH). With `ifMatch` the change applies only to that version;
   * without it the change is re-applied to the latest version if another writer got in first.
   */
  async update(id: string, changes: unknown, options: ConditionalOptions = {}): Promise<Tenant> {
    assertTenantId(id);
    const patch = parseTenantChanges(changes);
    for (let attempt = 1; ; attempt++) {
      this.recent.delete(id); // read-modify-write reads the table, never a remembered read
      const current = await this.get(id);
      if (options.ifMatch !== undefined && options.ifMatch !== current.etag) throw new TenantConcurrencyError(id);
      const { createdAt, updatedAt: _previous, etag, ...definition } = current;
      try {
        return await this.replace({ ...definition, ...patch }, createdAt, options.ifMatch ?? etag);
      } catch (error) {
        if (!(error instanceof TenantConcurrencyError) || options.ifMatch !== undefined || attempt >= UNCONDITIONAL_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Creates or fully replaces a tenant (admin PUT); createdAt survives a replace. With `ifMatch`
   * the tenant must exist at exactly that version, else TenantConcurrencyError.
   */
  async upsert(input: unknown, options: ConditionalOptions = {}): Promise<UpsertResult> {
    const tenant = parseTenantInput(input);
    if (options.ifMatch !== undefined) {
      this.recent.delete(tenant.id);
      const current = await this.find(tenant.id);
      if (!current || current.etag !== options.ifMatch) throw new TenantConcurrencyError(tenant.id);
      try {
        return { tenant: await this.replace(tenant, current.createdAt, options.ifMatch), created: false };
      } catch (error) {
        throw error instanceof TenantNotFoundError ? new TenantConcurrencyError(tenant.id) : error;
      }
    }
    for (let attempt = 1; ; attempt++) {
      this.recent.delete(tenant.id);
      const current = await this.find(tenant.id);
      try {
        if (!current) return { tenant: await this.insert(tenant), created: true };
        return { tenant: await this.replace(tenant, current.createdAt, current.etag), created: false };
      } catch (error) {
        // Another writer created, changed or deleted the row between our read and our write.
        const raced = error instanceof TenantAlreadyExistsError || error instanceof TenantConcurrencyError || error instanceof TenantNotFoundError;
        if (!raced) throw error;
        if (attempt >= UNCONDITIONAL_ATTEMPTS) throw new TenantConcurrencyError(tenant.id);
      }
    }
  }

  /**
   * Deletes a tenant row. Its checkpoints are a separate store: clear them with
   * CheckpointStore.clear(id). Throws TenantNotFoundError / TenantConcurrencyError.
   */
  async remove(id: string, options: ConditionalOptions = {}): Promise<void> {
    assertTenantId(id);
    const table = await this.table.open();
    this.recent.delete(id);
    try {
      await table.deleteEntity(id, TENANT_ROW_KEY, { etag: options.ifMatch ?? "*" });
      this.remember(id, undefined);
    } catch (error) {
      if (isEntityNotFound(error)) throw new TenantNotFoundError(id);
      if (storageStatus(error) === 412) throw new TenantConcurrencyError(id);
      throw toStoreError("deleteEntity", error);
    }
  }

  private async insert(tenant: TenantDefinition): Promise<Tenant> {
    const table = await this.table.open();
    const now = this.now();
    const entity = tenantToEntity(tenant, { createdAt: now, updatedAt: now });
    try {
      const response = await table.createEntity(entity);
      return this.remember(tenant.id, this.toTenant({ ...entity, etag: requireEtag(response.etag, "createEntity") }));
    } catch (error) {
      if (storageStatus(error) === 409) throw new TenantAlreadyExistsError(tenant.id);
      throw toStoreError("createEntity", error);
    }
  }

  /** Whole-row replace guarded by `etag`. */
  private async replace(tenant: TenantDefinition, createdAt: string, etag: string): Promise<Tenant> {
    const table = await this.table.open();
    const entity = tenantToEntity(tenant, { createdAt, updatedAt: this.now() });
    try {
      const response = await table.updateEntity(entity, "Replace", { etag });
      return this.remember(tenant.id, this.toTenant({ ...entity, etag: requireEtag(response.etag, "updateEntity") }));
    } catch (error) {
      if (storageStatus(error) === 412) throw new TenantConcurrencyError(tenant.id);
      if (isEntityNotFound(error)) throw new TenantNotFoundError(tenant.id);
      throw toStoreError("updateEntity", error);
    }
  }

  /** This registry's own write: later reads here see it at once. */
  private remember<T extends Tenant | undefined>(id: string, tenant: T): T {
    if (this.readCacheMs > 0) this.keep(id, { tenant, at: Date.now() });
    else this.recent.delete(id);
    return tenant;
  }

  /** Requests can name any id (misses are remembered too): past MAX_REMEMBERED the memory starts over. */
  private keep(id: string, entry: { tenant: Tenant | undefined; at: number }): void {
    if (this.recent.size >= MAX_REMEMBERED && !this.recent.has(id)) this.recent.clear();
    this.recent.set(id, entry);
  }

  private toTenant(entity: StoredEntity): Tenant {
    return entityToTenant(entity, this.table.name);
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
