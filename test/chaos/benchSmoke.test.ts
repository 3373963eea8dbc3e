/**
 * `npm run bench` must keep working: the compiled bench (npm test builds before jest) runs one
 * tiny district end to end — floor, full and incremental sync each in its own process, the
 * database compared with Clever's ground truth — and writes its JSON. Nothing here asserts a
 * duration: ratios are checked for consistency with the same run's measurements only.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const BENCH = join(__dirname, "../../dist/lib/bench/main.js");
const built = existsSync(BENCH);
if (!built) console.warn(`benchSmoke: ${BENCH} is missing (run npm run build); skipped`);

(built ? test : test.skip)("the bench runs a small district and reports ratios against its own floor", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  try {
    const file = join(dir, "bench.json");
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", BENCH, "--sizes", "300", "--no-anchor", "--skip-health", "--skip-latency", "--skip-multi", "--floor-runs", "1", "--json", file], {
      env: { ...process.env, SYNC_PAGE_SIZE: "100" },
      timeout: 90_000,
    });
    expect(stdout).toContain("full/floor");
    const report = JSON.parse(readFileSync(file, "utf8"));
    expect(report.machine).toMatchObject({ cpus: expect.any(Number), model: expect.any(String), memoryGb: expect.any(Number), node: process.version });
    const [c] = report.cases;
    expect(c).toMatchObject({ users: 300, status: { full: "Completed", incremental: "Completed" }, verified: { full: true, incremental: true } });
    expect(c.records).toBeGreaterThan(300);
    // Seconds are rounded to the millisecond in the JSON, ratios come from the unrounded values.
    const near = (a: number, b: number) => Math.abs(a - b) / b < 0.05;
    expect(near(c.ratio_full_to_floor, c.full_sync_s / c.floor_s)).toBe(true);
    expect(near(c.ratio_incremental_to_full, c.incremental_s / c.full_sync_s)).toBe(true);
    expect(c.changes.total).toBeGreaterThanOrEqual(5);
    for (const scenario of ["floor", "full", "incremental"]) expect(c.peak_rss_mb_by_scenario[scenario]).toBeGreaterThan(20);
    expect(c.health_p99_ms).toBeNull();
    expect(report.targets.map((t: { target: string }) => t.target)).toEqual(expect.arrayContaining([expect.stringMatching(/full sync \/ floor/)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
