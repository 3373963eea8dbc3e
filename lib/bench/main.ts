#!/usr/bin/env node
/**
 * `npm run bench`: how fast and how lean a sync is, against what the network alone allows.
 *
 * For each district size (plus the anchor: a 2,000-student district), on the Clever simulator over
 * loopback with its rate limit off:
 *   1. floor        CleverClient fetches and parses every page of every resource, writing nothing;
 *   2. full         a full sync through the real orchestrations on a wall-clock devhost into SQLite;
 *   3. incremental  after 1% of the records changed, an incremental sync (Clever events);
 *   4. peak RSS of each scenario, each in its own process;
 *   5. GET /api/health under 200 concurrent clients for 10 s (autocannon) against the served app.
 * The simulator and Azurite run in a separate "services" process, as Clever and Azure Tables are
 * remote in production. Scenario processes are forks of this file with `--bench-child <role>`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import type { FloorResult, SyncResult, WorldParams } from "./appProcess";
import { digestDifferences, type RosterDigest } from "./digest";
import { loadHealth, type HealthLoadResult } from "./healthLoad";
import { BenchChild, CHILD_FLAG } from "./ipc";
import { describeMachine } from "./machine";
import type { MutationSummary } from "./mutations";
import { evaluateTargets, formatReport, type BenchReport, type CaseResult } from "./report";
import type { ServicesInfo } from "./servicesProcess";

export interface BenchOptions {
  sizes: number[];
  anchorStudents: number;
  anchor: boolean;
  json?: string;
  skipHealth: boolean;
  change: number;
  floorRuns: number;
  healthConnections: number;
  healthDuration: number;
  verify: boolean;
  seed: number;
  cpuProf?: string;
  keep: boolean;
}

const log = (line: string) => console.error(`[bench] ${line}`);
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function parseSizes(value: string): number[] {
  const sizes = value.split(",").map((part) => Number(part.trim().replace(/_/g, "")));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 5 || n > 5_000_000)) {
    throw new InvalidArgumentError("expected comma-separated user counts from 5 to 5,000,000, e.g. 10000,100000");
  }
  return sizes;
}

function parsePositive(name: string, max: number, integer = true) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be a${integer ? " whole" : ""} number above 0 and at most ${max}`);
    return n;
  };
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("the seed must be a whole number");
  return n;
}

/** Users of a simulated district with exactly (or just over) `students` students. */
export function usersForStudents(students: number): number {
  const { computeLayout } = require("../simulator") as typeof import("../simulator");
  const studentsOf = (users: number) => {
    const [lo, hi] = computeLayout({ seed: 1, users }).blocks.students;
    return hi - lo;
  };
  let users = Math.max(5, students);
  while (studentsOf(users) < students) users++;
  return users;
}

export function buildProgram(run: (options: BenchOptions) => Promise<void>): Command {
  return new Command("bench")
    .description("Benchmark full and incremental syncs against the floor of merely reading Clever, peak memory, and /api/health under load")
    .option("--sizes <users>", "district sizes in users, comma-separated", parseSizes, [10_000, 100_000])
    .option("--anchor-students <n>", "students in the anchor district (the .NET implementation's documented case)", parsePositive("--anchor-students", 1_000_000), 2000)
    .option("--no-anchor", "skip the anchor district")
    .option("--json <file>", "also write the results as JSON")
    .option("--skip-health", "skip the /api/health load test", false)
    .option("--change <fraction>", "share of records changed before the incremental sync", parsePositive("--change", 1, false), 0.01)
    .option("--floor-runs <n>", "floor runs per size (the best one counts)", parsePositive("--floor-runs", 10), 2)
    .option("--health-connections <n>", "concurrent clients for the health load test", parsePositive("--health-connections", 10_000), 200)
    .option("--health-duration <seconds>", "length of the health load test", parsePositive("--health-duration", 600), 10)
    .option("--no-verify", "skip comparing the database with Clever's ground truth after each sync")
    .option("--seed <n>", "simulator seed", parseSeed, 1)
    .option("--cpu-prof <dir>", "write a V8 CPU profile of every scenario process into this directory (node --cpu-prof)")
    .option("--keep", "keep the temporary data directories", false)
    .action(run);
}

async function forkChild(role: string, options: BenchOptions, label: string): Promise<BenchChild> {
  const execArgv = [...process.execArgv];
  if (options.cpuProf) execArgv.push("--cpu-prof", `--cpu-prof-dir=${resolve(options.cpuProf)}`);
  const child = await BenchChild.start(__filename, role, { execArgv });
  if (options.cpuProf) log(`${label}: pid ${child.pid} (CPU profile CPU.*.${child.pid}.*.cpuprofile)`);
  return child;
}

async function runCase(label: string, users: number, options: BenchOptions, pageSize: number): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "cleversync-bench-"));
  const services = await forkChild("services", options, `${label} services`);
  try {
    const info = await services.call<ServicesInfo>("start", { seed: options.seed, users });
    const records = Object.values(info.counts).reduce((a, b) => a + b, 0);
    log(`${label}: ${users.toLocaleString("en-US")} users (${info.students.toLocaleString("en-US")} students), ${records.toLocaleString("en-US")} records; data in ${dataDir}`);
    const world: WorldParams = { simulatorUrl: info.simulatorUrl, tablesConnection: info.tablesConnection, districtId: info.districtId, dataDir };
    const servicesCpu = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const before = await services.call<number>("cpu");
      const value = await work();
      return [value, round((await services.call<number>("cpu")) - before)];
    };

    // 1. Floor: fetch + parse only. Its best run is the baseline.
    const floors: FloorResult[] = [];
    let floorServicesCpu = 0;
    for (let i = 0; i < options.floorRuns; i++) {
      const child = await forkChild("app", options, `${label} floor ${i + 1}`);
      const [floor, cpu] = await servicesCpu(() => child.call<FloorResult>("floor", { simulatorUrl: info.simulatorUrl, pageSize }));
      await child.exit();
      floors.push(floor);
      log(`${label}: floor run ${i + 1}: ${floor.seconds.toFixed(2)} s, ${floor.records} records, ${floor.pages} pages, peak ${floor.memory.peakRssMb} MB`);
      if (floor.seconds <= Math.min(...floors.map((f) => f.seconds))) floorServicesCpu = cpu;
    }
    const floor = floors.reduce((best, f) => (f.seconds < best.seconds ? f : best));

    const truth = async () => (options.verify ? services.call<RosterDigest>("digest") : undefined);
    const syncScenario = async (mode: "full" | "incremental"): Promise<{ result: SyncResult; verified: true | string[] | null; servicesCpu: number }> => {
      const child = await forkChild("app", options, `${label} ${mode}`);
      try {
        const [result, cpu] = await servicesCpu(() => child.call<SyncResult>("sync", { ...world, mode }));
        log(`${label}: ${mode} sync ${result.runtimeStatus} (${result.mode}) in ${result.seconds.toFixed(2)} s, ${result.records} records, peak ${result.memory.peakRssMb} MB, heap retained after GC ${result.retainedHeapMb ?? "?"} MB (token keeper warmed up first in ${result.tokenWarmupSeconds.toFixed(2)} s)`);
        log(`${label}: ${mode} activities: ${result.activities.map((a) => `${a.name}${a.resource ? `(${a.resource})` : ""} @${a.startMs} ms +${a.ms} ms`).join(", ")}`);
        let verified: true | string[] | null = null;
        if (options.verify) {
          const problems = digestDifferences((await truth())!, await child.call<RosterDigest>("digest"));
          verified = problems.length === 0 ? true : problems;
          log(`${label}: ${mode}: database ${verified === true ? "equals" : "DIFFERS from"} Clever's ground truth${verified === true ? "" : `: ${problems.join("; ")}`}`);
        }
        await child.call("stop");
        return { result, verified, servicesCpu: cpu };
      } finally {
        await child.exit().catch(() => child.kill());
      }
    };

    // 2. Full sync into a fresh SQLite file.
    const full = await syncScenario("full");
    // 3. 1% of the records change in Clever; the incremental sync applies the events.
    const changes = await services.call<MutationSummary>("mutate", { fraction: options.change, seed: options.seed + 8 });
    log(`${label}: changed ${changes.total} records (${JSON.stringify({ updated: changes.updated, created: changes.created, deleted: changes.deleted })})`);
    const incremental = await syncScenario("incremental");

    // 5. Health under load, served by a process of its own over the same data.
    let health: HealthLoadResult | null = null;
    let healthRss: number | undefined;
    if (!options.skipHealth) {
      const child = await forkChild("app", options, `${label} health`);
      try {
        const { url, keeper } = await child.call<{ url: string; keeper: { state?: string } | undefined }>("serve", world);
        log(`${label}: serving at ${url} (token keeper ${keeper?.state ?? "not ready"}); ${options.healthConnections} clients for ${options.healthDuration} s on GET /api/health`);
        health = await loadHealth(url, { connections: options.healthConnections, durationSeconds: options.healthDuration });
        log(`${label}: health ${health.requestsPerSecond} req/s, p50 ${health.latencyMs.p50} ms, p99 ${health.latencyMs.p99} ms, ${health.errors} errors, ${health.non2xx} non-2xx`);
        healthRss = (await child.call<{ peakRssMb: number }>("memory")).peakRssMb;
        await child.call("stop");
      } finally {
        await child.exit().catch(() => child.kill());
      }
    }

    await services.call("stop");
    const byScenario = { floor: floor.memory.peakRssMb, full: full.result.memory.peakRssMb, incremental: incremental.result.memory.peakRssMb, health: healthRss };
    return {
      label,
      users,
      students: info.students,
      records,
      pages: floor.pages,
      floor_s: round(floor.seconds),
      floor_runs_s: floors.map((f) => round(f.seconds)),
      full_sync_s: round(full.result.seconds),
      ratio_full_to_floor: round(full.result.seconds / floor.seconds),
      incremental_s: round(incremental.result.seconds),
      ratio_incremental_to_full: round(incremental.result.seconds / full.result.seconds, 4),
      changes,
      peak_rss_mb: Math.max(...Object.values(byScenario).filter((v): v is number => typeof v === "number")),
      peak_rss_mb_by_scenario: byScenario,
      cpu_s: { floor: floor.cpuSeconds, full: full.result.cpuSeconds, incremental: incremental.result.cpuSeconds },
      services_cpu_s: { floor: floorServicesCpu, full: full.servicesCpu, incremental: incremental.servicesCpu },
      health_p50_ms: health?.latencyMs.p50 ?? null,
      health_p99_ms: health?.latencyMs.p99 ?? null,
      health,
      verified: { full: full.verified, incremental: incremental.verified },
      status: { full: full.result.runtimeStatus, incremental: incremental.result.runtimeStatus },
      activities: { full: full.result.activities, incremental: incremental.result.activities },
      token_warmup_s: { full: full.result.tokenWarmupSeconds, incremental: incremental.result.tokenWarmupSeconds },
      retained_heap_mb: { full: full.result.retainedHeapMb, incremental: incremental.result.retainedHeapMb },
    };
  } finally {
    await services.exit().catch(() => services.kill());
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const { loadSettings } = require("../config/settings") as typeof import("../config/settings");
  // The sync's page size (SYNC_PAGE_SIZE, default 10000); the floor reads with the same.
  const pageSize = loadSettings({ SYNC_PAGE_SIZE: process.env.SYNC_PAGE_SIZE }).SYNC_PAGE_SIZE;
  const machine = describeMachine();
  log(`machine: ${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, Node ${machine.node}`);
  const cases: CaseResult[] = [];
  if (options.anchor) {
    const users = usersForStudents(options.anchorStudents);
    cases.push(await runCase(`anchor (${options.anchorStudents.toLocaleString("en-US")} students)`, users, options, pageSize));
  }
  for (const users of options.sizes) cases.push(await runCase(`${users.toLocaleString("en-US")} users`, users, options, pageSize));
  const served = cases.find((c) => c.health)?.health;
  const healthFloor = served ? await runHealthFloor(served, options) : null;
  return {
    generatedAt: new Date().toISOString(),
    command: `node ${process.execArgv.join(" ")} ${process.argv.slice(1).join(" ")}`.replace(/\s+/g, " ").trim(),
    machine,
    settings: { pageSize, changeFraction: options.change, floorRuns: options.floorRuns, healthConnections: options.skipHealth ? null : options.healthConnections, healthDurationSeconds: options.skipHealth ? null : options.healthDuration, seed: options.seed, verify: options.verify },
    cases,
    health_floor: healthFloor,
    targets: evaluateTargets(cases),
  };
}

/** The same load on a bare node:http server answering the app's health body: Node's own limit here. */
async function runHealthFloor(served: HealthLoadResult, options: BenchOptions): Promise<HealthLoadResult> {
  const child = await forkChild("app", options, "health floor");
  try {
    const { url } = await child.call<{ url: string }>("serveStatic", { body: served.body, status: served.warmup.status });
    const result = await loadHealth(url, { connections: options.healthConnections, durationSeconds: options.healthDuration });
    log(`health floor (bare node:http, same body): ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
    return result;
  } finally {
    await child.exit().catch(() => child.kill());
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[2] === CHILD_FLAG) {
    const role = argv[3];
    if (role === "services") (require("./servicesProcess") as typeof import("./servicesProcess")).runServicesProcess();
    else if (role === "app") (require("./appProcess") as typeof import("./appProcess")).runAppProcess();
    else throw new Error(`unknown bench role '${role}'`);
    return;
  }
  await buildProgram(async (options) => {
    const report = await runBench(options);
    console.log(formatReport(report));
    if (options.json) {
      writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
      log(`wrote ${resolve(options.json)}`);
    }
    // Missed targets are findings, not errors; a sync that failed or ended unequal makes the numbers void.
    const invalid = report.cases.filter((c) => c.status.full !== "Completed" || c.status.incremental !== "Completed" || Array.isArray(c.verified.full) || Array.isArray(c.verified.incremental));
    if (invalid.length) {
      log(`INVALID: ${invalid.map((c) => c.label).join(", ")}: a sync failed or the database differs from Clever`);
      process.exitCode = 1;
    }
  }).parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
