/** CheckpointStore against a real (in-process) Azurite Table service. */
import {
  CheckpointConcurrencyError,
  CheckpointStore,
  InvalidCheckpointError,
  InvalidTenantError,
  checkpointState,
} from "../../lib/tenants";
import { type AzuriteTables, startAzurite } from "../helpers/azurite";
import { rawRows, rejectionOf, steppingClock, uniqueTableName } from "./fixtures";

let azurite: AzuriteTables;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite.stop();
});

function newStore(): { store: CheckpointStore; tableName: string } {
  const tableName = uniqueTableName("checkpoints");
  return { store: new CheckpointStore({ connectionString: azurite.connectionString, allowInsecureConnection: true, tableName, clock: steppingClock() }), tableName };
}

describe("put / get", () => {
  it("has no checkpoint for a resource never synced", async () => {
    const { store } = newStore();
    await expect(store.get("district-a", "users")).resolves.toBeUndefined();
    await expect(store.list("district-a")).resolves.toEqual([]);
  });

  it("round-trips every field and returns the etag", async () => {
    const { store } = newStore();
    const state = { cursor: "530e5961049e75a9262cffe4", pagesDone: 12, recordsDone: 12_000, runId: "run-1", eventsCursor: "evt-9", lastFullSyncAt: "2026-01-04T08:00:00.000Z" };
    const put = await store.put("district-a", "users", state);
    expect(put).toEqual({ tenantId: "district-a", resource: "users", ...state, updatedAt: "2026-01-05T08:00:00.000Z", etag: expect.stringMatching(/^W\/"/) });
    await expect(store.get("district-a", "users")).resolves.toEqual(put);
  });

  it("defaults the counters to 0", async () => {
    const { store } = newStore();
    await expect(store.put("district-a", "schools", {})).resolves.toMatchObject({ pagesDone: 0, recordsDone: 0 });
  });

  it("keeps counters beyond 32-bit range exact", async () => {
    const { store } = newStore();
    await store.put("big", "users", { pagesDone: 3_000_000, recordsDone: 3_000_000_123 });
    await expect(store.get("big", "users")).resolves.toMatchObject({ pagesDone: 3_000_000, recordsDone: 3_000_000_123 });
  });

  it("replaces the whole record: omitted fields are cleared", async () => {
    const { store } = newStore();
    const first = await store.put("district-a", "users", { cursor: "abc", pagesDone: 3, recordsDone: 300, runId: "run-1" });
    const done = await store.put("district-a", "users", { ...checkpointState(first), cursor: undefined, lastFullSyncAt: "2026-01-05T09:00:00.000Z" });
    expect(done.cursor).toBeUndefined();
    const stored = await store.get("district-a", "users");
    expect(stored).toEqual(done);
    expect(stored).not.toHaveProperty("cursor");
  });
});

describe("ETag-guarded put", () => {
  it("writes over the version it read (ifMatch) and rejects a stale etag", async () => {
    const { store } = newStore();
    const v1 = await store.put("district-a", "users", { cursor: "a", pagesDone: 1 });
    const v2 = await store.put("district-a", "users", { cursor: "b", pagesDone: 2 }, { ifMatch: v1.etag });
    expect(v2.etag).not.toBe(v1.etag);
    const error = await rejectionOf(store.put("district-a", "users", { cursor: "stale", pagesDone: 2 }, { ifMatch: v1.etag }));
    expect(error).toBeInstanceOf(CheckpointConcurrencyError);
    expect(error).toMatchObject({ tenantId: "district-a", resource: "users", reason: "etag-mismatch", httpStatus: 412 });
    await expect(store.get("district-a", "users")).resolves.toEqual(v2);
  });

  it("lets exactly one of two racing writers with the same etag win", async () => {
    const { store } = newStore();
    const base = await store.put("district-a", "sections", { pagesDone: 1 });
    const results = await Promise.allSettled([
      store.put("district-a", "sections", { pagesDone: 2, runId: "A" }, { ifMatch: base.etag }),
      store.put("district-a", "sections", { pagesDone: 2, runId: "B" }, { ifMatch: base.etag }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [loser] = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(loser.reason).toBeInstanceOf(CheckpointConcurrencyError);
  });

  it("ifNoneMatch '*' only creates; ifMatch on a missing checkpoint is a conflict", async () => {
    const { store } = newStore();
    const created = await store.put("district-a", "terms", { pagesDone: 1 }, { ifNoneMatch: "*" });
    await expect(store.put("district-a", "terms", { pagesDone: 9 }, { ifNoneMatch: "*" })).rejects.toMatchObject({ reason: "already-exists" });
    await expect(store.put("district-a", "courses", { pagesDone: 1 }, { ifMatch: created.etag })).rejects.toMatchObject({ reason: "missing" });
    await expect(store.get("district-a", "courses")).resolves.toBeUndefined();
    await expect(store.get("district-a", "terms")).resolves.toEqual(created);
  });
});

describe("tenant isolation", () => {
  it("never shows or clears one tenant's checkpoints for another", async () => {
    const { store, tableName } = newStore();
    await store.put("tenant-a", "users", { cursor: "a-users", pagesDone: 1 });
    await store.put("tenant-a", "schools", { cursor: "a-schools", pagesDone: 1 });
    // A tenant whose id has tenant-a as a prefix must not match it.
    await store.put("tenant-ab", "users", { cursor: "ab-users", pagesDone: 1 });
    await store.put("tenant-b", "users", { cursor: "b-users", pagesDone: 1 });

    await expect(store.get("tenant-b", "users")).resolves.toMatchObject({ tenantId: "tenant-b", cursor: "b-users" });
    await expect(store.get("tenant-b", "schools")).resolves.toBeUndefined();
    expect((await store.list("tenant-a")).map((c) => `${c.tenantId}/${c.resource}`)).toEqual(["tenant-a/schools", "tenant-a/users"]);
    expect((await store.list("tenant-b")).map((c) => c.cursor)).toEqual(["b-users"]);

    await expect(store.clear("tenant-a")).resolves.toBe(2);
    await expect(store.list("tenant-a")).resolves.toEqual([]);
    await expect(store.get("tenant-ab", "users")).resolves.toMatchObject({ cursor: "ab-users" });
    await expect(store.get("tenant-b", "users")).resolves.toMatchObject({ cursor: "b-users" });
    expect((await rawRows(azurite.connectionString, tableName)).map((r) => r.partitionKey).sort()).toEqual(["tenant-ab", "tenant-b"]);
  });

  it("clears one resource only when asked, and clearing nothing is 0", async () => {
    const { store } = newStore();
    await store.put("district-a", "users", { pagesDone: 1 });
    await store.put("district-a", "events", { eventsCursor: "e1" });
    await expect(store.clear("district-a", "users")).resolves.toBe(1);
    await expect(store.clear("district-a", "users")).resolves.toBe(0);
    expect((await store.list("district-a")).map((c) => c.resource)).toEqual(["events"]);
    await expect(store.clear("nobody")).resolves.toBe(0);
  });
});

describe("validation (nothing written)", () => {
  it.each(["../etc", "a/b", "a?b=c", "UPPER", "has space", "", "a".repeat(64), "'; DROP TABLE--"])("rejects tenant id %p in every operation", async (tenantId) => {
    const { store } = newStore();
    for (const attempt of [store.get(tenantId, "users"), store.list(tenantId), store.put(tenantId, "users", {}), store.clear(tenantId)]) {
      const error = await rejectionOf(attempt);
      expect(error).toBeInstanceOf(InvalidTenantError);
      expect((error as InvalidTenantError).issues[0].field).toBe("tenantId");
    }
  });

  it.each(["", "Users", "../x", "users/1", "a b", "1users"])("rejects resource name %p", async (resource) => {
    const { store } = newStore();
    const error = await rejectionOf(store.put("district-a", resource, {}));
    expect(error).toBeInstanceOf(InvalidCheckpointError);
    expect((error as InvalidCheckpointError).issues[0].field).toBe("resource");
  });

  it.each([
    ["negative count", { pagesDone: -1 }, "pagesDone", /negative/],
    ["fractional count", { recordsDone: 1.5 }, "recordsDone", /whole number/],
    ["count as string", { pagesDone: "3" }, "pagesDone", /must be a number \(got string\)/],
    ["empty cursor", { cursor: "" }, "cursor", /empty/],
    ["bad timestamp", { lastFullSyncAt: "yesterday" }, "lastFullSyncAt", /ISO 8601/],
    ["unknown field", { startingAfter: "x" }, "startingAfter", /not a known field/],
    ["etag in the body", { etag: "W/x" }, "etag", /set by the server/],
  ])("rejects %s", async (_label, state, field, problem) => {
    const { store, tableName } = newStore();
    await store.list("district-a"); // create the table
    const error = await rejectionOf(store.put("district-a", "users", state));
    expect(error).toBeInstanceOf(InvalidCheckpointError);
    expect((error as InvalidCheckpointError).issues).toEqual([expect.objectContaining({ field, problem: expect.stringMatching(problem) })]);
    expect(await rawRows(azurite.connectionString, tableName)).toEqual([]);
  });

  it("rejects ifMatch together with ifNoneMatch", async () => {
    const { store } = newStore();
    const options = { ifMatch: "W/x", ifNoneMatch: "*" } as unknown as { ifMatch: string };
    await expect(store.put("district-a", "users", {}, options)).rejects.toBeInstanceOf(InvalidCheckpointError);
  });
});
