/** Prepared statements of the SQLite store, built per connection (the caller's and the writer thread's). */
import type Database from "better-sqlite3";
import { ENROLLMENTS_TABLE, QUARANTINE_TABLE, ROSTER_COLUMNS, RUNS_TABLE } from "./schema";
import { ROSTER_RESOURCES, SCHOOL_SCOPED_RESOURCES, type ColumnValue, type RosterResource } from "./types";

export const q = (name: string): string => `"${name}"`;

export interface ResourceStatements {
  /** { same: 1 when the raw JSON is identical, gone: 1 when soft-deleted }, undefined = absent. */
  lookup: Database.Statement;
  upsert: Database.Statement;
  stamp: Database.Statement;
  /** One capped step of the deletion sweep: live rows of older runs, at most ? of them. */
  sweep: Database.Statement;
  missingCount: Database.Statement;
  missingSample: Database.Statement;
  liveCount: Database.Statement;
  /** The same four within one school (school_id = ?): a school sync; absent for resources without school_id. */
  school?: { sweep: Database.Statement; missingCount: Database.Statement; missingSample: Database.Statement; liveCount: Database.Statement };
  softDelete: Database.Statement;
  /** markStale: stamps a live row with the run that saw it invalid. */
  staleStamp: Database.Statement;
  page: Database.Statement;
  pageLive: Database.Statement;
}

export interface SharedStatements {
  sectionEnrollments: Database.Statement;
  removeEnrollment: Database.Statement;
  restoreEnrollment: Database.Statement;
  insertEnrollment: Database.Statement;
  enrollments: Database.Statement;
  startRun: Database.Statement;
  finishRun: Database.Statement;
  listRuns: Database.Statement;
  quarantine: Database.Statement;
  quarantined: Database.Statement;
  quarantinedByRun: Database.Statement;
  quarantineCount: Database.Statement;
  counts: Database.Statement;
  staleFlag: Database.Statement;
}

export function resourceStatements(db: Database.Database, resource: RosterResource): ResourceStatements {
  const typed = ROSTER_COLUMNS[resource].map((c) => c.name);
  const insertColumns = ["tenant_id", "clever_id", ...typed, "raw_json", "clever_last_modified", "synced_at", "run_id"];
  const updates = [...typed, "raw_json", "clever_last_modified", "synced_at", "run_id"].map((c) => `${q(c)} = excluded.${q(c)}`);
  const select = ["clever_id", "raw_json", "deleted_at", "run_id", ...typed].map(q).join(", ");
  const t = q(resource);
  return {
    lookup: db.prepare(`SELECT raw_json = ? AS same, deleted_at IS NOT NULL AS gone FROM ${t} WHERE tenant_id = ? AND clever_id = ?`),
    upsert: db.prepare(
      `INSERT INTO ${t} (${insertColumns.map(q).join(", ")}) VALUES (${insertColumns.map(() => "?").join(", ")})
       ON CONFLICT (tenant_id, clever_id) DO UPDATE SET ${updates.join(", ")}, deleted_at = NULL`,
    ),
    stamp: db.prepare(`UPDATE ${t} SET run_id = ?, synced_at = ? WHERE tenant_id = ? AND clever_id = ?`),
    // Only rows of OLDER runs: a row a newer run stamped is never swept by an older one. The partial
    // sweep index yields exactly the live rows below this run id; LIMIT caps the rows of one transaction.
    sweep: db.prepare(
      `UPDATE ${t} SET deleted_at = @at WHERE rowid IN (
         SELECT rowid FROM ${t} WHERE tenant_id = @tenantId AND deleted_at IS NULL AND run_id < @runId LIMIT @limit)`,
    ),
    missingCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ?`).pluck(),
    missingSample: db.prepare(`SELECT clever_id FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? ORDER BY clever_id LIMIT ?`).pluck(),
    liveCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL`).pluck(),
    school: SCHOOL_SCOPED_RESOURCES.includes(resource)
      ? {
          sweep: db.prepare(
            `UPDATE ${t} SET deleted_at = @at WHERE rowid IN (
               SELECT rowid FROM ${t} WHERE tenant_id = @tenantId AND deleted_at IS NULL AND run_id < @runId AND school_id = @schoolId LIMIT @limit)`,
          ),
          missingCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? AND school_id = ?`).pluck(),
          missingSample: db.prepare(`SELECT clever_id FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND run_id < ? AND school_id = ? ORDER BY clever_id LIMIT ?`).pluck(),
          liveCount: db.prepare(`SELECT COUNT(*) FROM ${t} WHERE tenant_id = ? AND deleted_at IS NULL AND school_id = ?`).pluck(),
        }
      : undefined,
    softDelete: db.prepare(`UPDATE ${t} SET deleted_at = ?, run_id = ? WHERE tenant_id = ? AND clever_id = ? AND deleted_at IS NULL`),
    staleStamp: db.prepare(`UPDATE ${t} SET run_id = ? WHERE tenant_id = ? AND clever_id = ? AND deleted_at IS NULL`),
    page: db.prepare(`SELECT ${select} FROM ${t} WHERE tenant_id = ? AND clever_id > ? ORDER BY clever_id LIMIT ?`),
    pageLive: db.prepare(`SELECT ${select} FROM ${t} WHERE tenant_id = ? AND clever_id > ? AND deleted_at IS NULL ORDER BY clever_id LIMIT ?`),
  };
}

export function sharedStatements(db: Database.Database): SharedStatements {
  const runColumns = "run_id, tenant_id, mode, status, started_at, finished_at, counts_json, error, instance_id";
  const quarantineColumns = "resource, clever_id, reason, raw_json, run_id, quarantined_at";
  return {
    sectionEnrollments: db.prepare(`SELECT user_id, role, deleted_at FROM ${ENROLLMENTS_TABLE} WHERE tenant_id = ? AND section_id = ?`),
    removeEnrollment: db.prepare(`UPDATE ${ENROLLMENTS_TABLE} SET deleted_at = ? WHERE tenant_id = ? AND section_id = ? AND user_id = ? AND role = ? AND deleted_at IS NULL`),
    restoreEnrollment: db.prepare(`UPDATE ${ENROLLMENTS_TABLE} SET deleted_at = NULL WHERE tenant_id = ? AND section_id = ? AND user_id = ? AND role = ?`),
    insertEnrollment: db.prepare(`INSERT INTO ${ENROLLMENTS_TABLE} (tenant_id, section_id, user_id, role) VALUES (?, ?, ?, ?)`),
    enrollments: db.prepare(`SELECT user_id, role FROM ${ENROLLMENTS_TABLE} WHERE tenant_id = ? AND section_id = ? AND deleted_at IS NULL ORDER BY role, user_id`),
    startRun: db.prepare(
      `INSERT INTO ${RUNS_TABLE} (tenant_id, run_id, mode, status, started_at, finished_at, counts_json, error, instance_id)
       VALUES (@tenantId, @runId, @mode, @status, @startedAt, @finishedAt, @countsJson, @error, @instanceId)
       ON CONFLICT (tenant_id, run_id) DO NOTHING`,
    ),
    finishRun: db.prepare(
      `UPDATE ${RUNS_TABLE} SET status = @status, finished_at = @finishedAt, counts_json = @countsJson, error = @error
       WHERE tenant_id = @tenantId AND run_id = @runId`,
    ),
    listRuns: db.prepare(`SELECT ${runColumns} FROM ${RUNS_TABLE} WHERE tenant_id = ? ORDER BY started_at DESC, run_id DESC LIMIT ?`),
    quarantine: db.prepare(
      `INSERT INTO ${QUARANTINE_TABLE} (tenant_id, run_id, entry_hash, resource, clever_id, reason, raw_json)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, run_id, entry_hash) DO NOTHING`,
    ),
    quarantined: db.prepare(`SELECT ${quarantineColumns} FROM ${QUARANTINE_TABLE} WHERE tenant_id = ? ORDER BY quarantined_at DESC, entry_hash LIMIT ?`),
    quarantineCount: db.prepare(`SELECT COUNT(*) AS n FROM ${QUARANTINE_TABLE} WHERE tenant_id = ?`),
    quarantinedByRun: db.prepare(
      `SELECT ${quarantineColumns} FROM ${QUARANTINE_TABLE} WHERE tenant_id = ? AND run_id = ? ORDER BY quarantined_at DESC, entry_hash LIMIT ?`,
    ),
    staleFlag: db.prepare(
      `INSERT INTO stale_rows (tenant_id, resource, clever_id, run_id, reason, stale_since) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, resource, clever_id) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason,
  stale_since = CASE WHEN stale_rows.run_id = excluded.run_id THEN stale_rows.stale_since ELSE excluded.stale_since END`,
    ),
    // Both counts come from indexes alone (primary key, partial sweep index), never from table rows.
    counts: db.prepare(
      ROSTER_RESOURCES.map(
        (r) =>
          `SELECT '${r}' AS resource, (SELECT COUNT(*) FROM ${q(r)} WHERE tenant_id = @tenantId) AS total, (SELECT COUNT(*) FROM ${q(r)} WHERE tenant_id = @tenantId AND deleted_at IS NULL) AS live`,
      ).join(" UNION ALL "),
    ),
  };
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
export function bindable(value: ColumnValue): string | number | null {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}
