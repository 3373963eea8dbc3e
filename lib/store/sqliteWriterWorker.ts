/**
 * The SQLite writer thread (see sqliteWriter.ts): its own connection to the store's WAL file,
 * answering write requests one at a time with SqliteWrites, the same code the store runs in-thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import type Database from "better-sqlite3";
import { openSqlite } from "./sqliteConnection";
import { SqliteWrites } from "./sqliteWrites";
import { decodeArgs, errorToWire, type WriterReply, type WriterRequest, type WriterThreadOptions } from "./sqliteWriter";

const port = parentPort!;
const options = workerData as WriterThreadOptions;
const send = (reply: WriterReply): void => port.postMessage(reply);

let db: Database.Database | undefined;
let writes: SqliteWrites | undefined;
try {
  db = openSqlite(options.filename, options.busyTimeoutMs);
  writes = new SqliteWrites(db, options.maxRowsPerTransaction);
} catch (error) {
  db?.close();
  send({ fatal: errorToWire(error) });
}

port.on("message", (request: WriterRequest) => {
  if ("close" in request) {
    db?.close();
    port.close();
    return;
  }
  if (!writes) return;
  try {
    const method = writes[request.method] as (...args: unknown[]) => unknown;
    send({ id: request.id, result: method.apply(writes, decodeArgs(request.method, request.args)) });
  } catch (error) {
    send({ id: request.id, error: errorToWire(error) });
  }
});
