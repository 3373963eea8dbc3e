/**
 * Store-level write benchmark (not a test, not part of `npm run bench`): how long SQLite takes to
 * upsert a district's users and sections, and how much of that blocks the calling thread.
 *
 *   npm run build && node dist/lib/bench/storeWrite.js [users] [--in-thread]
 *
 * Rows come from the simulator's ground truth (mapped as a sync maps them), written in pages of
 * 1,000 the way a sync writes them: users and sections concurrently, then the same again as an
 * unchanged re-sync. `maxBlockedMs` is the longest stretch the calling thread could serve nothing
 * else (the largest gap between ticks of a 5 ms timer).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CleverSimulator } from "../simulator";
import { SqliteRosterStore, type RosterResource, type RosterRow } from "../store";
import { mapRecord } from "../sync/mapping";

const PAGE = 1000;

async function rowsOf(simulator: CleverSimulator, resource: RosterResource): Promise<RosterRow[]> {
  const out: RosterRow[] = [];
  for await (const record of simulator.groundTruth(resource)) {
    const mapped = mapRecord(resource, record);
    if (mapped.ok) out.push(mapped.row);
  }
  return out;
}

async function main(): Promise<void> {
  const users = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
  const inThread = process.argv.includes("--in-thread");
  const simulator = new CleverSimulator({ seed: 1, users });
  const data = { users: await rowsOf(simulator, "users"), sections: await rowsOf(simulator, "sections") };
  const enrollments = data.sections.reduce((n, s) => n + (s.enrollments?.length ?? 0), 0);
  const dir = mkdtempSync(join(tmpdir(), "store-write-"));
  // A file name the worker can share; "file:" URIs stay in-thread like ":memory:".
  const store = new SqliteRosterStore({ filename: join(dir, "roster.db"), writerThread: !inThread });
  try {
    await store.migrate();
    const pass = async (runId: string) => {
      // The longest gap between ticks of a 5 ms timer: how long the thread could serve nothing else.
      let last = performance.now();
      let maxGap = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 5);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const write = async (resource: RosterResource) => {
        const rows = data[resource as "users" | "sections"];
        const totals = { inserted: 0, updated: 0, unchanged: 0 };
        for (let i = 0; i < rows.length; i += PAGE) {
          const c = await store.upsert("bench", resource, rows.slice(i, i + PAGE), { runId, syncedAt: new Date().toISOString() });
          totals.inserted += c.inserted;
          totals.updated += c.updated;
          totals.unchanged += c.unchanged;
        }
        return totals;
      };
      const [u, s] = await Promise.all([write("users"), write("sections")]);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const mainBusy = performance.eventLoopUtilization(elu);
      clearInterval(ticker);
      maxGap = Math.max(maxGap, performance.now() - last);
      return {
        runId,
        ms: Math.round(ms),
        // All threads' CPU, and how long the main thread's event loop was busy.
        processCpuMs: Math.round((used.user + used.system) / 1000),
        mainBusyMs: Math.round(mainBusy.active),
        maxBlockedMs: Math.round(maxGap),
        users: u,
        sections: s,
      };
    };
    console.log(JSON.stringify({ users: data.users.length, sections: data.sections.length, enrollments, inThread }));
    console.log(JSON.stringify(await pass("r1")));
    console.log(JSON.stringify(await pass("r2")));
    console.log(JSON.stringify({ rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
