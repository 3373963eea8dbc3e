/**
 * Fault injection at the SQL Server driver edge (MssqlRosterStoreOptions.createPool): a real
 * mssql ConnectionPool whose connect() and requests fail with queued SQL Server errors before
 * passing through to the driver. The errors are built the way mssql/tedious build them:
 *  - login: tedious ConnectionError 'ELOGIN' (node_modules/tedious/lib/token/handler.js) carrying
 *    the number mssqlConfig.annotateLoginErrors copies from the 'errorMessage' token, wrapped in
 *    mssql's ConnectionError (node_modules/mssql/lib/tedious/connection-pool.js);
 *  - statement: `new Error(info.message)` with `info` = the server's error token, wrapped in
 *    mssql's RequestError 'EREQUEST' (node_modules/mssql/lib/tedious/request.js, handleError).
 * This is a mock, used only because no SQL Server here (or in CI) fails on demand.
 */
import sql from "mssql";

const MESSAGES: Record<number, string> = {
  40613: "Database 'roster' on server 'cleversync' is not currently available. Please retry the connection later.",
  40501: "The service is currently busy. Retry the request after 10 seconds.",
  40197: "The service has encountered an error processing your request. Please try again. Error code 4815.",
  1205: "Transaction (Process ID 57) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
  18456: "Login failed for user 'cleversync'.",
  2812: "Could not find stored procedure 'nope'.",
};

export interface Faults {
  /** SQL error numbers the next connect() calls fail with, in order. */
  connect: number[];
  /** SQL error numbers the next statements (query or batch, inside transactions too) fail with, in order. */
  statements: number[];
  /** What happened, for assertions: "connect:40613", "statement:1205", "connect:ok" ... */
  log: string[];
}

export function loginError(number: number): Error {
  const tedious = Object.assign(new Error(MESSAGES[number] ?? `login error ${number}`), { code: "ELOGIN", number });
  return new sql.ConnectionError(tedious as unknown as string);
}

export function requestError(number: number): Error {
  const err = Object.assign(new Error(MESSAGES[number] ?? `error ${number}`), { info: { number, message: MESSAGES[number], state: 1, class: 16 } });
  return new sql.RequestError(err as unknown as string, "EREQUEST");
}

function faultyRequest(request: sql.Request, faults: Faults): sql.Request {
  for (const method of ["query", "batch"] as const) {
    const real = request[method].bind(request) as (text: string) => Promise<unknown>;
    (request as unknown as Record<string, unknown>)[method] = (text: string) => {
      const number = faults.statements.shift();
      if (number === undefined) return real(text);
      faults.log.push(`statement:${number}`);
      return Promise.reject(requestError(number));
    };
  }
  return request;
}

export function faultyPool(faults: Faults): (config: sql.config) => sql.ConnectionPool {
  return (config) => {
    const pool = new sql.ConnectionPool(config);
    const connect = pool.connect.bind(pool) as () => Promise<sql.ConnectionPool>;
    (pool as unknown as { connect: () => Promise<sql.ConnectionPool> }).connect = async () => {
      const number = faults.connect.shift();
      if (number !== undefined) {
        faults.log.push(`connect:${number}`);
        throw loginError(number);
      }
      faults.log.push("connect:ok");
      return connect();
    };
    const request = pool.request.bind(pool);
    pool.request = () => faultyRequest(request(), faults);
    const transaction = pool.transaction.bind(pool);
    pool.transaction = () => {
      const tx = transaction();
      const txRequest = tx.request.bind(tx);
      tx.request = () => faultyRequest(txRequest(), faults);
      return tx;
    };
    return pool;
  };
}
