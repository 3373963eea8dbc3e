/**
 * The RosterStore contract on SQL Server. Runs only where a server exists: set
 * MSSQL_TEST_CONNECTION to a connection string (the GitHub workflow starts a SQL Server service
 * and sets it). The database is shared across tests; the contract uses fresh tenant ids per test.
 */
import { MssqlRosterStore } from "../../lib/store";
import { describeRosterStoreContract } from "./contract";

const connectionString = process.env.MSSQL_TEST_CONNECTION;

if (connectionString) {
  describeRosterStoreContract("SQL Server", { create: () => new MssqlRosterStore({ connectionString }) });
} else {
  describe.skip("RosterStore contract: SQL Server — SKIPPED: MSSQL_TEST_CONNECTION is not set (no SQL Server on this machine; the GitHub workflow sets it)", () => {
    it("runs the shared contract against SQL Server", () => undefined);
  });
}
