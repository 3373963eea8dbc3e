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
 * Then the same district sizes with 100 ms latency on every Clever request (as over the internet),
 * several 100k-user tenants syncing at once in one process against the same one after another, and
 * the API under 200 connections while a 100k-user full sync runs in the serving process.
 * The simulator and Azurite run in a separate "services" process, as Clever and Azure Tables are
 * remote in production. Scenario processes are forks of this file with `--bench-child <role>`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import type { BenchTenant, FloorResult, ManySyncResult, SyncResult, TenantRun, WorldParams } from "./appProcess";
import { digestDifferences, type RosterDigest } from "./digest";
import { loadHealth, loadRoute, type HealthLoadResult, type RouteLoadResult } from "./healthLoad";
import { BenchChild, CHILD_FLAG } from "./ipc";
import { describeMachine } from "./machine";
import type { MutationSummary } from "./mutations";
import {
  DOTNET_REFERENCE,
  evaluateTargets,
  formatReport,
  invalidRuns,
  type ApiDuringSyncResult,
  type BenchReport,
  type HealthStatusProbe,
  type CaseResult,
  type MultiTenantResult,
  type RouteDuringSync,
  type TenantSyncResult,
} from "./report";
import type { ServicesInfo } from "./servicesProcess";
import { formatSpans } from "./spans";

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
  latencyMs: number;
  latencyUsers: number;
  skipLatency: boolean;
  multiTenants: number;
  multiUsers: number;
  multiDb: "shared" | "per-tenant";
  skipMulti: boolean;
  apiUsers: number;
  skipApiDuringSync: boolean;
}

/** What differs between the loopback cases and the latency cases. */
interface CaseVariant {
  latencyMs: number;
  health: boolean;
  floorRuns: number;
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

function parseDatabase(value: string): "shared" | "per-tenant" {
  if (value !== "shared" && value !== "per-tenant") throw new InvalidArgumentError('expected "shared" (one SQLite file, as the product does) or "per-tenant" (one file per tenant)');
  return value;
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
    .option("--latency-ms <ms>", "latency added to every Clever request (token endpoint included) in the latency cases", parsePositive("--latency-ms", 10_000), 100)
    .option("--latency-users <n>", "district size of the large latency case (the anchor is the other)", parsePositive("--latency-users", 5_000_000), 100_000)
    .option("--skip-latency", "skip the cases with latency on every Clever request", false)
    .option("--multi-tenants <n>", "tenants syncing at once in the multi-tenant scenario", parsePositive("--multi-tenants", 64), 4)
    .option("--multi-users <n>", "users per tenant in the multi-tenant scenario", parsePositive("--multi-users", 5_000_000), 100_000)
    .option("--multi-db <kind>", 'the multi-tenant databases: "shared" (one SQLite file, as the product does) or "per-tenant"', parseDatabase, "shared")
    .option("--skip-multi", "skip the multi-tenant scenario", false)
    .option("--api-users <n>", "district size of the sync that runs under API load", parsePositive("--api-users", 5_000_000), 100_000)
    .option("--skip-api-during-sync", "skip the API-under-load-during-a-sync scenario (also skipped by --skip-health)", false)
    .action(run);
}

async function forkChild(role: string, options: BenchOptions, label: string): Promise<BenchChild> {
  const execArgv = [...process.execArgv];
  if (options.cpuProf) execArgv.push("--cpu-prof", `--cpu-prof-dir=${resolve(options.cpuProf)}`);
  const child = await BenchChild.start(__filename, role, { execArgv });
  if (options.cpuProf) log(`${label}: pid ${child.pid} (CPU profile CPU.*.${child.pid}.*.cpuprofile)`);
  return child;
}

const LOOPBACK = (options: BenchOptions): CaseVariant => ({ latencyMs: 0, health: !options.skipHealth, floorRuns: options.floorRuns });

async function runCase(label: string, users: number, options: BenchOptions, pageSize: number, variant: CaseVariant = LOOPBACK(options)): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "cleversync-bench-"));
  const services = await forkChild("services", options, `${label} services`);
  try {
    const info = await services.call<ServicesInfo>("start", { seed: options.seed, users, latencyMs: variant.latencyMs });
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
    for (let i = 0; i < variant.floorRuns; i++) {
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
        log(`${label}: ${mode} activities: ${formatSpans(result.activities)}`);
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
    if (variant.health) {
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
      latency_ms: variant.latencyMs,
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

/** Ground truth of each district, once (it does not change during these scenarios). */
async function groundTruths(services: BenchChild, districtIds: string[], verify: boolean): Promise<Map<string, RosterDigest>> {
  const out = new Map<string, RosterDigest>();
  if (verify) for (const districtId of districtIds) out.set(districtId, await services.call<RosterDigest>("digest", { districtId }));
  return out;
}

async function verifyTenant(child: BenchChild, tenant: string, truth: RosterDigest | undefined): Promise<true | string[] | null> {
  if (!truth) return null;
  const problems = digestDifferences(truth, await child.call<RosterDigest>("digest", { tenant }));
  return problems.length === 0 ? true : problems;
}

/**
 * `--multi-tenants` tenants of `--multi-users` users, each its own simulated district, synced in
 * one process all at once (as a host does at the scheduled hour), then in another process one after
 * another. Fresh databases for each; every database is compared with its district afterwards.
 */
async function runMultiTenant(options: BenchOptions): Promise<MultiTenantResult> {
  const label = `multi-tenant (${options.multiTenants} × ${options.multiUsers.toLocaleString("en-US")} users)`;
  const services = await forkChild("services", options, `${label} services`);
  const dirs: string[] = [];
  try {
    const info = await services.call<ServicesInfo>("start", { seed: options.seed, users: options.multiUsers, districts: options.multiTenants });
    const records = Object.values(info.counts).reduce((a, b) => a + b, 0);
    const tenants: BenchTenant[] = info.districtIds.map((districtId, i) => ({ id: `district-${i + 1}`, districtId }));
    log(`${label}: ${tenants.length} districts of ${records.toLocaleString("en-US")} records each, ${options.multiDb} database`);
    const truths = await groundTruths(services, info.districtIds, options.verify);
    const scenario = async (concurrent: boolean): Promise<{ result: ManySyncResult; runs: TenantSyncResult[] }> => {
      const mode = concurrent ? "concurrent" : "sequential";
      const dataDir = mkdtempSync(join(tmpdir(), "cleversync-bench-multi-"));
      dirs.push(dataDir);
      const child = await forkChild("app", options, `${label} ${mode}`);
      try {
        const world: WorldParams = { simulatorUrl: info.simulatorUrl, tablesConnection: info.tablesConnection, districtId: info.districtId, dataDir, tenants, database: options.multiDb };
        const result = await child.call<ManySyncResult>("syncMany", { ...world, concurrent });
        log(`${label}: ${mode}: ${result.seconds.toFixed(2)} s, peak ${result.memory.peakRssMb} MB, ${result.cpuSeconds} CPU s; ${result.runs.map((r) => `${r.tenant} ${r.runtimeStatus} at ${r.seconds.toFixed(2)} s`).join(", ")}`);
        const runs: TenantSyncResult[] = [];
        for (const run of result.runs) {
          const districtId = tenants.find((t) => t.id === run.tenant)!.districtId;
          const verified = await verifyTenant(child, run.tenant, truths.get(districtId));
          if (verified !== null) log(`${label}: ${mode}: ${run.tenant}: database ${verified === true ? "equals" : "DIFFERS from"} its district${verified === true ? "" : `: ${verified.join("; ")}`}`);
          runs.push({ tenant: run.tenant, districtId, runtimeStatus: run.runtimeStatus, seconds: round(run.seconds), records: run.records, verified, ...(run.error ? { error: run.error } : {}) });
        }
        await child.call("stop");
        return { result, runs };
      } finally {
        await child.exit().catch(() => child.kill());
      }
    };
    const concurrent = await scenario(true);
    const sequential = await scenario(false);
    await services.call("stop");
    return {
      tenants: tenants.length,
      users_per_tenant: options.multiUsers,
      records_per_tenant: records,
      database: options.multiDb,
      concurrent_s: round(concurrent.result.seconds),
      sequential_s: round(sequential.result.seconds),
      ratio_concurrent_to_sequential: round(concurrent.result.seconds / sequential.result.seconds),
      peak_rss_mb: { concurrent: concurrent.result.memory.peakRssMb, sequential: sequential.result.memory.peakRssMb },
      cpu_s: { concurrent: concurrent.result.cpuSeconds, sequential: sequential.result.cpuSeconds },
      runs: { concurrent: concurrent.runs, sequential: sequential.runs },
    };
  } finally {
    await services.exit().catch(() => services.kill());
    if (!options.keep) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** One GET /api/health: its HTTP status, overall status and every check that is not Healthy. */
async function probeHealthStatus(url: string, at: string): Promise<HealthStatusProbe> {
  const response = await fetch(`${url}/api/health`);
  const text = await response.text();
  let body: { status?: unknown; entries?: Record<string, { status?: unknown; description?: unknown }> } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: reported through the status alone
  }
  const notHealthy = Object.fromEntries(
    Object.entries(body.entries ?? {})
      .filter(([, entry]) => entry.status !== "Healthy")
      .map(([name, entry]) => [name, `${String(entry.status)}${entry.description ? `: ${String(entry.description)}` : ""}`]),
  );
  return { at, status: response.status, overall: String(body.status ?? "unknown"), notHealthy };
}

/**
 * The served app (the `serve` role: devhost HTTP + functions) under `--health-connections` clients
 * while a full sync of `--api-users` users runs in that same process: first on
 * `GET /api/tenants/<tenant>/runs` (function key), then, with a second tenant's fresh full sync, on
 * `GET /api/health`. The load lasts exactly as long as the sync. Then the same loads with no sync
 * (`--health-duration` each): the baseline the during-sync p99 is judged against.
 */
async function runApiDuringSync(options: BenchOptions): Promise<ApiDuringSyncResult> {
  const label = `API during a ${options.apiUsers.toLocaleString("en-US")}-user sync`;
  const dataDir = mkdtempSync(join(tmpdir(), "cleversync-bench-api-"));
  const services = await forkChild("services", options, `${label} services`);
  try {
    const info = await services.call<ServicesInfo>("start", { seed: options.seed, users: options.apiUsers, districts: 2 });
    const [first, second] = info.districtIds as [string, string];
    const tenants: BenchTenant[] = [{ id: "bench", districtId: first }, { id: "bench-second", districtId: second }];
    const truths = await groundTruths(services, info.districtIds, options.verify);
    const child = await forkChild("app", options, label);
    try {
      const world: WorldParams = { simulatorUrl: info.simulatorUrl, tablesConnection: info.tablesConnection, districtId: first, dataDir, tenants };
      const { url, functionKey } = await child.call<{ url: string; functionKey: string }>("serve", world);
      const headers = { "x-functions-key": functionKey };
      // The health snapshot is built on the first request and its checks run in the background: wait for them.
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        if (!/warming up/i.test(await fetch(`${url}/api/health`).then((r) => r.text()))) break;
      }
      const load = { connections: options.healthConnections, durationSeconds: options.healthDuration };
      const plan: Array<{ route: string; tenant: BenchTenant; headers?: Record<string, string> }> = [
        { route: `/api/tenants/${tenants[0]!.id}/runs`, tenant: tenants[0]!, headers },
        { route: "/api/health", tenant: tenants[1]! },
      ];
      const healthStatus: HealthStatusProbe[] = [];
      const probeHealth = async (at: string) => {
        const probe = await probeHealthStatus(url, at);
        healthStatus.push(probe);
        log(`${label}: /api/health ${at}: ${probe.status} ${probe.overall}${Object.keys(probe.notHealthy).length ? ` (${Object.entries(probe.notHealthy).map(([k, v]) => `${k}: ${v}`).join("; ")})` : ""}`);
      };
      const idleLoad = async (step: (typeof plan)[number]) => {
        const idle = await loadRoute(url, step.route, { ...load, headers: step.headers });
        log(`${label}: GET ${step.route} with no sync: ${idle.requests} answered, p50 ${idle.latencyMs.p50} ms, p99 ${idle.latencyMs.p99} ms, ${idle.timeouts} timeouts, ${idle.non2xx} non-2xx`);
        return idle;
      };
      const syncUnderLoad = async (step: (typeof plan)[number]) => {
        const warm = await fetch(`${url}${step.route}`, { headers: step.headers });
        await warm.text();
        if (step.headers && !warm.ok) throw new Error(`GET ${step.route} answered ${warm.status} before the load: the scenario cannot measure it`);
        const { instanceId } = await child.call<{ instanceId: string }>("startSync", { tenant: step.tenant.id });
        const done = child.call<TenantRun>("waitSync", { instanceId, tenant: step.tenant.id });
        // The cap is only a guard: the load ends when the sync does.
        const result = await loadRoute(url, step.route, { ...load, durationSeconds: 3600, headers: step.headers, until: done });
        const run = await done;
        log(
          `${label}: GET ${step.route} during the sync of ${step.tenant.id} (${run.runtimeStatus} in ${run.seconds.toFixed(2)} s): ${result.requests} of ${result.sent} answered, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${result.timeouts} timeouts, ${result.errors} errors, ${result.non2xx} non-2xx`,
        );
        const verified = await verifyTenant(child, step.tenant.id, truths.get(step.tenant.districtId));
        if (verified !== null) log(`${label}: ${step.tenant.id}: database ${verified === true ? "equals" : "DIFFERS from"} its district${verified === true ? "" : `: ${verified.join("; ")}`}`);
        return { load: result, run, verified };
      };
      const route = (step: (typeof plan)[number], idle: RouteLoadResult, during: Awaited<ReturnType<typeof syncUnderLoad>>): RouteDuringSync => ({
        route: step.route,
        idle,
        during: during.load,
        sync: { tenant: during.run.tenant, runtimeStatus: during.run.runtimeStatus, seconds: round(during.run.seconds), records: during.run.records, verified: during.verified, ...(during.run.error ? { error: during.run.error } : {}) },
      });
      // Order: each idle baseline is taken while the app is as it was before that route's sync
      // (health first, while no sync has run: a sync can leave a health check failing).
      const [runsStep, healthStep] = plan as [(typeof plan)[number], (typeof plan)[number]];
      await probeHealth("before any sync");
      const healthIdle = await idleLoad(healthStep);
      const runsDuring = await syncUnderLoad(runsStep);
      const runsIdle = await idleLoad(runsStep);
      await probeHealth("after the first sync");
      const healthDuring = await syncUnderLoad(healthStep);
      await probeHealth("after the second sync");
      const routes = [route(runsStep, runsIdle, runsDuring), route(healthStep, healthIdle, healthDuring)];
      const peak = (await child.call<{ peakRssMb: number }>("memory")).peakRssMb;
      await child.call("stop");
      await services.call("stop");
      return { users: options.apiUsers, connections: options.healthConnections, idle_duration_s: options.healthDuration, peak_rss_mb: peak, routes, health_status: healthStatus };
    } finally {
      await child.exit().catch(() => child.kill());
    }
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
  const anchorLabel = `anchor (${options.anchorStudents.toLocaleString("en-US")} students)`;
  const anchorUsers = options.anchor ? usersForStudents(options.anchorStudents) : 0;
  if (options.anchor) cases.push(await runCase(anchorLabel, anchorUsers, options, pageSize));
  for (const users of options.sizes) cases.push(await runCase(`${users.toLocaleString("en-US")} users`, users, options, pageSize));
  const served = cases.find((c) => c.health)?.health;
  const healthFloor = served ? await runHealthFloor(served, options) : null;
  if (!options.skipLatency) {
    // Over the internet every request waits: one floor run is enough (it is the network's floor), no health load.
    const variant: CaseVariant = { latencyMs: options.latencyMs, health: false, floorRuns: 1 };
    const suffix = `, ${options.latencyMs} ms latency`;
    if (options.anchor) cases.push(await runCase(`${anchorLabel}${suffix}`, anchorUsers, options, pageSize, variant));
    cases.push(await runCase(`${options.latencyUsers.toLocaleString("en-US")} users${suffix}`, options.latencyUsers, options, pageSize, variant));
  }
  // A scenario that breaks (e.g. a child process dies) is reported and fails the run, but does not void the others' results.
  const scenarioErrors: string[] = [];
  const attempt = async <T>(name: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      log(`FAILED ${message}`);
      scenarioErrors.push(message);
      return null;
    }
  };
  const multiTenant = options.skipMulti ? null : await attempt("multi-tenant scenario", () => runMultiTenant(options));
  const apiDuringSync = options.skipApiDuringSync || options.skipHealth ? null : await attempt("API-during-sync scenario", () => runApiDuringSync(options));
  return {
    generatedAt: new Date().toISOString(),
    command: `node ${process.execArgv.join(" ")} ${process.argv.slice(1).join(" ")}`.replace(/\s+/g, " ").trim(),
    machine,
    settings: {
      pageSize,
      changeFraction: options.change,
      floorRuns: options.floorRuns,
      healthConnections: options.skipHealth ? null : options.healthConnections,
      healthDurationSeconds: options.skipHealth ? null : options.healthDuration,
      seed: options.seed,
      verify: options.verify,
      latencyMs: options.skipLatency ? null : options.latencyMs,
      latencyUsers: options.skipLatency ? null : options.latencyUsers,
      multiTenants: options.skipMulti ? null : options.multiTenants,
      multiUsers: options.skipMulti ? null : options.multiUsers,
      multiDb: options.skipMulti ? null : options.multiDb,
      apiUsers: apiDuringSync ? options.apiUsers : null,
    },
    cases,
    health_floor: healthFloor,
    multi_tenant: multiTenant,
    api_during_sync: apiDuringSync,
    scenario_errors: scenarioErrors,
    reference: DOTNET_REFERENCE,
    targets: evaluateTargets({ cases, healthFloor, multiTenant, apiDuringSync }),
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
    const invalid = invalidRuns(report);
    if (invalid.length) {
      log(`INVALID: ${invalid.join(", ")}: a scenario broke, a sync failed or a database differs from Clever`);
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
