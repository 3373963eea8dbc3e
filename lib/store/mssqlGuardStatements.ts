/**
 * T-SQL of the run lease, sync state, held runs, audit log and enrollment soft-delete, as pure
 * functions (see mssqlStatements.ts for the conventions and limits).
 *
 * Insert-if-absent uses UPDATE ... WITH (UPDLOCK, HOLDLOCK) then INSERT when @@ROWCOUNT = 0: the
 * serializable key-range lock taken by the UPDATE (even when no row matches) makes a concurrent
 * caller wait until this transaction commits, so two processes never both insert or both win
 * (https://learn.microsoft.com/en-us/sql/t-sql/queries/hints-transact-sql-table — HOLDLOCK =
 * SERIALIZABLE, UPDLOCK held to the end of the transaction).
 */
import type { PreparedAudit, PreparedHeld } from "./guardRows";
import { table } from "./mssqlSchema";
import { chunks, q, rowsPerChunk, type Param, type ParamType, type Statement } from "./mssqlStatements";
import { AUDIT_TABLE, ENROLLMENTS_TABLE, HELD_ENROLLMENTS_TABLE, HELD_TABLE, LEASES_TABLE, QUARANTINE_TABLE, STATE_TABLE } from "./schema";
import type { RosterResource } from "./types";
import { VIEW_COLUMNS, VIEW_ORDER, type RosterView } from "./views";

const KEY_TYPE: ParamType = { kind: "nvarchar", length: 64 };
const RUN_TYPE: ParamType = { kind: "nvarchar", length: 100 };
const MAX_TYPE: ParamType = { kind: "nvarchar", length: "max" };
const TIME_TYPE: ParamType = { kind: "datetime2" };
const ROLE_TYPE: ParamType = { kind: "nvarchar", length: 16 };
const tenant = (tenantId: string): Param => ({ name: "tenantId", type: KEY_TYPE, value: tenantId });
const run = (runId: string): Param => ({ name: "runId", type: RUN_TYPE, value: runId });
const LEASE_SELECT = ["tenant_id", "run_id", "instance_id", "acquired_at", "expires_at"].map(q).join(", ");

// ---- lease -------------------------------------------------------------------------------------

/** Takes the lease when free, expired or already held by @runId; then reads who holds it. Run inside a transaction. */
export function acquireLeaseStatement(tenantId: string, runId: string, instanceId: string | null, now: string, expiresAt: string): Statement {
  const t = table(LEASES_TABLE);
  return {
    text: `UPDATE ${t} WITH (UPDLOCK, HOLDLOCK)
SET ${q("acquired_at")} = CASE WHEN ${q("run_id")} = @runId THEN ${q("acquired_at")} ELSE @now END,
  ${q("instance_id")} = CASE WHEN ${q("run_id")} = @runId THEN COALESCE(@instanceId, ${q("instance_id")}) ELSE @instanceId END,
  ${q("run_id")} = @runId, ${q("expires_at")} = @expiresAt
WHERE ${q("tenant_id")} = @tenantId AND (${q("run_id")} = @runId OR ${q("expires_at")} <= @now);
IF @@ROWCOUNT = 0 AND NOT EXISTS (SELECT 1 FROM ${t} WITH (UPDLOCK, HOLDLOCK) WHERE ${q("tenant_id")} = @tenantId)
  INSERT INTO ${t} (${LEASE_SELECT}) VALUES (@tenantId, @runId, @instanceId, @now, @expiresAt);
SELECT ${LEASE_SELECT} FROM ${t} WHERE ${q("tenant_id")} = @tenantId;`,
    params: [
      tenant(tenantId),
      run(runId),
      { name: "instanceId", type: { kind: "nvarchar", length: 200 }, value: instanceId },
      { name: "now", type: TIME_TYPE, value: new Date(now) },
      { name: "expiresAt", type: TIME_TYPE, value: new Date(expiresAt) },
    ],
  };
}

export function renewLeaseStatement(tenantId: string, runId: string, expiresAt: string): Statement {
  return {
    text: `UPDATE ${table(LEASES_TABLE)} SET ${q("expires_at")} = @expiresAt WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId;`,
    params: [tenant(tenantId), run(runId), { name: "expiresAt", type: TIME_TYPE, value: new Date(expiresAt) }],
  };
}

export function releaseLeaseStatement(tenantId: string, runId: string): Statement {
  return { text: `DELETE FROM ${table(LEASES_TABLE)} WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId;`, params: [tenant(tenantId), run(runId)] };
}

export function currentLeaseQuery(tenantId: string): Statement {
  return { text: `SELECT ${LEASE_SELECT} FROM ${table(LEASES_TABLE)} WHERE ${q("tenant_id")} = @tenantId;`, params: [tenant(tenantId)] };
}

// ---- sync state --------------------------------------------------------------------------------

export function syncStateQuery(tenantId: string): Statement {
  return {
    text: `SELECT ${["tenant_id", "events_cursor", "last_full_sync_at", "last_full_run_id", "updated_at"].map(q).join(", ")} FROM ${table(STATE_TABLE)} WHERE ${q("tenant_id")} = @tenantId;`,
    params: [tenant(tenantId)],
  };
}

export function saveSyncStateStatement(
  tenantId: string,
  state: { eventsCursor: string | null; lastFullSyncAt: string | null; lastFullRunId: string | null; at: string; setCursor: number; setFull: number; setFullRun: number },
): Statement {
  const t = table(STATE_TABLE);
  const keep = (column: string, flag: string, param: string) => `${q(column)} = CASE WHEN @${flag} = 1 THEN @${param} ELSE ${q(column)} END`;
  return {
    text: `UPDATE ${t} WITH (UPDLOCK, HOLDLOCK) SET ${keep("events_cursor", "setCursor", "eventsCursor")}, ${keep("last_full_sync_at", "setFull", "lastFullSyncAt")},
  ${keep("last_full_run_id", "setFullRun", "lastFullRunId")}, ${q("updated_at")} = @at
WHERE ${q("tenant_id")} = @tenantId;
IF @@ROWCOUNT = 0
  INSERT INTO ${t} (${["tenant_id", "events_cursor", "last_full_sync_at", "last_full_run_id", "updated_at"].map(q).join(", ")}) VALUES (@tenantId, @eventsCursor, @lastFullSyncAt, @lastFullRunId, @at);`,
    params: [
      tenant(tenantId),
      { name: "eventsCursor", type: { kind: "nvarchar", length: 200 }, value: state.eventsCursor },
      { name: "lastFullSyncAt", type: TIME_TYPE, value: state.lastFullSyncAt === null ? null : new Date(state.lastFullSyncAt) },
      { name: "lastFullRunId", type: RUN_TYPE, value: state.lastFullRunId },
      { name: "at", type: TIME_TYPE, value: new Date(state.at) },
      { name: "setCursor", type: { kind: "bit" }, value: state.setCursor === 1 },
      { name: "setFull", type: { kind: "bit" }, value: state.setFull === 1 },
      { name: "setFullRun", type: { kind: "bit" }, value: state.setFullRun === 1 },
    ],
  };
}

// ---- guard: counts before the sweep ------------------------------------------------------------

/** Recordsets: [{ missing }], [{ live }], [clever_id sample]. Rows of older runs only, like the sweep. */
export function missingQuery(resource: RosterResource, tenantId: string, runId: string, sampleSize: number, schoolId?: string): Statement {
  const t = table(resource);
  // A school sync counts only that school's rows (school_id = @schoolId), like its sweep.
  const school = schoolId === undefined ? "" : ` AND ${q("school_id")} = @schoolId`;
  const older = `${q("tenant_id")} = @tenantId AND ${q("deleted_at")} IS NULL AND ${q("run_id")} < @runId${school}`;
  return {
    text: `SELECT COUNT_BIG(*) AS missing FROM ${t} WHERE ${older};
SELECT COUNT_BIG(*) AS live FROM ${t} WHERE ${q("tenant_id")} = @tenantId AND ${q("deleted_at")} IS NULL${school};
SELECT TOP (@limit) ${q("clever_id")} AS clever_id FROM ${t} WHERE ${older} ORDER BY ${q("clever_id")};`,
    params: [
      tenant(tenantId),
      run(runId),
      { name: "limit", type: { kind: "int" }, value: sampleSize },
      ...(schoolId === undefined ? [] : [{ name: "schoolId", type: KEY_TYPE, value: schoolId }]),
    ],
  };
}

// ---- held runs -----------------------------------------------------------------------------------

const HELD_SELECT = ["tenant_id", "run_id", "held_at", "status", "reasons_json", "resources_json", "decided_at", "decided_by"].map(q).join(", ");

export function holdRunStatement(held: PreparedHeld): Statement {
  const t = table(HELD_TABLE);
  return {
    text: `UPDATE ${t} WITH (UPDLOCK, HOLDLOCK) SET ${q("reasons_json")} = @reasonsJson, ${q("resources_json")} = @resourcesJson
WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId AND ${q("status")} = N'held';
IF @@ROWCOUNT = 0 AND NOT EXISTS (SELECT 1 FROM ${t} WITH (UPDLOCK, HOLDLOCK) WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId)
  INSERT INTO ${t} (${["tenant_id", "run_id", "held_at", "status", "reasons_json", "resources_json"].map(q).join(", ")}) VALUES (@tenantId, @runId, @heldAt, N'held', @reasonsJson, @resourcesJson);`,
    params: [
      tenant(held.tenantId),
      run(held.runId),
      { name: "heldAt", type: TIME_TYPE, value: new Date(held.heldAt) },
      { name: "reasonsJson", type: MAX_TYPE, value: held.reasonsJson },
      { name: "resourcesJson", type: MAX_TYPE, value: held.resourcesJson },
    ],
  };
}

export function heldRunsQuery(tenantId: string, status: string | undefined, limit: number): Statement {
  const params: Param[] = [tenant(tenantId), { name: "limit", type: { kind: "int" }, value: limit }];
  if (status !== undefined) params.push({ name: "status", type: ROLE_TYPE, value: status });
  return {
    text: `SELECT TOP (@limit) ${HELD_SELECT} FROM ${table(HELD_TABLE)} WHERE ${q("tenant_id")} = @tenantId${status !== undefined ? ` AND ${q("status")} = @status` : ""}
ORDER BY ${q("held_at")} DESC, ${q("run_id")} DESC;`,
    params,
  };
}

/** Marks a still-held run decided; the OUTPUT row (absent when not held) carries what it held. */
export function decideHeldStatement(tenantId: string, runId: string, status: string, decidedAt: string, decidedBy: string): Statement {
  return {
    text: `UPDATE ${table(HELD_TABLE)} SET ${q("status")} = @status, ${q("decided_at")} = @decidedAt, ${q("decided_by")} = @decidedBy
OUTPUT INSERTED.${q("resources_json")} AS resources_json
WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId AND ${q("status")} = N'held';`,
    params: [
      tenant(tenantId),
      run(runId),
      { name: "status", type: ROLE_TYPE, value: status },
      { name: "decidedAt", type: TIME_TYPE, value: new Date(decidedAt) },
      { name: "decidedBy", type: { kind: "nvarchar", length: 256 }, value: decidedBy },
    ],
  };
}

/** Approving: soft-deletes the enrollment removals the run held (those still live), then forgets them. */
export function applyHeldEnrollmentsStatement(tenantId: string, runId: string, at: string): Statement {
  return {
    text: `UPDATE e SET e.${q("deleted_at")} = @at
FROM ${table(ENROLLMENTS_TABLE)} AS e
INNER JOIN ${table(HELD_ENROLLMENTS_TABLE)} AS h ON h.${q("tenant_id")} = e.${q("tenant_id")} AND h.${q("section_id")} = e.${q("section_id")} AND h.${q("user_id")} = e.${q("user_id")} AND h.${q("role")} = e.${q("role")}
WHERE e.${q("tenant_id")} = @tenantId AND h.${q("run_id")} = @runId AND e.${q("deleted_at")} IS NULL;`,
    params: [tenant(tenantId), run(runId), { name: "at", type: TIME_TYPE, value: new Date(at) }],
  };
}

export function dropHeldEnrollmentsStatement(tenantId: string, runId: string): Statement {
  return { text: `DELETE FROM ${table(HELD_ENROLLMENTS_TABLE)} WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId;`, params: [tenant(tenantId), run(runId)] };
}

// ---- audit ---------------------------------------------------------------------------------------

export function appendAuditStatement(entry: PreparedAudit): Statement {
  return {
    text: `INSERT INTO ${table(AUDIT_TABLE)} (${["tenant_id", "at", "actor", "action", "target", "details_json"].map(q).join(", ")}) VALUES (@tenantId, @at, @actor, @action, @target, @detailsJson);`,
    params: [
      tenant(entry.tenantId),
      { name: "at", type: TIME_TYPE, value: new Date(entry.at) },
      { name: "actor", type: { kind: "nvarchar", length: 256 }, value: entry.actor },
      { name: "action", type: { kind: "nvarchar", length: 64 }, value: entry.action },
      { name: "target", type: { kind: "nvarchar", length: 200 }, value: entry.target },
      { name: "detailsJson", type: MAX_TYPE, value: entry.detailsJson },
    ],
  };
}

export function auditQuery(tenantId: string | undefined, limit: number): Statement {
  const params: Param[] = [{ name: "limit", type: { kind: "int" }, value: limit }];
  if (tenantId !== undefined) params.push(tenant(tenantId));
  return {
    text: `SELECT TOP (@limit) ${["audit_id", "tenant_id", "at", "actor", "action", "target", "details_json"].map(q).join(", ")} FROM ${table(AUDIT_TABLE)}${tenantId !== undefined ? ` WHERE ${q("tenant_id")} = @tenantId` : ""}
ORDER BY ${q("audit_id")} DESC;`,
    params,
  };
}

// ---- enrollment changes of replaced sections -----------------------------------------------------

export interface EnrollmentKey {
  sectionId: string;
  userId: string;
  role: string;
}

/**
 * Soft-delete ("remove"), undelete ("restore") or hold ("hold": record in held_enrollments) the
 * given enrollments, chunked under the parameter limit.
 */
export function enrollmentChangeStatements(kind: "remove" | "restore" | "hold", tenantId: string, runId: string, at: string, keys: readonly EnrollmentKey[]): Statement[] {
  return chunks(keys, rowsPerChunk(3, 2)).map((chunk) => {
    // Only what the statement names: hold records the run, remove stamps the time, restore needs neither.
    const params: Param[] = [tenant(tenantId), ...(kind === "hold" ? [run(runId)] : []), ...(kind === "remove" ? [{ name: "at", type: TIME_TYPE, value: new Date(at) }] : [])];
    const tuples = chunk.map((e, r) => {
      params.push({ name: `s${r}`, type: KEY_TYPE, value: e.sectionId }, { name: `u${r}`, type: KEY_TYPE, value: e.userId }, { name: `r${r}`, type: ROLE_TYPE, value: e.role });
      return `(@s${r}, @u${r}, @r${r})`;
    });
    const values = `(VALUES\n${tuples.join(",\n")}) AS v (${q("section_id")}, ${q("user_id")}, ${q("role")})`;
    const match = (alias: string) => `${alias}.${q("section_id")} = v.${q("section_id")} AND ${alias}.${q("user_id")} = v.${q("user_id")} AND ${alias}.${q("role")} = v.${q("role")}`;
    if (kind === "hold") {
      return {
        text: `INSERT INTO ${table(HELD_ENROLLMENTS_TABLE)} (${["tenant_id", "run_id", "section_id", "user_id", "role"].map(q).join(", ")})
SELECT @tenantId, @runId, v.${q("section_id")}, v.${q("user_id")}, v.${q("role")} FROM ${values}
WHERE NOT EXISTS (SELECT 1 FROM ${table(HELD_ENROLLMENTS_TABLE)} AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.${q("tenant_id")} = @tenantId AND h.${q("run_id")} = @runId AND ${match("h")});`,
        params,
      };
    }
    const set = kind === "remove" ? "@at" : "NULL";
    const where = kind === "remove" ? `e.${q("deleted_at")} IS NULL` : `e.${q("deleted_at")} IS NOT NULL`;
    return {
      text: `UPDATE e SET e.${q("deleted_at")} = ${set}
FROM ${table(ENROLLMENTS_TABLE)} AS e INNER JOIN ${values} ON ${match("e")}
WHERE e.${q("tenant_id")} = @tenantId AND ${where};`,
      params,
    };
  });
}

/** A newer look at replaced sections supersedes removals an earlier run held for them. Uses the stage table. */
export function clearSupersededHeldStatement(stageTable: string, tenantId: string, runId: string): Statement {
  return {
    text: `DELETE h FROM ${table(HELD_ENROLLMENTS_TABLE)} AS h
INNER JOIN ${stageTable} AS s ON h.${q("section_id")} = s.${q("clever_id")}
WHERE h.${q("tenant_id")} = @tenantId AND h.${q("run_id")} <> @runId AND s.${q("outcome")} <> 'N' AND s.${q("replace_enrollments")} = 1;`,
    params: [tenant(tenantId), run(runId)],
  };
}

// ---- quarantine retention ------------------------------------------------------------------------

export function purgeQuarantineStatement(tenantId: string, before: string): Statement {
  return {
    text: `DELETE FROM ${table(QUARANTINE_TABLE)} WHERE ${q("tenant_id")} = @tenantId AND ${q("quarantined_at")} < @before;`,
    params: [tenant(tenantId), { name: "before", type: TIME_TYPE, value: new Date(before) }],
  };
}

// ---- query views ----------------------------------------------------------------------------------

export function viewRowsQuery(view: RosterView, tenantId: string, limit: number): Statement {
  return {
    text: `SELECT TOP (@limit) ${VIEW_COLUMNS[view].map(q).join(", ")} FROM ${table(view)} WHERE ${q("tenant_id")} = @tenantId ORDER BY ${VIEW_ORDER[view].map(q).join(", ")};`,
    params: [tenant(tenantId), { name: "limit", type: { kind: "int" }, value: limit }],
  };
}
