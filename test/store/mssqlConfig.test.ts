/**
 * Connection settings for SQL Server: ADO.NET's documented Authentication names become the
 * tedious authentication that means the same thing (mssql's own parser gets them wrong, see
 * mssqlConfig.ts), the pool validates sockets instead of running SELECT 1, and refusals name the
 * fix without quoting the connection string.
 */
import { createRequire } from "node:module";
import sql from "mssql";
import { StoreUnavailableError } from "../../lib/store";
import { DEFAULT_POOL_MAX, configFromConnectionString, configFromEntra } from "../../lib/store/mssqlConfig";

// tedious ships no type declarations; its Connection constructor validates the authentication block.
const { Connection } = createRequire(__filename)("tedious") as { Connection: new (config: object) => { config: { authentication: unknown } } };

const BASE = "Server=tcp:sql-cleversync.database.windows.net,1433;Database=cleversync;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30";
const CLIENT_ID = "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

function failure(run: () => unknown): Error & Record<string, unknown> {
  try {
    run();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

/** What tedious receives: mssql's own ConnectionPool builds it from our config (node_modules/mssql/lib/tedious/connection-pool.js). */
function tediousConfig(config: sql.config): { authentication: { type: string; options: Record<string, unknown> }; options: Record<string, unknown> } {
  return (new sql.ConnectionPool(config) as unknown as { _config(): ReturnType<typeof tediousConfig> })._config();
}

describe("SQL Server authentication names", () => {
  it("pins the driver gap: mssql alone reads 'Active Directory Default' and 'Managed Identity' as a password login", () => {
    // If this starts failing, mssql learned the names and mssqlConfig.ts's mapping can be revisited.
    for (const name of ["Active Directory Default", "Active Directory Managed Identity"]) {
      expect((sql.ConnectionPool.parseConnectionString(`${BASE};Authentication=${name}`) as { authentication_type?: string }).authentication_type).toBe("default");
    }
  });

  it.each([
    ["Active Directory Default", undefined, "azure-active-directory-default"],
    ["Active Directory Default", CLIENT_ID, "azure-active-directory-default"],
    ["Active Directory Managed Identity", undefined, "azure-active-directory-msi-app-service"],
    ["Active Directory Managed Identity", CLIENT_ID, "azure-active-directory-msi-app-service"],
    ["active directory msi", CLIENT_ID, "azure-active-directory-msi-app-service"],
  ])("maps Authentication=%s (User Id %s) to tedious %s, with no SQL login left over", (name, userId, type) => {
    const { config, target } = configFromConnectionString(`${BASE};Authentication=${name}${userId ? `;User Id=${userId}` : ""}`, {});
    expect(target).toBe("sql-cleversync.database.windows.net/cleversync");
    const tedious = tediousConfig(config);
    expect(tedious.authentication.type).toBe(type);
    expect(tedious.authentication.options).toEqual(userId ? { clientId: userId } : { clientId: undefined });
    expect(tedious.options).toMatchObject({ encrypt: true, trustServerCertificate: false, database: "cleversync", port: 1433, useUTC: true });
    // tedious itself accepts it (its constructor throws on an unknown type or a bad clientId); no network yet.
    expect(new Connection(tedious).config.authentication).toEqual({ type, options: { clientId: userId } });
  });

  it("keeps SQL logins (User Id + Password) as they are", () => {
    const { config } = configFromConnectionString("Server=localhost,1433;Database=d;User Id=sa;Password=Pa55-word;Authentication=Sql Password", {});
    expect(tediousConfig(config).authentication).toEqual({ type: "default", options: { userName: "sa", password: "Pa55-word" } });
  });

  it("refuses 'Active Directory Integrated' (Kerberos in ADO.NET, ODBC and sqlcmd) with the fix", () => {
    const error = failure(() => configFromConnectionString(`${BASE};Authentication=Active Directory Integrated`, {}));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ transient: false });
    expect(error.message).toMatch(/Windows integrated \(Kerberos\).*Fix: .*Active Directory Managed Identity.*Active Directory Default/);
  });

  it("refuses an unknown Authentication value, naming it but never the rest of the string", () => {
    const error = failure(() => configFromConnectionString(`${BASE};Password=Secret-Pa55;Authentication=Active Directory Telepathy`, {}));
    expect(error.message).toMatch(/Authentication="Active Directory Telepathy" is not supported/);
    expect(error.message).not.toContain("Secret-Pa55");
  });
});

describe("SQL Server pool settings", () => {
  it("validates pooled connections by socket state, not a SELECT 1 per acquire, and applies pool size and timeouts", () => {
    for (const { config } of [configFromConnectionString(`${BASE};Authentication=Active Directory Default`, { poolMax: 4, requestTimeoutMs: 5000 }), configFromEntra({ server: "s", database: "d" }, { poolMax: 4, requestTimeoutMs: 5000 })]) {
      expect(config).toMatchObject({ validateConnection: "socket", pool: { max: 4, min: 0 }, requestTimeout: 5000 });
      expect(typeof config.beforeConnect).toBe("function");
    }
    expect(configFromConnectionString(BASE, {}).config.pool).toMatchObject({ max: DEFAULT_POOL_MAX, min: 0 });
  });
});
