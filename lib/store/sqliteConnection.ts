/**
 * Opening a SQLite connection the way the store wants it, and turning driver errors into typed
 * store errors. Both the caller's connection and the writer thread's (sqliteWriter.ts) use these.
 */
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { makeDirectory } from "./makeDirectory";
import { StoreError, StoreQueryError, StoreUnavailableError, sanitizeCause } from "./errors";

const TRANSIENT_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL"]);

/**
 * Page cache per connection, in KiB (a negative cache_size is KiB: https://sqlite.org/pragma.html#pragma_cache_size).
 * SQLite's default is 2 MiB. Measured with lib/bench/storeWrite.ts (100k users + 19k sections with
 * 500k enrollments, in-thread, CPU of the insert pass, two runs each): 2 MiB 4.50/4.36 s, 8 MiB
 * 4.29/4.27 s, 16 MiB 4.27/4.24 s — 8 MiB takes nearly all of the gain. It is an upper bound,
 * filled only as pages are touched: a store has two connections (the caller's, mostly reading,
 * and the writer thread's), so four tenants syncing at once hold at most 4 × 2 × 8 = 64 MiB.
 */
export const SQLITE_CACHE_KIB = 8 * 1024;

/**
 * WAL pages before an automatic checkpoint copies them into the database
 * (https://sqlite.org/pragma.html#pragma_wal_autocheckpoint, https://sqlite.org/wal.html#ckpt).
 * The default, 1000 pages, checkpoints every few write batches of a sync, each copying and syncing
 * the same hot index pages again; 10,000 copies each page once per many batches (the WAL file grows
 * to ≈80 MiB with 8 KiB pages, on disk, not in memory). Readers are never blocked by it. Measured as above:
 * insert pass 4.59/4.87 → 4.22/4.55 s CPU, the unchanged re-sync pass alike (1.44/1.81 → 1.39/1.75 s).
 * (docs/benchmarks.md found 100,000 pages slowed the unchanged pass: the WAL then holds most of the database.)
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Page size of a new database file, in bytes (https://sqlite.org/pragma.html#pragma_page_size: it
 * takes effect only while the file is still empty, and a WAL database keeps it; an existing file
 * keeps its own). Rows with their raw JSON are ≈1–2 KiB, so 4 KiB pages (the default) split often;
 * with 8 KiB pages the b-trees are shallower and a commit writes fewer page frames. Measured as
 * above (in-thread, two runs each): insert pass 4.14/4.10 → 3.84/3.94 s CPU, unchanged re-sync
 * 1.44/1.47 → 1.26/1.28 s; 16 KiB gave no more.
 */
export const SQLITE_PAGE_SIZE = 8192;

/*
 * Left at their defaults, measured or reasoned: mmap_size (https://sqlite.org/pragma.html#pragma_mmap_size,
 * https://sqlite.org/mmap.html) maps the file into the process, and mapped pages count in its RSS
 * — the figure the per-sync memory bound is about — and 256 MiB of it changed nothing measurable
 * in the CPU of a 100k-user write (lib/bench/storeWrite.ts: 4.61 vs 4.61 s);
 * temp_store (https://sqlite.org/pragma.html#pragma_temp_store) matters only for temporary
 * b-trees (sorts, materialized views), which the write path never builds.
 */

export function openSqlite(filename: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (filename !== ":memory:" && !filename.startsWith("file:")) makeDirectory(dirname(filename));
    db = new Database(filename);
    // Before WAL mode: a WAL database can no longer change its page size.
    db.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
    // WAL: readers (CLI, health) never block the sync's writer (https://sqlite.org/wal.html). NORMAL is
    // durable across crashes in WAL mode; only a power cut can lose the last commits, which the next
    // sync repeats (https://sqlite.org/pragma.html#pragma_synchronous).
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
    return db;
  } catch (error) {
    db?.close();
    const cause = sanitizeCause(error);
    throw new StoreUnavailableError("sqlite", `cannot open the SQLite database: ${cause.message}`, cause, false);
  }
}

/** Runs a database step, turning driver errors into typed store errors. */
export function sqliteStep<T>(operation: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    const cause = sanitizeCause(error);
    if (code === "SQLITE_CANTOPEN" || code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_READONLY") {
      throw new StoreUnavailableError("sqlite", `SQLite ${operation} failed: ${cause.message}`, cause, false);
    }
    throw new StoreQueryError("sqlite", operation, `SQLite ${operation} failed: ${cause.message}`, cause, typeof code === "string" ? code : undefined, TRANSIENT_CODES.has(String(code)));
  }
}
