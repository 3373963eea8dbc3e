/**
 * What each endpoint shows of the snapshot. Pure projections: no check runs here.
 */
import { CLEVER_AUTH_CHECK, DEPENDENCY_CHECKS, type TenantTokenHealth } from "./checks";
import { buildReport, type HealthEntry, type HealthReport, type HealthStatus } from "./report";
import type { CheckRecord, HealthSnapshot } from "./snapshot";

/** Checks run in parallel, so a report took as long as its slowest check. */
function reportOf(entries: Record<string, HealthEntry>, records: CheckRecord[]): HealthReport {
  return buildReport(entries, Math.max(0, ...records.map((r) => r.durationMs)));
}

function present(snapshot: HealthSnapshot, names: readonly string[]): string[] {
  return names.filter((name) => snapshot.names.includes(name));
}

/** Reachability of Key Vault, SQL, Tables and Clever. */
export function readinessReport(snapshot: HealthSnapshot): HealthReport {
  const names = present(snapshot, DEPENDENCY_CHECKS);
  const records = names.map((name) => snapshot.record(name));
  return reportOf(Object.fromEntries(names.map((name, i) => [name, records[i].entry])), records);
}

/**
 * Everything, for anonymous callers: the host, each dependency, and token health as counts only.
 * No tenant id or tenant detail appears, not even in a failure's description.
 */
export function overallReport(snapshot: HealthSnapshot, host: HealthEntry): HealthReport {
  const names = present(snapshot, DEPENDENCY_CHECKS);
  const records = names.map((name) => snapshot.record(name));
  const entries: Record<string, HealthEntry> = { host, ...Object.fromEntries(names.map((name, i) => [name, records[i].entry])) };
  if (snapshot.names.includes(CLEVER_AUTH_CHECK)) {
    const record = snapshot.record(CLEVER_AUTH_CHECK);
    records.push(record);
    entries[CLEVER_AUTH_CHECK] = tokenSummary(record);
  }
  return reportOf(entries, records);
}

/** Per-tenant token state, for key holders. */
export function cleverAuthReport(snapshot: HealthSnapshot): HealthReport {
  const record = snapshot.record(CLEVER_AUTH_CHECK);
  const tenants = tenantsOf(record);
  // Warming up, not bound yet, or the check failed: show that one entry instead.
  if (!tenants) return reportOf({ [CLEVER_AUTH_CHECK]: record.entry }, [record]);
  const entries = Object.fromEntries(
    tenants.map(({ status, description, ...data }) => [data.tenantId, { status, description, duration: record.entry.duration, data: { ...data } } satisfies HealthEntry]),
  );
  return reportOf(entries, [record]);
}

function tenantsOf(record: CheckRecord): TenantTokenHealth[] | undefined {
  const tenants = record.entry.data.tenants;
  return Array.isArray(tenants) ? (tenants as TenantTokenHealth[]) : undefined;
}

function tokenSummary(record: CheckRecord): HealthEntry {
  const tenants = tenantsOf(record);
  if (!tenants) {
    // The check's own description may name a tenant (a corrupt registry row, say): say it generically.
    const description = record.checkedAt === undefined ? record.entry.description : `Tenant token state is unavailable (${record.entry.status}); see /api/health/clever-auth.`;
    return { status: record.entry.status, description, duration: record.entry.duration, data: {} };
  }
  const count = (status: HealthStatus) => tenants.filter((t) => t.status === status).length;
  const data = { tenants: tenants.length, healthy: count("Healthy"), degraded: count("Degraded"), unhealthy: count("Unhealthy") };
  return {
    status: record.entry.status,
    description: `${data.tenants} enabled tenant(s): ${data.healthy} healthy, ${data.degraded} degraded, ${data.unhealthy} unhealthy. Details: /api/health/clever-auth.`,
    duration: record.entry.duration,
    data,
  };
}
