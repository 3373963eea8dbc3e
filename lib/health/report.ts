/** ASP.NET Core health-check JSON, the shape Azure tooling and most probes understand. */
export type HealthStatus = "Healthy" | "Degraded" | "Unhealthy";

export interface HealthEntry {
  status: HealthStatus;
  description?: string;
  duration: string;
  data: Record<string, unknown>;
}

export interface HealthReport {
  status: HealthStatus;
  totalDuration: string;
  entries: Record<string, HealthEntry>;
}

const ORDER: HealthStatus[] = ["Healthy", "Degraded", "Unhealthy"];

/** The worst status wins (Healthy when there is none), as in ASP.NET Core's HealthReport. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "Healthy";
  for (const status of statuses) if (ORDER.indexOf(status) > ORDER.indexOf(worst)) worst = status;
  return worst;
}

export function overallStatus(entries: Record<string, HealthEntry>): HealthStatus {
  return worstStatus(Object.values(entries).map((e) => e.status));
}

/** TimeSpan text as .NET prints it: `hh:mm:ss.fffffff`. */
export function timeSpan(ms: number): string {
  const totalTicks = Math.round(ms * 10_000);
  const ticks = totalTicks % 10_000_000;
  const seconds = Math.floor(totalTicks / 10_000_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${pad(ticks, 7)}`;
}

export function buildReport(entries: Record<string, HealthEntry>, totalMs: number): HealthReport {
  return { status: overallStatus(entries), totalDuration: timeSpan(totalMs), entries };
}

/** HTTP status for a report: 503 only when Unhealthy, as ASP.NET Core's default mapping. */
export function httpStatusFor(report: HealthReport): number {
  return report.status === "Unhealthy" ? 503 : 200;
}
