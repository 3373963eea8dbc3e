import type { HealthLoadResult, RouteLoadResult } from "../../lib/bench/healthLoad";
import { toRouteResult } from "../../lib/bench/healthLoad";
import { buildProgram, type BenchOptions } from "../../lib/bench/main";
import { DOTNET_REFERENCE, evaluateTargets, formatReport, invalidRuns, TARGETS, type ApiDuringSyncResult, type BenchReport, type CaseResult, type MultiTenantResult } from "../../lib/bench/report";

function caseOf(overrides: Partial<CaseResult> = {}): CaseResult {
  return {
    label: "10,000 users",
    latency_ms: 0,
    users: 10_000,
    students: 9_200,
    records: 12_381,
    pages: 10,
    floor_s: 1,
    floor_runs_s: [1, 1.1],
    full_sync_s: 1.2,
    ratio_full_to_floor: 1.2,
    incremental_s: 0.05,
    ratio_incremental_to_full: 0.04,
    changes: null,
    peak_rss_mb: 250,
    peak_rss_mb_by_scenario: { floor: 120, full: 200, incremental: 150, health: 250 },
    cpu_s: { floor: 1, full: 1, incremental: 0.1 },
    services_cpu_s: { floor: 1, full: 1, incremental: 0.1 },
    health_p50_ms: null,
    health_p99_ms: null,
    health: null,
    verified: { full: true, incremental: true },
    status: { full: "Completed", incremental: "Completed" },
    activities: { full: [], incremental: [] },
    token_warmup_s: { full: 0.1, incremental: 0.1 },
    retained_heap_mb: { full: 33, incremental: 33 },
    ...overrides,
  };
}

function load(p99: number, overrides: Partial<RouteLoadResult> = {}): RouteLoadResult {
  return { route: "/api/health", connections: 200, durationSeconds: 10, sent: 1000, requests: 1000, requestsPerSecond: 100, latencyMs: { p50: p99 / 2, p90: p99, p99, max: p99, mean: p99 / 2 }, errors: 0, timeouts: 0, non2xx: 0, statusCodes: { "200": 1000 }, ...overrides };
}

const health = (p99: number): HealthLoadResult => ({ ...load(p99), warmup: { status: 200, overall: "Healthy" }, body: "{}" });

function multi(overrides: Partial<MultiTenantResult> = {}): MultiTenantResult {
  const run = (tenant: string) => ({ tenant, districtId: `d-${tenant}`, runtimeStatus: "Completed", seconds: 10, records: 122_000, verified: true as const });
  return {
    tenants: 2,
    users_per_tenant: 100_000,
    records_per_tenant: 122_000,
    database: "shared",
    concurrent_s: 20,
    sequential_s: 20,
    ratio_concurrent_to_sequential: 1,
    peak_rss_mb: { concurrent: 500, sequential: 300 },
    cpu_s: { concurrent: 20, sequential: 20 },
    runs: { concurrent: [run("a"), run("b")], sequential: [run("a"), run("b")] },
    ...overrides,
  };
}

function api(during: RouteLoadResult, idle: RouteLoadResult, sync: Partial<ApiDuringSyncResult["routes"][number]["sync"]> = {}): ApiDuringSyncResult {
  return { users: 100_000, connections: 200, idle_duration_s: 10, peak_rss_mb: 300, health_status: [{ at: "after the second sync", status: 503, overall: "Unhealthy", notHealthy: { tables: "Unhealthy: timed out" } }], routes: [{ route: "/api/health", idle, during, sync: { tenant: "bench", runtimeStatus: "Completed", seconds: 10, records: 1, verified: true, ...sync } }] };
}

const find = (checks: ReturnType<typeof evaluateTargets>, pattern: RegExp) => checks.filter((c) => pattern.test(c.target));

describe("evaluateTargets", () => {
  test("health p99 is judged against 3× the bare-node floor's p99 of the same run, not a fixed number", () => {
    const floor = health(31);
    const [ok] = find(evaluateTargets({ cases: [caseOf({ health: health(93), health_p99_ms: 93 })], healthFloor: floor }), /health p99/);
    expect(ok).toMatchObject({ limit: "≤ 3× (93 ms)", met: true });
    const [slow] = find(evaluateTargets({ cases: [caseOf({ health: health(94), health_p99_ms: 94 })], healthFloor: floor }), /health p99/);
    expect(slow!.met).toBe(false);
    // Without a floor measured in the same run there is nothing to judge against: no row.
    expect(find(evaluateTargets({ cases: [caseOf({ health: health(5), health_p99_ms: 5 })], healthFloor: null }), /health p99/)).toEqual([]);
  });

  test("full sync / floor, the full sync's own peak RSS and the largest scenario's are separate rows", () => {
    const checks = evaluateTargets({ cases: [caseOf({ ratio_full_to_floor: 1.31, peak_rss_mb: 320, peak_rss_mb_by_scenario: { full: 290, health: 320 } })] });
    expect(find(checks, /full sync \/ floor/)[0]!.met).toBe(false);
    expect(find(checks, /peak RSS of the full sync/)[0]).toMatchObject({ measured: "290 MB", met: true });
    expect(find(checks, /largest scenario/)[0]).toMatchObject({ measured: "320 MB", met: false });
  });

  test("RSS growth compares the smallest and largest loopback sizes; the anchor and latency cases stay out", () => {
    const cases = [
      caseOf({ label: "anchor (2,000 students)", users: 2_177, peak_rss_mb_by_scenario: { full: 50, incremental: 50 } }),
      caseOf({ users: 10_000, peak_rss_mb_by_scenario: { full: 200, incremental: 150 } }),
      caseOf({ label: "100,000 users", users: 100_000, peak_rss_mb_by_scenario: { full: 230, incremental: 200 } }),
      caseOf({ label: "1,000,000 users, 100 ms latency", latency_ms: 100, users: 1_000_000, peak_rss_mb_by_scenario: { full: 900, incremental: 900 } }),
    ];
    const growth = find(evaluateTargets({ cases }), /vs 10,000 users/);
    expect(growth.map((c) => [c.target, c.measured, c.met])).toEqual([
      ["peak RSS of the full sync, 100,000 vs 10,000 users", "1.15× (200 → 230 MB)", true],
      ["peak RSS of the incremental sync, 100,000 vs 10,000 users", "1.33× (150 → 200 MB)", false],
    ]);
    expect(TARGETS.rssGrowth).toBe(1.2);
  });

  test("a latency case of the anchor's size is read beside the .NET implementation's published 58.9 s", () => {
    const anchor = caseOf({ label: "anchor (2,000 students), 100 ms latency", latency_ms: 100, users: 2_503, students: 2_000, full_sync_s: 61 });
    const [row] = find(evaluateTargets({ cases: [anchor] }), /\.NET/);
    expect(row).toMatchObject({ limit: `< ${DOTNET_REFERENCE.full_sync_s} s`, measured: "61.00 s", met: false });
    expect(DOTNET_REFERENCE).toMatchObject({ students: 1488, teachers: 82, full_sync_s: 58.9 });
    // Not for a 100k-user district, nor for loopback cases: the sizes are not comparable.
    expect(find(evaluateTargets({ cases: [caseOf({ latency_ms: 100, students: 92_000 }), caseOf({ students: 2_000 })] }), /\.NET/)).toEqual([]);
  });

  test("multi-tenant: concurrent/sequential ≤ 1.5, concurrent peak ≤ 600 MB, every run completed", () => {
    expect(find(evaluateTargets({ cases: [], multiTenant: multi() }), /tenants/).map((c) => c.met)).toEqual([true, true, true]);
    const bad = multi({ ratio_concurrent_to_sequential: 1.51, peak_rss_mb: { concurrent: 601, sequential: 300 } });
    bad.runs.concurrent[1] = { ...bad.runs.concurrent[1]!, runtimeStatus: "Failed", verified: null };
    const checks = find(evaluateTargets({ cases: [], multiTenant: bad }), /tenants/);
    expect(checks.map((c) => c.met)).toEqual([false, false, false]);
    expect(checks[2]!.measured).toBe("3 of 4");
  });

  test("API during a sync: p99 ≤ 3× the idle p99 of the same route, every request answered, the sync completed", () => {
    expect(find(evaluateTargets({ cases: [], apiDuringSync: api(load(300), load(100)) }), /api\/health/).map((c) => c.met)).toEqual([true, true, true]);
    const late = find(evaluateTargets({ cases: [], apiDuringSync: api(load(301), load(100)) }), /p99/);
    expect(late[0]!.met).toBe(false);
    // Timed-out requests have no latency, so a low p99 alone proves nothing.
    const timedOut = find(evaluateTargets({ cases: [], apiDuringSync: api(load(10, { timeouts: 400, requests: 0 }), load(100)) }), /every request/);
    expect(timedOut[0]).toMatchObject({ met: false, measured: "0 answered, 400 timeouts, 0 errors, 0 non-2xx" });
    const failed = find(evaluateTargets({ cases: [], apiDuringSync: api(load(100), load(100), { runtimeStatus: "Failed" }) }), /completed/);
    expect(failed[0]!.met).toBe(false);
  });

  test("one row says whether every database equalled Clever: cases, multi-tenant runs and the API scenario's syncs", () => {
    const all = (extra: Parameters<typeof evaluateTargets>[0]) => find(evaluateTargets(extra), /ground truth/)[0];
    expect(all({ cases: [caseOf()], multiTenant: multi(), apiDuringSync: api(load(1), load(1)) })).toMatchObject({ measured: "7 of 7", met: true });
    expect(all({ cases: [caseOf({ verified: { full: true, incremental: ["users: 1 live rows, Clever has 2"] } })] })).toMatchObject({ measured: "1 of 2", met: false });
    expect(all({ cases: [], apiDuringSync: api(load(1), load(1), { verified: ["users: same count (3) but contents differ"] }) })!.met).toBe(false);
    // --no-verify: nothing was checked, so no row claims anything.
    expect(all({ cases: [caseOf({ verified: { full: null, incremental: null } })] })).toBeUndefined();
  });
});

describe("invalidRuns", () => {
  test("names every failed or unequal sync of every scenario", () => {
    const m = multi();
    m.runs.sequential[0] = { ...m.runs.sequential[0]!, verified: ["users: differ"] };
    const report = { cases: [caseOf({ status: { full: "Completed", incremental: "Failed" } })], multi_tenant: m, api_during_sync: api(load(1), load(1), { runtimeStatus: "Terminated" }) };
    expect(invalidRuns(report)).toEqual(["10,000 users incremental", "multi-tenant sequential a", "sync under GET /api/health load (bench)"]);
    expect(invalidRuns({ cases: [caseOf()], multi_tenant: multi(), api_during_sync: null })).toEqual([]);
    expect(invalidRuns({ cases: [caseOf()], multi_tenant: null, api_during_sync: null, scenario_errors: ["multi-tenant scenario: bench child exited"] })).toEqual(["multi-tenant scenario: bench child exited"]);
  });
});

describe("formatReport", () => {
  test("prints the multi-tenant and API tables and the .NET reference beside latency cases", () => {
    const report: BenchReport = {
      generatedAt: "",
      command: "",
      machine: { cpus: 2, model: "x", memoryGb: 1, freeMemoryGb: 1, node: "v20", platform: "linux", kernel: "6" },
      settings: {},
      cases: [caseOf({ label: "anchor (2,000 students), 100 ms latency", latency_ms: 100 })],
      health_floor: null,
      multi_tenant: multi(),
      api_during_sync: api(load(300), load(100)),
      scenario_errors: [],
      reference: DOTNET_REFERENCE,
      targets: [],
    };
    const text = formatReport(report);
    expect(text).toContain("58.9 s");
    expect(text).toMatch(/concurrent\s+2\s+100,000\s+shared\s+20\.00/);
    expect(text).toMatch(/GET \/api\/health\s+50\/100\s+1000\s+150\/300/);
    expect(text).toContain("/api/health after the second sync: 503 Unhealthy (tables: Unhealthy: timed out)");
  });
});

describe("toRouteResult", () => {
  test("keeps sent, answered and timed-out requests apart", () => {
    const r = toRouteResult("/api/x", 200, { latency: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.234 }, requests: { average: 10.4, total: 50, sent: 450 }, errors: 400, timeouts: 400, non2xx: 0, statusCodeStats: { "200": { count: 50 } }, duration: 10 });
    expect(r).toMatchObject({ route: "/api/x", sent: 450, requests: 50, timeouts: 400, errors: 400, requestsPerSecond: 10, statusCodes: { "200": 50 }, latencyMs: { mean: 1.23 } });
  });
});

describe("bench options", () => {
  const parse = async (args: string[]): Promise<BenchOptions> => {
    let seen: BenchOptions | undefined;
    await buildProgram(async (o) => {
      seen = o;
    })
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .parseAsync(["node", "bench", ...args]);
    return seen!;
  };

  test("the issue's scenarios are on by default with its sizes", async () => {
    expect(await parse([])).toMatchObject({ latencyMs: 100, latencyUsers: 100_000, skipLatency: false, multiTenants: 4, multiUsers: 100_000, multiDb: "shared", skipMulti: false, apiUsers: 100_000, skipApiDuringSync: false });
  });

  test("each scenario can be skipped or resized, and a bad value is refused naming the option", async () => {
    expect(await parse(["--skip-latency", "--skip-multi", "--skip-api-during-sync", "--multi-tenants", "2", "--multi-users", "5000", "--multi-db", "per-tenant", "--latency-ms", "20"])).toMatchObject({
      skipLatency: true,
      skipMulti: true,
      skipApiDuringSync: true,
      multiTenants: 2,
      multiUsers: 5000,
      multiDb: "per-tenant",
      latencyMs: 20,
    });
    await expect(parse(["--multi-db", "one"])).rejects.toThrow(/shared.*per-tenant/);
    await expect(parse(["--multi-tenants", "0"])).rejects.toThrow(/--multi-tenants must be a whole number above 0/);
  });
});
