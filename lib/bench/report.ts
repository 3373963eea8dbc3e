/**
 * The bench's results: one row per district size, the targets they are judged against, a table
 * for the terminal and the JSON written by `--json`. Ratios are against the floor measured in the
 * same run, on the same machine: absolute seconds only mean something next to the machine.
 */
import type { MachineDescription } from "./machine";
import type { HealthLoadResult } from "./healthLoad";
import type { MutationSummary } from "./mutations";

export interface ScenarioMemory {
  floor?: number;
  full?: number;
  incremental?: number;
  health?: number;
}

export interface CaseResult {
  label: string;
  users: number;
  students: number;
  records: number;
  pages: number;
  /** Best of the floor runs (the floor is the baseline, so its best is the fair one). */
  floor_s: number;
  floor_runs_s: number[];
  full_sync_s: number;
  ratio_full_to_floor: number;
  incremental_s: number;
  ratio_incremental_to_full: number;
  changes: MutationSummary | null;
  /** Largest scenario peak of this size. */
  peak_rss_mb: number;
  peak_rss_mb_by_scenario: ScenarioMemory;
  /** CPU seconds of the scenario process (user + system) during the measured interval. */
  cpu_s: { floor: number; full: number; incremental: number };
  /** CPU seconds the simulator/Azurite process spent during each measured interval. */
  services_cpu_s: { floor: number; full: number; incremental: number };
  health_p50_ms: number | null;
  health_p99_ms: number | null;
  health: HealthLoadResult | null;
  /** Database equals ground truth after the sync (digest of every live record), or the differences. */
  verified: { full: true | string[] | null; incremental: true | string[] | null };
  status: { full: string; incremental: string };
  activities: { full: Array<{ name: string; resource?: string; startMs: number; ms: number }>; incremental: Array<{ name: string; resource?: string; startMs: number; ms: number }> };
  /** Starting the token keeper before the timed run (steady state: a running host already has a token). */
  token_warmup_s: { full: number; incremental: number };
  /** V8 heap in use after the sync and a full GC: flat across sizes means nothing is retained. */
  retained_heap_mb: { full: number | null; incremental: number | null };
}

export interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  met: boolean;
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: MachineDescription;
  settings: Record<string, unknown>;
  cases: CaseResult[];
  /** The health load against a bare node:http server serving the same body (calibration). */
  health_floor: HealthLoadResult | null;
  targets: TargetCheck[];
}

export const TARGETS = {
  fullToFloor: 1.3,
  peakRssMb: 300,
  rssGrowth: 1.2,
  incrementalToFull: 0.05,
  healthP99Ms: 10,
};

const fmt = (value: number | null | undefined, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits));

export function evaluateTargets(cases: CaseResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const c of cases) {
    checks.push({ target: `${c.label}: full sync / floor`, limit: `≤ ${TARGETS.fullToFloor}`, measured: fmt(c.ratio_full_to_floor), met: c.ratio_full_to_floor <= TARGETS.fullToFloor });
    checks.push({ target: `${c.label}: peak RSS (largest scenario)`, limit: `≤ ${TARGETS.peakRssMb} MB`, measured: `${fmt(c.peak_rss_mb, 0)} MB`, met: c.peak_rss_mb <= TARGETS.peakRssMb });
    checks.push({
      target: `${c.label}: incremental / full`,
      limit: `≤ ${TARGETS.incrementalToFull * 100}%`,
      measured: `${fmt(c.ratio_incremental_to_full * 100, 1)}%`,
      met: c.ratio_incremental_to_full <= TARGETS.incrementalToFull,
    });
    if (c.health_p99_ms !== null) checks.push({ target: `${c.label}: health p99`, limit: `< ${TARGETS.healthP99Ms} ms`, measured: `${c.health_p99_ms} ms`, met: c.health_p99_ms < TARGETS.healthP99Ms });
  }
  // Memory must not grow with district size: compare the smallest and largest non-anchor sizes.
  const sized = cases.filter((c) => !c.label.startsWith("anchor")).sort((a, b) => a.users - b.users);
  if (sized.length >= 2) {
    const small = sized[0]!;
    const large = sized[sized.length - 1]!;
    for (const scenario of ["full", "incremental"] as const) {
      const a = small.peak_rss_mb_by_scenario[scenario];
      const b = large.peak_rss_mb_by_scenario[scenario];
      if (a && b) {
        checks.push({
          target: `peak RSS of the ${scenario} sync, ${large.users.toLocaleString("en-US")} vs ${small.users.toLocaleString("en-US")} users`,
          limit: `≤ ${TARGETS.rssGrowth}×`,
          measured: `${fmt(b / a)}× (${fmt(a, 0)} → ${fmt(b, 0)} MB)`,
          met: b / a <= TARGETS.rssGrowth,
        });
      }
    }
  }
  return checks;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(`Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform} ${m.kernel}`);
  lines.push("");
  lines.push(
    table(
      ["case", "users", "records", "floor s", "full s", "full/floor", "incr s", "incr/full", "RSS MB floor/full/incr/health", "health p50/p99 ms", "req/s", "equal to Clever"],
      report.cases.map((c) => [
        c.label,
        c.users.toLocaleString("en-US"),
        c.records.toLocaleString("en-US"),
        fmt(c.floor_s),
        fmt(c.full_sync_s),
        fmt(c.ratio_full_to_floor),
        fmt(c.incremental_s),
        `${fmt(c.ratio_incremental_to_full * 100, 1)}%`,
        [c.peak_rss_mb_by_scenario.floor, c.peak_rss_mb_by_scenario.full, c.peak_rss_mb_by_scenario.incremental, c.peak_rss_mb_by_scenario.health].map((v) => fmt(v, 0)).join("/"),
        c.health ? `${c.health.latencyMs.p50}/${c.health.latencyMs.p99}` : "-",
        c.health ? String(c.health.requestsPerSecond) : "-",
        [c.verified.full, c.verified.incremental].map((v) => (v === true ? "yes" : v === null ? "-" : "NO")).join("/"),
      ]),
    ),
  );
  if (report.health_floor) {
    const f = report.health_floor;
    lines.push(`Health floor (bare node:http serving the same body, same load): ${f.requestsPerSecond} req/s, p50 ${f.latencyMs.p50} ms, p99 ${f.latencyMs.p99} ms`);
  }
  lines.push("");
  lines.push(table(["target", "limit", "measured", "met"], report.targets.map((t) => [t.target, t.limit, t.measured, t.met ? "yes" : "NO"])));
  for (const c of report.cases) {
    for (const [scenario, v] of Object.entries(c.verified)) {
      if (Array.isArray(v)) lines.push(`${c.label} ${scenario}: database differs from Clever: ${v.join("; ")}`);
    }
    if (c.status.full !== "Completed" || c.status.incremental !== "Completed") lines.push(`${c.label}: full ${c.status.full}, incremental ${c.status.incremental}`);
    if (c.health && (c.health.errors || c.health.non2xx || c.health.timeouts)) {
      lines.push(`${c.label} health: ${c.health.errors} errors, ${c.health.timeouts} timeouts, ${c.health.non2xx} non-2xx (${JSON.stringify(c.health.statusCodes)}; warm-up ${c.health.warmup.status} ${c.health.warmup.overall})`);
    }
  }
  return lines.join("\n");
}
