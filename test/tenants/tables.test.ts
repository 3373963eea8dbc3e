/** Azure Tables plumbing: SDK errors are sanitized, table names checked, table creation retried. */
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { TableClient } from "@azure/data-tables";
import { TenantStorageError, TenantStoreConfigError } from "../../lib/tenants";
import { LazyTable, createTableClient, storageFailure, toStoreError } from "../../lib/tenants/tables";
import { TenantNotFoundError } from "../../lib/tenants/errors";

describe("storageFailure", () => {
  it("keeps status, service code and first message line, and drops the request (SharedKey signature)", () => {
    const request = createPipelineRequest({ url: "http://127.0.0.1/devstoreaccount1/tenants", headers: createHttpHeaders({ authorization: "SharedKey devstoreaccount1:SIGNATURE" }) });
    const sdkError = new RestError("Server busy\nRequestId:123\nTime:now", { statusCode: 503, request });
    Object.assign(sdkError, { details: { errorCode: "ServerBusy" } });

    const wrapped = storageFailure("getEntity", sdkError);
    expect(wrapped).toBeInstanceOf(TenantStorageError);
    expect(wrapped).toMatchObject({ operation: "getEntity", status: 503, serviceCode: "ServerBusy", httpStatus: 503 });
    expect(wrapped.message).toBe("Azure Tables getEntity failed with 503 (ServerBusy): Server busy");
    expect(JSON.stringify(wrapped)).not.toContain("SIGNATURE");
    expect((wrapped.cause as Error & { request?: unknown }).request).toBeUndefined();
  });

  it("lets the store's own typed errors through unchanged", () => {
    const notFound = new TenantNotFoundError("t1");
    expect(toStoreError("getEntity", notFound)).toBe(notFound);
  });
});

describe("createTableClient", () => {
  it.each(["ab", "1tenants", "tenant-s", "a".repeat(64)])("rejects table name %p", (name) => {
    expect(() => createTableClient({ connectionString: "UseDevelopmentStorage=true" }, name)).toThrow(TenantStoreConfigError);
  });

  it("accepts the development-storage shortcut", () => {
    expect(createTableClient({ connectionString: "UseDevelopmentStorage=true" }, "tenants").tableName).toBe("tenants");
  });
});

describe("LazyTable", () => {
  it("creates the table once for concurrent callers and retries after a failure", async () => {
    const client = TableClient.fromConnectionString("UseDevelopmentStorage=true", "tenants");
    const createTable = jest
      .spyOn(client, "createTable")
      .mockRejectedValueOnce(Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" }))
      .mockResolvedValue(undefined);
    const table = new LazyTable(client);

    await expect(table.open()).rejects.toBeInstanceOf(TenantStorageError);
    const [a, b] = await Promise.all([table.open(), table.open()]);
    expect(a).toBe(client);
    expect(b).toBe(client);
    await table.open();
    expect(createTable).toHaveBeenCalledTimes(2);
  });

  it("treats 409 TableAlreadyExists as success", async () => {
    const client = TableClient.fromConnectionString("UseDevelopmentStorage=true", "tenants");
    jest.spyOn(client, "createTable").mockRejectedValue(Object.assign(new RestError("exists", { statusCode: 409 }), { details: { errorCode: "TableAlreadyExists" } }));
    await expect(new LazyTable(client).open()).resolves.toBe(client);
  });
});
