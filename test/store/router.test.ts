/** StoreRouter: a shared default store, per-tenant databases, one migration per database. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreRouter, StoreRoutingError, StoreUnavailableError, createRosterStore, type RosterStore, type StoreTarget } from "../../lib/store";
import { userRow } from "./contract";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "roster-router-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** createRosterStore, counting creations and migrations. */
function countingFactory() {
  const stats = { created: [] as StoreTarget[], migrations: 0, closed: 0 };
  const createStore = (target: StoreTarget): RosterStore => {
    stats.created.push(target);
    const store = createRosterStore(target);
    const migrate = store.migrate.bind(store);
    const close = store.close.bind(store);
    store.migrate = async () => {
      stats.migrations++;
      await migrate();
    };
    store.close = async () => {
      stats.closed++;
      await close();
    };
    return store;
  };
  return { stats, createStore };
}

const sync = { runId: "r1", syncedAt: "2024-09-01T00:00:00Z" };

describe("StoreRouter", () => {
  it("shares the default store among tenants and migrates it once, even under concurrent first use", async () => {
    const { stats, createStore } = countingFactory();
    const router = new StoreRouter({ defaultTarget: { kind: "sqlite", filename: join(dir, "shared", "roster.db") }, createStore });
    const stores = await Promise.all(["a", "b", "c", "a"].map((t) => router.storeFor(t)));
    expect(new Set(stores).size).toBe(1);
    expect(await router.defaultStore()).toBe(stores[0]);
    expect(stats.migrations).toBe(1);
    await stores[0]!.upsert("a", "users", [userRow(1)], sync);
    expect((await (await router.storeFor("b")).counts("b")).users.live).toBe(0);
    await router.close();
    expect(stats.closed).toBe(1);
    await expect(router.storeFor("a")).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("routes a tenant to its own database when the resolver names one, caching stores per database", async () => {
    const { stats, createStore } = countingFactory();
    const resolved: string[] = [];
    const own = join(dir, "own", "district-9.db");
    const router = new StoreRouter({
      defaultTarget: { kind: "sqlite", filename: join(dir, "default", "roster.db") },
      resolveTenantTarget: async (tenantId) => {
        resolved.push(tenantId);
        return tenantId.startsWith("own-") ? { kind: "sqlite", filename: own } : undefined;
      },
      createStore,
    });
    const [ownA, ownB, shared] = await Promise.all([router.storeFor("own-a"), router.storeFor("own-b"), router.storeFor("plain")]);
    expect(ownA).toBe(ownB);
    expect(ownA).not.toBe(shared);
    expect(stats.created.map((t) => (t.kind === "sqlite" ? t.filename : "")).sort()).toEqual([join(dir, "default", "roster.db"), own].sort());
    expect(stats.migrations).toBe(2);
    // Tenants' rows land in their database only.
    await ownA.upsert("own-a", "users", [userRow(1)], sync);
    expect((await shared.counts("own-a")).users.live).toBe(0);
    expect((await (await router.storeFor("own-a")).counts("own-a")).users.live).toBe(1);
    // The resolver ran once per tenant; forget() makes it run again.
    expect(resolved.sort()).toEqual(["own-a", "own-b", "plain"]);
    router.forget("own-a");
    await router.storeFor("own-a");
    expect(resolved.filter((t) => t === "own-a")).toHaveLength(2);
    expect(stats.migrations).toBe(2);
    await router.close();
    expect(stats.closed).toBe(2);
  });

  it("wraps resolver failures as StoreRoutingError and does not cache them", async () => {
    let calls = 0;
    const router = new StoreRouter({
      defaultTarget: { kind: "sqlite", filename: ":memory:" },
      resolveTenantTarget: async () => {
        if (++calls === 1) throw new Error("Key Vault unreachable");
        return undefined;
      },
    });
    const error = await router.storeFor("t1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreRoutingError);
    expect(error).toMatchObject({ tenantId: "t1", message: expect.stringContaining("Key Vault unreachable") });
    await expect(router.storeFor("t1")).resolves.toBeDefined();
    await router.close();
  });

  it("does not cache a database that failed to open or migrate, and validates tenant ids", async () => {
    let attempts = 0;
    const router = new StoreRouter({
      defaultTarget: { kind: "sqlite", filename: ":memory:" },
      createStore: (target) => {
        const store = createRosterStore(target);
        if (++attempts === 1) store.migrate = async () => Promise.reject(new StoreUnavailableError("sqlite", "disk on fire"));
        return store;
      },
    });
    await expect(router.storeFor("t1")).rejects.toThrow("disk on fire");
    await expect(router.storeFor("t1")).resolves.toBeDefined();
    expect(attempts).toBe(2);
    await expect(router.storeFor("")).rejects.toThrow(/tenantId/);
    await router.close();
  });
});
