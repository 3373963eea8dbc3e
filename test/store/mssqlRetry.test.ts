/**
 * Transient-fault retries of the SQL Server store without a server. Faults are injected at the
 * driver edge only (mssqlFaults.ts: a real mssql ConnectionPool whose connect() fails with queued
 * SQL Server errors); the retry loop, classification and error text are the product's. Statement
 * retries need a server to reach: the shared contract checks them in CI (mssql.test.ts).
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { StoreUnavailableError } from "../../lib/store";
import { MssqlRosterStore } from "../../lib/store/mssqlStore";
import { annotateLoginErrors } from "../../lib/store/mssqlConfig";
import { DEFAULT_RETRY_DELAYS_MS, type RetryEvent } from "../../lib/store/retry";
import { faultyPool, type Faults } from "./mssqlFaults";

// tedious ships no type declarations; only its Connection (an EventEmitter) is needed here.
const { Connection } = createRequire(__filename)("tedious") as { Connection: new (config: object) => EventEmitter };

const UNREACHABLE = "Server=127.0.0.1,1;Database=roster;User Id=cleversync;Password=Not-A-Real-Pa55;Encrypt=false;Connect Timeout=5";

async function failureOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

function storeWith(faults: Faults, delaysMs: number[], retries: RetryEvent[]): MssqlRosterStore {
  return new MssqlRosterStore({ connectionString: UNREACHABLE, createPool: faultyPool(faults), retry: { delaysMs, onRetry: (e) => retries.push(e) } });
}

describe("SQL Server store: transient faults", () => {
  it("retries a connect refused with 40613 (database unavailable or resuming) and stops at once on a refused login (18456)", async () => {
    const faults: Faults = { connect: [40613, 40613, 18456, 40613], statements: [], log: [] };
    const retries: RetryEvent[] = [];
    const store = storeWith(faults, [5, 10, 20, 40], retries);
    const error = await failureOf(store.migrate());
    expect(faults.log).toEqual(["connect:40613", "connect:40613", "connect:18456"]);
    expect(retries.map((r) => [r.operation, r.attempt, r.delayMs])).toEqual([
      ["migrate", 1, 5],
      ["migrate", 2, 10],
    ]);
    expect(retries[0]!.error.message).toMatch(/not currently available/);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ transient: false });
    expect(error.message).toMatch(/^cannot connect to SQL Server \(127\.0\.0\.1\/roster\): ELOGIN: Login failed/);
    await store.close();
  });

  it("retries lost connections, and gives up with the transient cause when the schedule is spent", async () => {
    // After the injected 40613s the real driver meets a closed port (ESOCKET): transient as well.
    const faults: Faults = { connect: [40613, 40501], statements: [], log: [] };
    const retries: RetryEvent[] = [];
    const store = storeWith(faults, [5, 5, 5], retries);
    const error = await failureOf(store.migrate());
    expect(faults.log).toEqual(["connect:40613", "connect:40501", "connect:ok", "connect:ok"]);
    expect(retries).toHaveLength(3);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ transient: true });
    expect(error.message).toMatch(/ESOCKET|ECONNREFUSED|Failed to connect/);
    await store.close();
  });

  it("waits about a minute in all by default, doubling up to 30 s between attempts", () => {
    const total = DEFAULT_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(55_000);
    expect(total).toBeLessThanOrEqual(65_000);
    expect(Math.max(...DEFAULT_RETRY_DELAYS_MS)).toBeLessThanOrEqual(30_000);
    expect([...DEFAULT_RETRY_DELAYS_MS]).toEqual([...DEFAULT_RETRY_DELAYS_MS].sort((a, b) => a - b));
  });

  it("recovers the SQL error number tedious leaves off a login error, so 40613 is told from 18456", () => {
    // A real tedious Connection (not connected): the events arrive as tedious emits them at login.
    const connection = new Connection({ server: "127.0.0.1", authentication: { type: "default", options: { userName: "u", password: "p" } } });
    annotateLoginErrors(connection as never);
    const error = new Error("Database 'roster' on server 'x' is not currently available.");
    connection.emit("errorMessage", { number: 40613, message: error.message });
    connection.emit("connect", error);
    expect((error as Error & { number?: number }).number).toBe(40613);
  });
});
