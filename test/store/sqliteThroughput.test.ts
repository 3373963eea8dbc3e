/**
 * SQLite upsert throughput: 100k realistic user rows (simulator users, mapped) in batches of 1000,
 * into a WAL file, first as inserts, then as an unchanged re-sync. Prints rows/s; the assertion is
 * only a floor that catches a broken fast path (e.g. a missing transaction), not a benchmark.
 *
 *   npx jest test/store/sqliteThroughput.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CleverSimulator } from "../../lib/simulator";
import { SqliteRosterStore, type RosterRow } from "../../lib/store";
import { mapRecord } from "../../lib/sync/mapping";

const TOTAL = 100_000;
const BATCH = 1000;
const TEMPLATES = 2000;

/** 100k distinct rows from 2000 mapped simulator users (generating 100k users takes ~6 s, cloning ~0.2 s). */
async function userRows(): Promise<RosterRow[]> {
  const templates: RosterRow[] = [];
  for await (const record of new CleverSimulator({ seed: 3, users: TEMPLATES }).groundTruth("users")) {
    const mapped = mapRecord("users", record);
    if (!mapped.ok) throw new Error(mapped.reason);
    templates.push(mapped.row);
  }
  return Array.from({ length: TOTAL }, (_, i) => {
    const template = templates[i % TEMPLATES]!;
    const id = (0x60000000 + i).toString(16) + template.cleverId.slice(8);
    return { ...template, cleverId: id, raw: template.raw.split(template.cleverId).join(id), columns: { ...template.columns, email: `${template.columns.email}.${i}` } };
  });
}

it(`upserts ${TOTAL} user rows in batches of ${BATCH}`, async () => {
  const rows = await userRows();
  const dir = mkdtempSync(join(tmpdir(), "roster-throughput-"));
  const store = new SqliteRosterStore({ filename: join(dir, "roster.db") });
  try {
    await store.migrate();
    const pass = async (runId: string) => {
      const started = performance.now();
      let counts = { inserted: 0, updated: 0, unchanged: 0 };
      for (let i = 0; i < rows.length; i += BATCH) {
        const c = await store.upsert("bench", "users", rows.slice(i, i + BATCH), { runId, syncedAt: new Date().toISOString() });
        counts = { inserted: counts.inserted + c.inserted, updated: counts.updated + c.updated, unchanged: counts.unchanged + c.unchanged };
      }
      const ms = performance.now() - started;
      return { counts, ms, rate: Math.round((rows.length / ms) * 1000) };
    };
    const insert = await pass("r1");
    const unchanged = await pass("r2");
    const sweepStarted = performance.now();
    const deleted = await store.softDeleteMissing("bench", "users", "r2", new Date().toISOString());
    const sweepMs = performance.now() - sweepStarted;
    const avgRaw = Math.round(rows.reduce((n, r) => n + r.raw.length, 0) / rows.length);
    console.log(
      `SQLite (WAL file) users, ${TOTAL} rows of ~${avgRaw} bytes raw JSON, batches of ${BATCH}: ` +
        `insert ${insert.rate} rows/s (${Math.round(insert.ms)} ms); unchanged re-sync ${unchanged.rate} rows/s (${Math.round(unchanged.ms)} ms); ` +
        `sweep with nothing to delete ${sweepMs.toFixed(1)} ms`,
    );
    expect(insert.counts).toEqual({ inserted: TOTAL, updated: 0, unchanged: 0 });
    expect(unchanged.counts).toEqual({ inserted: 0, updated: 0, unchanged: TOTAL });
    expect(deleted).toBe(0);
    expect(insert.rate).toBeGreaterThan(5000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
