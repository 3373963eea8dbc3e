/**
 * Where a SQLite store's writes run: on a worker thread of their own (node:worker_threads, one per
 * database file, with its own connection to the same WAL file), so the calling thread stays free
 * to fetch and parse Clever pages and to serve HTTP while rows are written; or, for databases a
 * second connection cannot share (":memory:", "file:" URIs), in the calling thread. Both run the
 * same SqliteWrites methods.
 *
 * The thread takes requests in order, one at a time, so concurrent calls (users ∥ sections)
 * serialize exactly as they did on one connection. Only typed store errors come back: the thread
 * sends an error's class name and fields (TypedError.toJSON) and this side rebuilds the same class.
 * A thread that dies fails every pending call with StoreUnavailableError at once (never a hang);
 * the next call starts a new thread.
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type Database from "better-sqlite3";
import { RunNotFoundError, StoreError, StoreInputError, StoreNotReadyError, StoreQueryError, StoreSchemaError, StoreUnavailableError } from "./errors";
import { SqliteWrites, type SqliteWriteMethod } from "./sqliteWrites";
import { decodeRows, encodeRows, type WireRow } from "./sqliteWireRows";
import type { PreparedRow } from "./normalize";

export type WriteArgs<M extends SqliteWriteMethod> = Parameters<SqliteWrites[M]>;
export type WriteResult<M extends SqliteWriteMethod> = ReturnType<SqliteWrites[M]>;

export interface SqliteWriter {
  call<M extends SqliteWriteMethod>(method: M, args: WriteArgs<M>): Promise<WriteResult<M>>;
  close(): Promise<void>;
}

/** What the writer thread needs to open its connection (workerData). */
export interface WriterThreadOptions {
  filename: string;
  busyTimeoutMs: number;
  maxRowsPerTransaction: number;
  /** The thread's module (default: sqliteWriterWorker beside this file). */
  script?: string;
}

/** Messages between the store and its writer thread. */
export type WriterRequest = { id: number; method: SqliteWriteMethod; args: unknown[] } | { close: true };
export type WriterReply = { id: number; result: unknown } | { id: number; error: WireError } | { fatal: WireError };
export type WireError = Record<string, unknown> & { name: string; message: string };

/** upsert's rows cross in compact form (sqliteWireRows.ts); every other argument as it is. */
export function encodeArgs(method: SqliteWriteMethod, args: unknown[]): unknown[] {
  return method === "upsert" ? [args[0], args[1], encodeRows(args[2] as PreparedRow[]), args[3]] : args;
}

export function decodeArgs(method: SqliteWriteMethod, args: unknown[]): unknown[] {
  return method === "upsert" ? [args[0], args[1], decodeRows(args[2] as WireRow[]), args[3]] : args;
}

/** A typed store error as plain data (its toJSON: class name, code, message, own scalar fields, cause name and message). */
export function errorToWire(error: unknown): WireError {
  if (error instanceof StoreError) return error.toJSON() as WireError;
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: "Error", message: e.message, cause: { name: e.name, message: e.message } };
}

/** Rebuilds the class errorToWire saw; anything else becomes a StoreUnavailableError. */
export function errorFromWire(wire: WireError): StoreError {
  const c = wire.cause as { name: string; message: string } | undefined;
  const cause = c ? Object.assign(new Error(c.message), { name: c.name }) : undefined;
  const s = (key: string): string => String(wire[key]);
  switch (wire.name) {
    case "StoreUnavailableError":
      return new StoreUnavailableError("sqlite", wire.message, cause, wire.transient === true);
    case "StoreQueryError":
      return new StoreQueryError("sqlite", s("operation"), wire.message, cause, wire.dbCode as string | undefined, wire.transient === true);
    case "StoreInputError":
      return new StoreInputError(s("field"), s("problem"));
    case "StoreNotReadyError":
      return new StoreNotReadyError(wire.message);
    case "StoreSchemaError":
      return new StoreSchemaError(wire.message);
    case "RunNotFoundError":
      return new RunNotFoundError(s("tenantId"), s("runId"));
    default:
      return new StoreUnavailableError("sqlite", `the SQLite writer thread failed: ${wire.message}`, cause, true);
  }
}

/** Writes in the calling thread, for databases a second connection cannot open. */
export class InThreadWriter implements SqliteWriter {
  private readonly writes: SqliteWrites;

  constructor(db: Database.Database, maxRowsPerTransaction: number) {
    this.writes = new SqliteWrites(db, maxRowsPerTransaction);
  }

  async call<M extends SqliteWriteMethod>(method: M, args: WriteArgs<M>): Promise<WriteResult<M>> {
    return (this.writes[method] as (...a: unknown[]) => WriteResult<M>).apply(this.writes, args);
  }

  async close(): Promise<void> {}
}

/**
 * ts-jest runs the TypeScript sources, which a worker thread cannot load: there the thread first
 * installs a require hook that transpiles .ts with the TypeScript compiler (a devDependency), then
 * loads the worker module. Transpiled files are cached by content hash in a temp directory, so
 * only the first thread pays for loading the compiler. The built app (plain tsc) starts
 * dist/lib/store/sqliteWriterWorker.js.
 */
const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createHash } = require("node:crypto");
const { join } = require("node:path");
let ts;
require.extensions[".ts"] = (module, filename) => {
  const source = readFileSync(filename, "utf8");
  const cached = join(workerData.cacheDir, createHash("sha256").update(filename + "\\0" + source).digest("hex") + ".js");
  let js;
  try {
    js = readFileSync(cached, "utf8");
  } catch {
    ts ??= require(workerData.typescript);
    js = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    }).outputText;
    mkdirSync(workerData.cacheDir, { recursive: true });
    const temp = cached + "." + process.pid + "." + require("node:worker_threads").threadId;
    writeFileSync(temp, js);
    renameSync(temp, cached);
  }
  module._compile(js, filename);
};
require(workerData.entry);
`;

function startWorker(options: WriterThreadOptions): Worker {
  if (options.script) return new Worker(options.script, { workerData: options });
  if (__filename.endsWith(".ts")) {
    const workerData = { ...options, entry: join(__dirname, "sqliteWriterWorker.ts"), typescript: require.resolve("typescript"), cacheDir: join(tmpdir(), "cleversync-writer-ts") };
    return new Worker(TS_BOOTSTRAP, { eval: true, workerData });
  }
  return new Worker(join(__dirname, "sqliteWriterWorker.js"), { workerData: options });
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: StoreError): void;
}

export class ThreadWriter implements SqliteWriter {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WriterThreadOptions) {}

  call<M extends SqliteWriteMethod>(method: M, args: WriteArgs<M>): Promise<WriteResult<M>> {
    if (this.closed) return Promise.reject(new StoreNotReadyError("the store is closed"));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<WriteResult<M>>((resolve, reject) => {
      try {
        worker.postMessage({ id, method, args: encodeArgs(method, args) } satisfies WriterRequest);
      } catch (error) {
        // Only plain data crosses; anything else is a bug in the caller, named here.
        reject(new StoreQueryError("sqlite", method, `cannot send ${method} to the SQLite writer thread: ${(error as Error).message}`, error as Error));
        return;
      }
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      // A thread with work pending keeps the process alive; an idle one does not.
      if (this.pending.size === 1) worker.ref();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    const exited = once(worker, "exit");
    // After every request already sent: the thread answers them, closes its connection and ends.
    worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    const worker = startWorker(this.options);
    worker.unref();
    this.worker = worker;
    worker.on("message", (reply: WriterReply) => {
      if ("fatal" in reply) {
        this.failAll(worker, errorFromWire(reply.fatal));
        void worker.terminate();
        return;
      }
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ("error" in reply) p.reject(errorFromWire(reply.error));
      else p.resolve(reply.result);
    });
    worker.on("error", (error) => {
      // A thread whose code is missing (an incomplete build) fails the same way every time: say so at once, not after retries.
      if ((error as { code?: string }).code === "MODULE_NOT_FOUND") {
        this.failAll(worker, new StoreUnavailableError("sqlite", `the SQLite writer thread cannot start: ${error.message}. Fix: rebuild the app (npm run build).`, error, false));
        return;
      }
      this.failAll(worker, new StoreUnavailableError("sqlite", `the SQLite writer thread failed: ${error.message}. Pending writes were not confirmed; the next write starts a new thread.`, error, true));
    });
    worker.on("exit", (code) => {
      this.failAll(worker, new StoreUnavailableError("sqlite", `the SQLite writer thread stopped (exit code ${code}). Pending writes were not confirmed; the next write starts a new thread.`, undefined, true));
    });
    return worker;
  }

  /** Rejects every pending call of this thread and forgets the thread (the next call starts another). */
  private failAll(worker: Worker, error: StoreError): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}
