/** SQLite statements of the run lease, sync state, held runs and audit log. */
import type Database from "better-sqlite3";
import { AUDIT_TABLE, ENROLLMENTS_TABLE, HELD_ENROLLMENTS_TABLE, HELD_TABLE, LEASES_TABLE, QUARANTINE_TABLE, STATE_TABLE } from "./schema";

export type GuardStatements = ReturnType<typeof sqliteGuardStatements>;

export function sqliteGuardStatements(db: Database.Database) {
  const leaseColumns = "tenant_id, run_id, instance_id, acquired_at, expires_at";
  const heldColumns = "tenant_id, run_id, held_at, status, reasons_json, resources_json, decided_at, decided_by";
  return {
    lease: db.prepare(`SELECT ${leaseColumns} FROM ${LEASES_TABLE} WHERE tenant_id = ?`),
    // Taken when free, expired or already ours; the caller runs it in an IMMEDIATE transaction.
    takeLease: db.prepare(
      `INSERT INTO ${LEASES_TABLE} (${leaseColumns}) VALUES (@tenantId, @runId, @instanceId, @now, @expiresAt)
       ON CONFLICT (tenant_id) DO UPDATE SET run_id = excluded.run_id,
         instance_id = CASE WHEN run_id = excluded.run_id THEN COALESCE(excluded.instance_id, instance_id) ELSE excluded.instance_id END,
         acquired_at = CASE WHEN run_id = excluded.run_id THEN acquired_at ELSE excluded.acquired_at END, expires_at = excluded.expires_at
       WHERE run_id = excluded.run_id OR expires_at <= excluded.acquired_at`,
    ),
    renewLease: db.prepare(`UPDATE ${LEASES_TABLE} SET expires_at = ? WHERE tenant_id = ? AND run_id = ?`),
    releaseLease: db.prepare(`DELETE FROM ${LEASES_TABLE} WHERE tenant_id = ? AND run_id = ?`),
    state: db.prepare(`SELECT tenant_id, events_cursor, last_full_sync_at, last_full_run_id, updated_at FROM ${STATE_TABLE} WHERE tenant_id = ?`),
    saveState: db.prepare(
      `INSERT INTO ${STATE_TABLE} (tenant_id, events_cursor, last_full_sync_at, last_full_run_id, updated_at) VALUES (@tenantId, @eventsCursor, @lastFullSyncAt, @lastFullRunId, @at)
       ON CONFLICT (tenant_id) DO UPDATE SET
         events_cursor = CASE WHEN @setCursor = 1 THEN excluded.events_cursor ELSE events_cursor END,
         last_full_sync_at = CASE WHEN @setFull = 1 THEN excluded.last_full_sync_at ELSE last_full_sync_at END,
         last_full_run_id = CASE WHEN @setFullRun = 1 THEN excluded.last_full_run_id ELSE last_full_run_id END,
         updated_at = excluded.updated_at`,
    ),
    holdRun: db.prepare(
      `INSERT INTO ${HELD_TABLE} (tenant_id, run_id, held_at, status, reasons_json, resources_json) VALUES (@tenantId, @runId, @heldAt, 'held', @reasonsJson, @resourcesJson)
       ON CONFLICT (tenant_id, run_id) DO UPDATE SET reasons_json = excluded.reasons_json, resources_json = excluded.resources_json WHERE status = 'held'`,
    ),
    heldRuns: db.prepare(`SELECT ${heldColumns} FROM ${HELD_TABLE} WHERE tenant_id = ? ORDER BY held_at DESC, run_id DESC LIMIT ?`),
    heldRunsByStatus: db.prepare(`SELECT ${heldColumns} FROM ${HELD_TABLE} WHERE tenant_id = ? AND status = ? ORDER BY held_at DESC, run_id DESC LIMIT ?`),
    decide: db.prepare(`UPDATE ${HELD_TABLE} SET status = ?, decided_at = ?, decided_by = ? WHERE tenant_id = ? AND run_id = ? AND status = 'held'`),
    heldResources: db.prepare(`SELECT resources_json FROM ${HELD_TABLE} WHERE tenant_id = ? AND run_id = ?`).pluck(),
    holdEnrollment: db.prepare(`INSERT INTO ${HELD_ENROLLMENTS_TABLE} (tenant_id, run_id, section_id, user_id, role) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    clearHeldEnrollments: db.prepare(`DELETE FROM ${HELD_ENROLLMENTS_TABLE} WHERE tenant_id = ? AND section_id = ? AND run_id <> ?`),
    // Approving: the held removals that are still live, then forget them.
    applyHeldEnrollments: db.prepare(
      `UPDATE ${ENROLLMENTS_TABLE} SET deleted_at = @at WHERE tenant_id = @tenantId AND deleted_at IS NULL AND EXISTS (
         SELECT 1 FROM ${HELD_ENROLLMENTS_TABLE} AS h WHERE h.tenant_id = @tenantId AND h.run_id = @runId
           AND h.section_id = ${ENROLLMENTS_TABLE}.section_id AND h.user_id = ${ENROLLMENTS_TABLE}.user_id AND h.role = ${ENROLLMENTS_TABLE}.role)`,
    ),
    dropHeldEnrollments: db.prepare(`DELETE FROM ${HELD_ENROLLMENTS_TABLE} WHERE tenant_id = ? AND run_id = ?`),
    appendAudit: db.prepare(`INSERT INTO ${AUDIT_TABLE} (tenant_id, at, actor, action, target, details_json) VALUES (@tenantId, @at, @actor, @action, @target, @detailsJson)`),
    audit: db.prepare(`SELECT audit_id, tenant_id, at, actor, action, target, details_json FROM ${AUDIT_TABLE} WHERE tenant_id = ? ORDER BY audit_id DESC LIMIT ?`),
    // quarantined_at is ISO text in one format (strftime ...Z or toISOString): text order is time order.
    purgeQuarantine: db.prepare(`DELETE FROM ${QUARANTINE_TABLE} WHERE tenant_id = ? AND quarantined_at < ?`),
    auditAll: db.prepare(`SELECT audit_id, tenant_id, at, actor, action, target, details_json FROM ${AUDIT_TABLE} ORDER BY audit_id DESC LIMIT ?`),
  };
}
