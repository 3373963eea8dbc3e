/** TenantRegistry against a real (in-process) Azurite Table service. */
import { AzureNamedKeyCredential } from "@azure/data-tables";
import {
  CorruptRecordError,
  DEFAULT_SYNC_SCHEDULE,
  TenantAlreadyExistsError,
  TenantConcurrencyError,
  TenantNotFoundError,
  TenantRegistry,
  TenantStoreConfigError,
  credentialNamesFor,
} from "../../lib/tenants";
import { type AzuriteTables, startAzurite } from "../helpers/azurite";
import { DISTRICT_ID, rawRows, rawTable, rejectionOf, steppingClock, tenantBody, uniqueTableName } from "./fixtures";

let azurite: AzuriteTables;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite.stop();
});

function newRegistry(tableName = uniqueTableName("tenants")): { registry: TenantRegistry; tableName: string } {
  const registry = new TenantRegistry({ connectionString: azurite.connectionString, allowInsecureConnection: true, tableName, clock: steppingClock() });
  return { registry, tableName };
}

describe("create / get / find", () => {
  it("creates a tenant with defaults, returns it with an etag, and reads it back identically", async () => {
    const { registry } = newRegistry();
    const created = await registry.create({ id: "demo", displayName: "  Demo District ", cleverDistrictId: DISTRICT_ID });
    expect(created).toEqual({
      id: "demo",
      displayName: "Demo District",
      cleverDistrictId: DISTRICT_ID,
      syncSchedule: DEFAULT_SYNC_SCHEDULE,
      enabled: true,
      settings: {},
      createdAt: "2026-01-05T08:00:00.000Z",
      updatedAt: "2026-01-05T08:00:00.000Z",
      etag: expect.stringMatching(/^W\/"/),
    });
    await expect(registry.get("demo")).resolves.toEqual(created);
  });

  it("stores settings as a JSON string and only secret NAMES, never values", async () => {
    const { registry, tableName } = newRegistry();
    await registry.create(tenantBody("named", { credentialSource: "keyvault", credentialNames: { clientId: "kv-named-id", clientSecret: "kv-named-secret" }, settings: { pageSize: 1000, databaseSecretName: "named-sql" } }));
    const [row] = await rawRows(azurite.connectionString, tableName);
    expect(row).toMatchObject({
      partitionKey: "named",
      rowKey: "tenant",
      credentialSource: "keyvault",
      clientIdSecretName: "kv-named-id",
      clientSecretSecretName: "kv-named-secret",
      settings: JSON.stringify({ pageSize: 1000, databaseSecretName: "named-sql" }),
    });
    const tenant = await registry.get("named");
    expect(tenant.credentialNames).toEqual({ clientId: "kv-named-id", clientSecret: "kv-named-secret" });
    expect(tenant.settings).toEqual({ pageSize: 1000, databaseSecretName: "named-sql" });
  });

  it("derives credential secret names from the tenant id when none are stored", async () => {
    const { registry } = newRegistry();
    const tenant = await registry.create(tenantBody("lincoln"));
    expect(tenant.credentialNames).toBeUndefined();
    expect(credentialNamesFor(tenant)).toEqual({ clientId: "clever-lincoln-client-id", clientSecret: "clever-lincoln-client-secret" });
  });

  it("answers TenantNotFoundError from get and undefined from find for a missing tenant", async () => {
    const { registry } = newRegistry();
    const error = await rejectionOf(registry.get("nobody"));
    expect(error).toBeInstanceOf(TenantNotFoundError);
    expect(error).toMatchObject({ tenantId: "nobody", httpStatus: 404 });
    await expect(registry.find("nobody")).resolves.toBeUndefined();
  });

  it("rejects a duplicate create with TenantAlreadyExistsError and keeps the original", async () => {
    const { registry, tableName } = newRegistry();
    const original = await registry.create(tenantBody("dup"));
    const error = await rejectionOf(registry.create(tenantBody("dup", { displayName: "Impostor" })));
    expect(error).toBeInstanceOf(TenantAlreadyExistsError);
    expect(error).toMatchObject({ tenantId: "dup", httpStatus: 409 });
    await expect(registry.get("dup")).resolves.toEqual(original);
    expect(await rawRows(azurite.connectionString, tableName)).toHaveLength(1);
  });

  it("accepts ids at the edges of the pattern (1 and 63 characters, digits first)", async () => {
    const { registry } = newRegistry();
    for (const id of ["a", "7", "9-lives", "a".repeat(63)]) {
      await expect(registry.create(tenantBody(id))).resolves.toMatchObject({ id });
    }
  });
});

describe("list", () => {
  it("lists all tenants by id, or only the enabled ones", async () => {
    const { registry } = newRegistry();
    await registry.create(tenantBody("zeta"));
    await registry.create(tenantBody("alpha", { enabled: false }));
    await registry.create(tenantBody("mid"));
    expect((await registry.list()).map((t) => t.id)).toEqual(["alpha", "mid", "zeta"]);
    expect((await registry.list({ enabledOnly: true })).map((t) => t.id)).toEqual(["mid", "zeta"]);
  });

  it("returns an empty list from a new table", async () => {
    const { registry } = newRegistry();
    await expect(registry.list()).resolves.toEqual([]);
  });
});

describe("update (PATCH) with optimistic concurrency", () => {
  it("applies top-level changes, replaces settings whole, keeps createdAt and issues a new etag", async () => {
    const { registry } = newRegistry();
    const before = await registry.create(tenantBody("patchme"));
    const after = await registry.update("patchme", { displayName: "Renamed", enabled: false, settings: { pageSize: 100 } }, { ifMatch: before.etag });
    expect(after).toMatchObject({ id: "patchme", displayName: "Renamed", enabled: false, settings: { pageSize: 100 }, cleverDistrictId: DISTRICT_ID, syncSchedule: "0 0 */6 * * *" });
    expect(after.settings).toEqual({ pageSize: 100 });
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.updatedAt > before.updatedAt).toBe(true);
    expect(after.etag).not.toBe(before.etag);
    await expect(registry.get("patchme")).resolves.toEqual(after);
  });

  it("updates without an etag against the latest version", async () => {
    const { registry } = newRegistry();
    await registry.create(tenantBody("loose"));
    await registry.update("loose", { enabled: false });
    await expect(registry.get("loose")).resolves.toMatchObject({ enabled: false });
  });

  it("rejects a stale etag with TenantConcurrencyError and changes nothing", async () => {
    const { registry } = newRegistry();
    const first = await registry.create(tenantBody("stale"));
    const second = await registry.update("stale", { displayName: "Second" }, { ifMatch: first.etag });
    const error = await rejectionOf(registry.update("stale", { displayName: "Lost update" }, { ifMatch: first.etag }));
    expect(error).toBeInstanceOf(TenantConcurrencyError);
    expect(error).toMatchObject({ tenantId: "stale", httpStatus: 412 });
    await expect(registry.get("stale")).resolves.toEqual(second);
  });

  it("lets exactly one of two racing writers with the same etag win", async () => {
    const { registry } = newRegistry();
    const base = await registry.create(tenantBody("race"));
    const results = await Promise.allSettled([
      registry.update("race", { displayName: "Writer A" }, { ifMatch: base.etag }),
      registry.update("race", { displayName: "Writer B" }, { ifMatch: base.etag }),
    ]);
    const winners = results.filter((r) => r.status === "fulfilled");
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0].reason).toBeInstanceOf(TenantConcurrencyError);
    const stored = await registry.get("race");
    expect(stored).toEqual((winners[0] as PromiseFulfilledResult<unknown>).value);
  });

  it("without an etag, re-applies the change to the latest version when another writer got in first", async () => {
    const { registry } = newRegistry();
    const v1 = await registry.create(tenantBody("retry"));
    await registry.update("retry", { displayName: "Other writer" });
    // Our first read sees v1 (stale), as if the other writer committed right after it.
    const get = jest.spyOn(registry, "get").mockResolvedValueOnce(v1);
    const result = await registry.update("retry", { enabled: false });
    expect(get).toHaveBeenCalledTimes(2);
    expect(result).toMatchObject({ displayName: "Other writer", enabled: false });
  });

  it("answers TenantNotFoundError when updating a missing tenant", async () => {
    const { registry } = newRegistry();
    await expect(registry.update("ghost", { enabled: false })).rejects.toBeInstanceOf(TenantNotFoundError);
  });
});

describe("upsert (admin PUT)", () => {
  it("creates, then replaces whole (omitted optional fields are cleared) and keeps createdAt", async () => {
    const { registry } = newRegistry();
    const first = await registry.upsert(tenantBody("put", { credentialSource: "local" }));
    expect(first.created).toBe(true);
    const second = await registry.upsert({ id: "put", displayName: "Put Again", cleverDistrictId: DISTRICT_ID });
    expect(second.created).toBe(false);
    expect(second.tenant).toMatchObject({ displayName: "Put Again", settings: {}, syncSchedule: DEFAULT_SYNC_SCHEDULE, createdAt: first.tenant.createdAt });
    expect(second.tenant.credentialSource).toBeUndefined();
    await expect(registry.get("put")).resolves.toEqual(second.tenant);
  });

  it("without If-Match, turns a create that lost a race into a replace", async () => {
    const { registry } = newRegistry();
    const existing = await registry.create(tenantBody("late"));
    // Our first read misses the row, as if another writer created it right after.
    const find = jest.spyOn(registry, "find").mockResolvedValueOnce(undefined);
    const result = await registry.upsert(tenantBody("late", { displayName: "Mine" }));
    expect(find).toHaveBeenCalledTimes(2);
    expect(result).toMatchObject({ created: false, tenant: { displayName: "Mine", createdAt: existing.createdAt } });
  });

  it("honours If-Match: the current etag wins, a stale one or a missing tenant is a conflict", async () => {
    const { registry } = newRegistry();
    const { tenant } = await registry.upsert(tenantBody("guarded"));
    const replaced = await registry.upsert(tenantBody("guarded", { displayName: "V2" }), { ifMatch: tenant.etag });
    expect(replaced.tenant.displayName).toBe("V2");
    await expect(registry.upsert(tenantBody("guarded", { displayName: "V3" }), { ifMatch: tenant.etag })).rejects.toBeInstanceOf(TenantConcurrencyError);
    await expect(registry.upsert(tenantBody("absent"), { ifMatch: tenant.etag })).rejects.toBeInstanceOf(TenantConcurrencyError);
    await expect(registry.find("absent")).resolves.toBeUndefined();
    await expect(registry.get("guarded")).resolves.toMatchObject({ displayName: "V2" });
  });
});

describe("remove", () => {
  it("deletes a tenant; a second delete is TenantNotFoundError", async () => {
    const { registry, tableName } = newRegistry();
    await registry.create(tenantBody("bye"));
    await registry.remove("bye");
    await expect(registry.find("bye")).resolves.toBeUndefined();
    await expect(registry.remove("bye")).rejects.toBeInstanceOf(TenantNotFoundError);
    expect(await rawRows(azurite.connectionString, tableName)).toHaveLength(0);
  });

  it("refuses to delete with a stale etag", async () => {
    const { registry } = newRegistry();
    const v1 = await registry.create(tenantBody("keep"));
    await registry.update("keep", { enabled: false });
    await expect(registry.remove("keep", { ifMatch: v1.etag })).rejects.toBeInstanceOf(TenantConcurrencyError);
    await expect(registry.find("keep")).resolves.toBeDefined();
  });
});

describe("tables and connections", () => {
  it("creates the table on first use and tolerates it already existing", async () => {
    const tableName = uniqueTableName("shared");
    const a = newRegistry(tableName).registry;
    const b = newRegistry(tableName).registry;
    await Promise.all([a.list(), b.list()]);
    await a.create(tenantBody("seen-by-both"));
    await expect(b.get("seen-by-both")).resolves.toMatchObject({ id: "seen-by-both" });
  });

  it("connects with an endpoint and a credential (the managed-identity shape)", async () => {
    const tableName = uniqueTableName("endpoint");
    const registry = new TenantRegistry({ endpoint: azurite.url, credential: new AzureNamedKeyCredential(azurite.accountName, azurite.accountKey), allowInsecureConnection: true, tableName });
    await registry.create(tenantBody("via-endpoint"));
    expect(await rawRows(azurite.connectionString, tableName)).toHaveLength(1);
  });

  it("uses the default table name `tenants`", async () => {
    const registry = new TenantRegistry({ connectionString: azurite.connectionString, allowInsecureConnection: true });
    await registry.upsert(tenantBody("default-table"));
    expect((await rawRows(azurite.connectionString, "tenants")).map((r) => r.partitionKey)).toContain("default-table");
  });

  it("rejects an invalid table name or a missing connection at construction", () => {
    expect(() => new TenantRegistry({ connectionString: azurite.connectionString, tableName: "bad-name" })).toThrow(TenantStoreConfigError);
    expect(() => new TenantRegistry({ connectionString: "" })).toThrow(TenantStoreConfigError);
  });
});

describe("rows edited outside the registry", () => {
  it("reports a corrupt row clearly, and list can skip it while reporting", async () => {
    const { registry, tableName } = newRegistry();
    await registry.create(tenantBody("good"));
    await rawTable(azurite.connectionString, tableName).createEntity({
      partitionKey: "broken",
      rowKey: "tenant",
      displayName: "Broken",
      cleverDistrictId: DISTRICT_ID,
      syncSchedule: "0 0 */6 * * *",
      enabled: true,
      settings: "{not json",
      createdAt: "2026-01-05T08:00:00.000Z",
      updatedAt: "2026-01-05T08:00:00.000Z",
    });
    const error = await rejectionOf(registry.get("broken"));
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error.message).toContain("settings: is not valid JSON");
    await expect(registry.list()).rejects.toBeInstanceOf(CorruptRecordError);
    const skipped: CorruptRecordError[] = [];
    const listed = await registry.list({ onCorrupt: (e) => skipped.push(e) });
    expect(listed.map((t) => t.id)).toEqual(["good"]);
    expect(skipped.map((e) => e.partitionKey)).toEqual(["broken"]);
  });
});
