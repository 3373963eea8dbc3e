/**
 * Connection settings for the SQL Server dialect: a connection string (or Entra options) becomes
 * one mssql/tedious config, with our pool, timeouts and authentication mapping applied.
 *
 * Authentication names. The documented values of the `Authentication` keyword are ADO.NET's
 * (Microsoft.Data.SqlClient, "Connect to Azure SQL with Microsoft Entra authentication and
 * SqlClient": https://learn.microsoft.com/sql/connect/ado-net/sql/azure-active-directory-authentication,
 * and SqlAuthenticationMethod: https://learn.microsoft.com/dotnet/api/microsoft.data.sqlclient.sqlauthenticationmethod).
 * mssql 12's parser does not follow them (node_modules/mssql/lib/base/connection-pool.js,
 * _parseAuthenticationType): it maps only "Active Directory Integrated" to Entra
 * (azure-active-directory-default) and every other value — "Active Directory Default" and
 * "Active Directory Managed Identity" included — to 'default', a SQL password login with no
 * password. "Active Directory Integrated" itself means Windows integrated (Kerberos/SSPI) sign-in in
 * ADO.NET, ODBC and sqlcmd, so writing it for a managed identity was wrong everywhere but in this
 * one driver. We map the documented names ourselves onto tedious's types
 * (node_modules/tedious/lib/connection.js, the authentication switch that builds
 * DefaultAzureCredential / ManagedIdentityCredential):
 *
 *   Active Directory Default           → azure-active-directory-default   (DefaultAzureCredential; User Id = client id
 *                                                                           of a user-assigned identity, as SqlClient)
 *   Active Directory Managed Identity  → azure-active-directory-msi-app-service (ManagedIdentityCredential;
 *   Active Directory MSI (its alias)                                        User Id = client id of a user-assigned identity)
 *   Sql Password / absent              → SQL login (User Id + Password)
 *   Active Directory Integrated        → refused with the fix (it is Kerberos elsewhere)
 *
 * Pool: `validateConnection: 'socket'` checks a pooled connection's state and socket on acquire
 * instead of running `SELECT 1` first (node_modules/mssql/lib/tedious/connection-pool.js,
 * _poolValidate; tarn validates on every acquire: node_modules/tarn/dist/Pool.js). A dead socket is
 * still caught, and a statement that meets a connection dying mid-flight is retried (retry.ts).
 */
import sql from "mssql";
import { StoreUnavailableError } from "./errors";

/** Azure SQL's documented transient errors plus deadlock/lock timeouts: worth retrying. */
export const TRANSIENT_NUMBERS: ReadonlySet<number> = new Set([
  // Troubleshooting transient connection errors: https://learn.microsoft.com/azure/azure-sql/database/troubleshoot-common-errors-issues
  // (40613 also while a serverless database resumes from auto-pause), and SqlClient's built-in list:
  // https://learn.microsoft.com/dotnet/api/microsoft.data.sqlclient.sqlconfigurableretryfactory
  4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40540, 40613, 42108, 42109, 49918, 49919, 49920,
  // Deadlock victim, lock resource shortage, lock request timeout: rerunning the transaction is the documented fix.
  1204, 1205, 1222,
]);

/** Driver codes of a lost or failed connection (mssql/tedious ConnectionError codes). */
export const CONNECTION_CODES: ReadonlySet<string> = new Set(["ESOCKET", "ECONNCLOSED", "EINSTLOOKUP", "ENOTOPEN", "ECONNRESET", "ECONNREFUSED", "ETIMEOUT"]);

export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface MssqlTuning {
  requestTimeoutMs?: number;
  poolMax?: number;
}

/** Server/database for messages: not secret, and what an operator needs to know. */
export interface MssqlConfigResult {
  config: sql.config;
  target: string;
}

const AUTH_KEY = /(?:^|;)\s*authentication\s*=\s*("[^"]*"|'[^']*'|\{[^}]*\}|[^;]*)/i;
const USER_KEY = /(?:^|;)\s*(?:user id|uid|user)\s*=\s*("[^"]*"|'[^']*'|\{[^}]*\}|[^;]*)/i;

const unquote = (value: string): string => value.trim().replace(/^["'{]|["'}]$/g, "").trim();

function configError(problem: string, fix: string): StoreUnavailableError {
  return new StoreUnavailableError("mssql", `invalid SQL Server connection string: ${problem}. Fix: ${fix}`, undefined, false);
}

/**
 * The tedious authentication for a connection string, or undefined for a SQL login.
 * Throws a permanent StoreUnavailableError for names we refuse (never quoting the string).
 */
export function authenticationFor(connectionString: string): sql.config["authentication"] | undefined {
  const raw = AUTH_KEY.exec(connectionString)?.[1];
  const name = raw === undefined ? "" : unquote(raw).toLowerCase().replace(/\s+/g, " ");
  const userId = (() => {
    const value = USER_KEY.exec(connectionString)?.[1];
    return value === undefined ? undefined : unquote(value) || undefined;
  })();
  switch (name) {
    case "":
    case "sql password":
      return undefined;
    case "active directory default":
      return { type: "azure-active-directory-default", options: { clientId: userId } } as sql.config["authentication"];
    case "active directory managed identity":
    case "active directory msi":
      return { type: "azure-active-directory-msi-app-service", options: { clientId: userId } } as sql.config["authentication"];
    case "active directory integrated":
      throw configError(
        '"Authentication=Active Directory Integrated" means Windows integrated (Kerberos) sign-in, which this app cannot use',
        'for the app\'s managed identity write "Authentication=Active Directory Managed Identity" (add "User Id=<client id>" for a user-assigned identity); to use whatever identity is available (az login locally) write "Authentication=Active Directory Default"',
      );
    default:
      throw configError(
        `Authentication="${raw === undefined ? "" : unquote(raw).slice(0, 60)}" is not supported`,
        'use "Active Directory Managed Identity", "Active Directory Default", or "Sql Password" (User Id and Password)',
      );
  }
}

/**
 * Tedious sends a login error without its SQL error number (ConnectionError 'ELOGIN',
 * node_modules/tedious/lib/token/handler.js, Login7TokenHandler.onErrorMessage), so 40613 (database
 * resuming) and 18456 (login failed) look alike. The number arrives just before as an
 * 'errorMessage' event; copy it onto the error so the store can tell transient from permanent.
 */
export function annotateLoginErrors(connection: { on(event: string, listener: (...args: unknown[]) => void): unknown }): void {
  let number: number | undefined;
  connection.on("errorMessage", (token: unknown) => {
    const n = (token as { number?: unknown } | undefined)?.number;
    if (typeof n === "number") number = n;
  });
  connection.on("connect", (error: unknown) => {
    if (error && typeof error === "object" && number !== undefined && (error as { number?: unknown }).number === undefined) (error as { number?: number }).number = number;
  });
}

function common(tuning: MssqlTuning): Pick<sql.config, "pool" | "requestTimeout" | "validateConnection" | "beforeConnect"> {
  return {
    requestTimeout: tuning.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    pool: { max: tuning.poolMax ?? DEFAULT_POOL_MAX, min: 0 },
    validateConnection: "socket",
    beforeConnect: (connection) => annotateLoginErrors(connection as unknown as { on(event: string, listener: (...args: unknown[]) => void): unknown }),
  };
}

/** A connection string (a secret: nothing of it reaches an error message) → config. */
export function configFromConnectionString(connectionString: string, tuning: MssqlTuning): MssqlConfigResult {
  const authentication = authenticationFor(connectionString);
  let parsed: sql.config;
  try {
    parsed = sql.ConnectionPool.parseConnectionString(connectionString);
  } catch {
    // The parser's message may quote the string: report nothing of it.
    throw configError("it cannot be parsed (details withheld: connection strings hold secrets)", "check the connection string's keys and quoting");
  }
  const config: sql.config = {
    ...parsed,
    // Times are written and read as UTC whatever the string says; DATETIME2 columns hold UTC.
    options: { ...parsed.options, useUTC: true },
    ...common(tuning),
    requestTimeout: tuning.requestTimeoutMs ?? parsed.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    pool: { ...parsed.pool, max: tuning.poolMax ?? DEFAULT_POOL_MAX, min: 0 },
  };
  if (authentication) {
    // mssql's own guess (authentication_type) must not win over the documented meaning; nor may a user name become a SQL login.
    delete (config as { authentication_type?: unknown }).authentication_type;
    delete config.user;
    delete config.password;
    config.authentication = authentication;
  }
  return { config, target: `${parsed.server}/${parsed.database ?? "(default database)"}` };
}

/** Entra options (server, database, optional user-assigned client id) → config. */
export function configFromEntra(options: { server: string; database: string; port?: number; clientId?: string }, tuning: MssqlTuning): MssqlConfigResult {
  return {
    config: {
      server: options.server,
      database: options.database,
      port: options.port,
      authentication: { type: "azure-active-directory-default", options: { clientId: options.clientId } } as sql.config["authentication"],
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
      ...common(tuning),
    },
    target: `${options.server}/${options.database}`,
  };
}
