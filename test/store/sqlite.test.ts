/** The RosterStore contract on SQLite (a file in a temp dir, and :memory:), plus SQLite-only checks. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteRosterStore, StoreSchemaError, StoreUnavailableError } from "../../lib/store";
import { SQLITE_MIGRATIONS } from "../../lib/store/migrations/sqlite";
import { allTables } from "../../lib/store/schema";
import { describeRosterStoreContract, userRow, type RawSql } from "./contract";

let dir: string;
let files = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "roster-sqlite-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let lastFile = "";
let triggers = 0;

/** A second connection to the file the contract's store uses: joins and triggers that fail writes. */
function rawSql(): RawSql {
  const db = new Database(lastFile);
  return {
    table: (name) => `"${name}"`,
    query: async (text) => db.prepare(text).all() as Record<string, unknown>[],
    failWrites: async (table, keyColumn, tenantId, key) => {
      const names = [`fail_insert_${triggers}`, `fail_update_${triggers++}`];
      const when = `WHEN NEW.tenant_id = '${tenantId}' AND NEW.${keyColumn} = '${key}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`;
      db.exec(`CREATE TRIGGER ${names[0]} BEFORE INSERT ON "${table}" FOR EACH ROW ${when}; CREATE TRIGGER ${names[1]} BEFORE UPDATE ON "${table}" FOR EACH ROW ${when};`);
      return async () => {
        for (const name of names) db.exec(`DROP TRIGGER ${name}`);
      };
    },
    close: async () => {
      db.close();
    },
  };
}

describeRosterStoreContract("SQLite file (WAL)", {
  create: (overrides) => new SqliteRosterStore({ filename: (lastFile = join(dir, `contract-${files++}`, "roster.db")), ...overrides }),
  rawSql,
  // A real transient fault: another connection holds the write lock for 300 ms (SQLITE_BUSY past busy_timeout).
  transientFaults: async (onRetry) => {
    const filename = join(dir, `faults-${files++}`, "roster.db");
    const store = new SqliteRosterStore({ filename, busyTimeoutMs: 20, retry: { delaysMs: [50, 100, 200, 400, 800, 1600], onRetry } });
    await store.migrate();
    const other = new Database(filename);
    other.exec("BEGIN IMMEDIATE");
    const timer = setTimeout(() => other.exec("COMMIT"), 300);
    return {
      store,
      done: async () => {
        clearTimeout(timer);
        if (other.inTransaction) other.exec("COMMIT");
        other.close();
      },
    };
  },
});
describeRosterStoreContract("SQLite :memory:", { create: (overrides) => new SqliteRosterStore({ filename: ":memory:", ...overrides }) });

describe("SQLite specifics", () => {
  it("creates exactly the tables and columns schema.ts describes, in WAL mode", async () => {
    const filename = join(dir, "schema.db");
    const store = new SqliteRosterStore({ filename });
    await store.migrate();
    await store.close();
    const db = new Database(filename, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(Object.keys(allTables()).sort());
      for (const [table, columns] of Object.entries(allTables())) {
        expect([table, db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table)]).toEqual([table, [...columns]]);
      }
    } finally {
      db.close();
    }
  });

  it("uses the partial sweep index for softDeleteMissing and the primary key for rows()", () => {
    // The same DDL on a scratch connection, so the plans can be inspected.
    const db = new Database(":memory:");
    try {
      for (const migration of SQLITE_MIGRATIONS) for (const statement of migration.statements) db.exec(statement);
      const plan = (sql: string, n: number) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array(n).fill("x")) as { detail: string }[]).map((r) => r.detail).join(" | ");
      expect(plan("UPDATE users SET deleted_at = ? WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ?", 3)).toMatch(/ix_users_sweep \(tenant_id=\? AND run_id<\?\)/);
      expect(plan("SELECT clever_id FROM users WHERE tenant_id = ? AND clever_id > ? AND deleted_at IS NULL ORDER BY clever_id LIMIT 500", 2)).toMatch(/sqlite_autoindex_users_1 \(tenant_id=\? AND clever_id>\?\)/);
    } finally {
      db.close();
    }
  });

  it("keeps data across reopening the file", async () => {
    const filename = join(dir, "reopen", "roster.db");
    const first = new SqliteRosterStore({ filename });
    await first.migrate();
    await first.upsert("t1", "users", [userRow(1)], { runId: "r1", syncedAt: "2024-01-01T00:00:00Z" });
    await first.close();
    const second = new SqliteRosterStore({ filename });
    await second.migrate();
    expect((await second.counts("t1")).users).toEqual({ live: 1, deleted: 0 });
    expect(await second.upsert("t1", "users", [userRow(1)], { runId: "r2", syncedAt: "2024-01-02T00:00:00Z" })).toEqual({ inserted: 0, updated: 0, unchanged: 1, restored: 0 });
    await second.close();
  });

  it("refuses a database migrated by a newer version of the code", async () => {
    const filename = join(dir, "newer", "roster.db");
    const store = new SqliteRosterStore({ filename });
    await store.migrate();
    await store.close();
    const db = new Database(filename);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    const again = new SqliteRosterStore({ filename });
    await expect(again.migrate()).rejects.toBeInstanceOf(StoreSchemaError);
    await again.close();
  });

  it("reports a database it cannot open as StoreUnavailableError", () => {
    const notADirectory = join(dir, "plain-file");
    writeFileSync(notADirectory, "x");
    expect(() => new SqliteRosterStore({ filename: join(notADirectory, "roster.db") })).toThrow(StoreUnavailableError);
  });
});
