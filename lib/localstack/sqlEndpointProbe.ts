/**
 * One TCP connect to the SQL Server a connection string names, before the store opens it. The
 * store treats a failed connect as transient and retries it for about a minute (a paused Azure
 * SQL serverless database answers that way while it resumes); a CLI user who mistyped the server
 * or port should hear "nothing listens there" at once instead. Only the host and port are used:
 * the string's other parts (the password) never leave this function.
 */
import { connect } from "node:net";
import type sqlModule from "mssql";

/** Resolves when something accepts a connection; rejects with the socket's error (code kept, no secret). */
export async function probeSqlEndpoint(connectionString: string, timeoutMs = 5_000): Promise<void> {
  let server: string | undefined;
  let port: number | undefined;
  let instanceName: string | undefined;
  try {
    // Only a SQL Server connection string gets here: mssql is loaded for it alone.
    const sql = require("mssql") as typeof sqlModule;
    const parsed = sql.ConnectionPool.parseConnectionString(connectionString) as { server?: string; port?: number; options?: { instanceName?: string } };
    server = parsed.server?.replace(/^tcp:/i, "");
    port = parsed.port;
    instanceName = parsed.options?.instanceName;
  } catch {
    return; // the store reports an unparsable string itself, without quoting it
  }
  // A named instance's port comes from SQL Browser (UDP 1434): leave those to the driver.
  if (!server || instanceName) return;
  const host = server;
  const target = port ?? 1433;
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port: target });
    const fail = (error: NodeJS.ErrnoException) => {
      socket.destroy();
      const named = Object.assign(new Error(`nothing accepts connections at ${host}:${target} (${error.code ?? error.message})`), { code: error.code });
      reject(named);
    };
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
  });
}
