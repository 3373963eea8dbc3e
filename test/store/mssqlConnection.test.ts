/**
 * SQL Server connection handling without a server: failures become typed errors that never carry
 * the connection string or its password (connection strings are secrets), and nothing touches
 * the network before it must.
 */
import { inspect } from "node:util";
import { StoreNotReadyError, StoreUnavailableError, createRosterStore, targetKey } from "../../lib/store";
import { MssqlRosterStore } from "../../lib/store/mssqlStore";
import { userRow } from "./contract";

const PASSWORD = "Sup3r-Secret-Pa55word";
// These tests look at one failed attempt; retries have their own tests (mssqlRetry.test.ts).
const NO_RETRY = { delaysMs: [] };
// Port 1 on loopback refuses at once: a real connect attempt that fails fast.
const UNREACHABLE = `Server=127.0.0.1,1;Database=roster;User Id=cleversync;Password=${PASSWORD};Encrypt=false;Connect Timeout=5`;

function everythingAbout(error: unknown): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })].join("\n");
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("MssqlRosterStore connection failures", () => {
  it("reports an unreachable server as StoreUnavailableError without the connection string or password", async () => {
    const store = new MssqlRosterStore({ connectionString: UNREACHABLE, retry: NO_RETRY });
    const error = await failureOf(store.migrate());
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", dialect: "mssql", transient: true });
    expect((error as Error).message).toMatch(/^cannot connect to SQL Server \(127\.0\.0\.1\/roster\): ESOCKET/);
    const text = everythingAbout(error);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(UNREACHABLE);
    await store.close();
  });

  it("retries the connection on the next call instead of caching the failure", async () => {
    const store = new MssqlRosterStore({ connectionString: UNREACHABLE, retry: NO_RETRY });
    await expect(store.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
    await expect(store.migrate()).rejects.toBeInstanceOf(StoreNotReadyError);
  });

  it("reports an unparseable connection string without quoting it", async () => {
    const store = new MssqlRosterStore({ connectionString: `Server=x;Password="${PASSWORD}` });
    const error = await failureOf(store.migrate());
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ transient: false });
    expect(everythingAbout(error)).not.toContain(PASSWORD);
  });

  it("accepts Entra (managed identity) settings and fails on the network, not on configuration", async () => {
    const store = createRosterStore({ kind: "mssql", server: "127.0.0.1", port: 1, database: "roster", authentication: { type: "azure-active-directory-default" }, retry: NO_RETRY });
    const error = await failureOf(store.migrate());
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1\/roster/);
    expect(((error as Error).cause as Error).message).toMatch(/ESOCKET|ECONNREFUSED|Failed to connect/);
    await store.close();
  });

  it("refuses work before migrate() without connecting", async () => {
    const store = new MssqlRosterStore({ connectionString: UNREACHABLE, retry: NO_RETRY });
    await expect(store.upsert("t1", "users", [userRow(1)], { runId: "r1", syncedAt: "2024-01-01T00:00:00Z" })).rejects.toBeInstanceOf(StoreNotReadyError);
    await expect(store.counts("t1")).rejects.toBeInstanceOf(StoreNotReadyError);
    await store.close();
  });

  it("keys routed databases by a hash, never by the connection string", () => {
    const key = targetKey({ kind: "mssql", connectionString: UNREACHABLE });
    expect(key).toMatch(/^mssql:[0-9a-f]{32}$/);
    expect(key).not.toContain(PASSWORD);
    expect(targetKey({ kind: "mssql", connectionString: UNREACHABLE, poolMax: 3 })).toBe(key);
  });
});
