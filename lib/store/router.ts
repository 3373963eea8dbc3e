/**
 * Per-tenant database routing. All tenants share the default store unless the injected resolver
 * names another target for a tenant (a district that wants its roster in its own database).
 *
 * Stores are cached per database, not per tenant: tenants resolving to the same target share one
 * store, and each database is migrated once, on first use. Failures (resolver, connect, migrate)
 * are not cached, so the next call tries again.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { StoreError, StoreRoutingError, StoreUnavailableError, sanitizeCause } from "./errors";
import { createRosterStore, type StoreTarget } from "./factory";
import { assertTenantId } from "./normalize";
import type { RosterStore } from "./types";

export type TenantTargetResolver = (tenantId: string) => Promise<StoreTarget | undefined>;

export interface StoreRouterOptions {
  defaultTarget: StoreTarget;
  /** Where a tenant's roster lives when not in the default store (e.g. a connection string from Key Vault). */
  resolveTenantTarget?: TenantTargetResolver;
  /** Injection point for tests; default createRosterStore. */
  createStore?: (target: StoreTarget) => RosterStore;
}

/**
 * Identifies a database without keeping a secret in the key: connection details are hashed.
 * Only fields that select the database count; tuning options (batch sizes, timeouts) do not.
 */
export function targetKey(target: StoreTarget): string {
  if (target.kind === "sqlite") return `sqlite:${target.filename === ":memory:" ? ":memory:" : resolve(target.filename)}`;
  const identity = "connectionString" in target ? { connectionString: target.connectionString } : { server: target.server, database: target.database, port: target.port ?? 1433, clientId: target.authentication?.clientId ?? null };
  return `mssql:${createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32)}`;
}

export class StoreRouter {
  private readonly defaultTarget: StoreTarget;
  private readonly resolveTenantTarget?: TenantTargetResolver;
  private readonly createStore: (target: StoreTarget) => RosterStore;
  /** Database key → migrated store. */
  private readonly stores = new Map<string, Promise<RosterStore>>();
  /** Tenant → target it resolved to (resolving may cost a Key Vault read). */
  private readonly tenantTargets = new Map<string, Promise<StoreTarget>>();
  private closed = false;

  constructor(options: StoreRouterOptions) {
    this.defaultTarget = options.defaultTarget;
    this.resolveTenantTarget = options.resolveTenantTarget;
    this.createStore = options.createStore ?? createRosterStore;
  }

  /** The migrated default store. */
  defaultStore(): Promise<RosterStore> {
    return this.storeForTarget(this.defaultTarget);
  }

  /** The migrated store holding this tenant's roster. */
  async storeFor(tenantId: string): Promise<RosterStore> {
    assertTenantId(tenantId);
    return this.storeForTarget(await this.targetFor(tenantId));
  }

  /** Forget a tenant's resolved target (its mapping changed); its store stays open for other tenants. */
  forget(tenantId: string): void {
    this.tenantTargets.delete(tenantId);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.stores.values()];
    this.stores.clear();
    this.tenantTargets.clear();
    const stores = await Promise.allSettled(pending);
    await Promise.allSettled(stores.map((s) => (s.status === "fulfilled" ? s.value.close() : undefined)));
  }

  private targetFor(tenantId: string): Promise<StoreTarget> {
    const resolver = this.resolveTenantTarget;
    if (!resolver) return Promise.resolve(this.defaultTarget);
    let target = this.tenantTargets.get(tenantId);
    if (!target) {
      target = (async () => {
        try {
          return (await resolver(tenantId)) ?? this.defaultTarget;
        } catch (error) {
          if (error instanceof StoreError) throw error;
          const cause = sanitizeCause(error);
          throw new StoreRoutingError(tenantId, `could not resolve the store of tenant "${tenantId}": ${cause.message}`, cause);
        }
      })();
      this.tenantTargets.set(tenantId, target);
      target.catch(() => this.tenantTargets.delete(tenantId));
    }
    return target;
  }

  private storeForTarget(target: StoreTarget): Promise<RosterStore> {
    if (this.closed) return Promise.reject(new StoreUnavailableError(target.kind, "the store router is closed", undefined, false));
    const key = targetKey(target);
    let store = this.stores.get(key);
    if (!store) {
      store = (async () => {
        const created = this.createStore(target);
        try {
          await created.migrate();
          return created;
        } catch (error) {
          await created.close().catch(() => undefined);
          throw error;
        }
      })();
      this.stores.set(key, store);
      store.catch(() => {
        if (this.stores.get(key) === store) this.stores.delete(key);
      });
    }
    return store;
  }
}
