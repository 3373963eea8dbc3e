/**
 * The RosterStore contract on SQL Server. Runs only where a server exists: set
 * MSSQL_TEST_CONNECTION to a connection string (the GitHub workflow starts a SQL Server service
 * and sets it). The database is shared across tests; the contract uses fresh tenant ids per test.
 */
import sql from "mssql";
import { MssqlRosterStore } from "../../lib/store/mssqlStore";
import { MSSQL_SCHEMA, table } from "../../lib/store/mssqlStatements";
import { describeRosterStoreContract, type RawSql } from "./contract";
import { faultyPool, type Faults } from "./mssqlFaults";

const connectionString = process.env.MSSQL_TEST_CONNECTION;
let triggers = 0;

/** A separate pool on the same database: joins, and triggers that make the database refuse a row. */
async function rawSql(): Promise<RawSql> {
  const pool = await new sql.ConnectionPool(connectionString!).connect();
  return {
    table,
    query: async (text) => (await pool.request().query(text)).recordset as Record<string, unknown>[],
    failWrites: async (name, keyColumn, tenantId, key) => {
      const trigger = `${MSSQL_SCHEMA}.[tr_test_fail_${process.pid}_${triggers++}]`;
      await pool.request().batch(`CREATE TRIGGER ${trigger} ON ${table(name)} AFTER INSERT, UPDATE AS
BEGIN
  SET NOCOUNT ON;
  IF EXISTS (SELECT 1 FROM inserted WHERE [tenant_id] = N'${tenantId}' AND [${keyColumn}] = N'${key}') THROW 50000, N'injected failure', 1;
END`);
      return async () => {
        await pool.request().batch(`DROP TRIGGER ${trigger};`);
      };
    },
    close: () => pool.close(),
  };
}

if (connectionString) {
  describeRosterStoreContract("SQL Server", {
    create: (overrides) => new MssqlRosterStore({ connectionString, ...overrides }),
    rawSql,
    // Driver-edge injection (mssqlFaults.ts): the serverless resume error at connect, then a deadlock,
    // throttling and a failover error on statements, each before the real server is reached.
    transientFaults: async (onRetry) => {
      const faults: Faults = { connect: [40613, 40613], statements: [1205, 40501, 40197], log: [] };
      const store = new MssqlRosterStore({ connectionString, createPool: faultyPool(faults), retry: { delaysMs: [10, 20, 40, 80, 160, 320], onRetry } });
      return {
        store,
        done: async () => {
          expect(faults.log).toEqual(["connect:40613", "connect:40613", "connect:ok", "statement:1205", "statement:40501", "statement:40197"]);
        },
      };
    },
  });
} else {
  describe.skip("RosterStore contract: SQL Server — SKIPPED: MSSQL_TEST_CONNECTION is not set (no SQL Server on this machine; the GitHub workflow sets it)", () => {
    it("runs the shared contract against SQL Server", () => undefined);
  });
}
