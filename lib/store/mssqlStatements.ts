/**
 * T-SQL text and parameter lists for the SQL Server dialect, as pure functions (no driver), so
 * their shape — every @name bound, chunks within SQL Server's limits — is tested without a server.
 *
 * Limits honoured: at most 2100 parameters per request (we budget 2000 to leave room for the
 * constant ones) and at most 1000 rows in one INSERT ... VALUES list.
 */
import { MSSQL_SCHEMA, q, table } from "./mssqlSchema";
import type { PreparedQuarantineEntry, PreparedRow, PreparedRun } from "./normalize";
import { ENROLLMENTS_TABLE, QUARANTINE_TABLE, ROSTER_COLUMNS, RUNS_TABLE, STALE_TABLE, type ColumnDef } from "./schema";
import { ROSTER_RESOURCES, type ColumnValue, type Enrollment, type RosterResource } from "./types";

export const MSSQL_MAX_PARAMETERS = 2100;
export const PARAMETER_BUDGET = 2000;
export const MAX_VALUES_ROWS = 1000;
/** Temp table of one upsert call; session-scoped, so concurrent calls on other connections never meet. */
export const STAGE_TABLE = "#roster_stage";

export type ParamType = { kind: "nvarchar"; length: number | "max" } | { kind: "bit" } | { kind: "date" } | { kind: "datetime2" } | { kind: "int" };

export interface Param {
  name: string;
  type: ParamType;
  value: ColumnValue | Date;
}

export interface Statement {
  text: string;
  params: Param[];
}

const BIN2 = "COLLATE Latin1_General_100_BIN2";
const KEY_TYPE: ParamType = { kind: "nvarchar", length: 64 };
const RUN_TYPE: ParamType = { kind: "nvarchar", length: 100 };
const MAX_TYPE: ParamType = { kind: "nvarchar", length: "max" };
const TIME_TYPE: ParamType = { kind: "datetime2" };

export { MSSQL_SCHEMA, q, table };

export function columnParamType(column: ColumnDef): ParamType {
  switch (column.kind) {
    case "text":
      return { kind: "nvarchar", length: column.maxLength ?? "max" };
    case "bool":
      return { kind: "bit" };
    case "date":
      return { kind: "date" };
  }
}

function columnSqlType(column: ColumnDef): string {
  const type = columnParamType(column);
  if (type.kind === "nvarchar") return `NVARCHAR(${type.length === "max" ? "MAX" : type.length})`;
  return type.kind === "bit" ? "BIT" : "DATE";
}

/** Rows that fit one request given parameters per row and constant parameters. */
export function rowsPerChunk(paramsPerRow: number, constantParams = 0): number {
  return Math.max(1, Math.min(MAX_VALUES_ROWS, Math.floor((PARAMETER_BUDGET - constantParams) / paramsPerRow)));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const time = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** DATE values go as UTC-midnight Dates (the driver writes UTC parts), never as strings for the driver to parse. */
function paramValue(column: ColumnDef, value: ColumnValue): ColumnValue | Date {
  return column.kind === "date" && typeof value === "string" ? new Date(`${value}T00:00:00.000Z`) : value;
}

// ---- upsert ----------------------------------------------------------------------------------

/** A plain batch (not sp_executesql): a temp table created inside sp_executesql would vanish when it returns. */
export function stageTableBatch(resource: RosterResource): string {
  const columns = ROSTER_COLUMNS[resource].map((c) => `${q(c.name)} ${columnSqlType(c)} NULL`);
  const extra = stageFlags(resource).map((flag) => `${q(flag)} BIT NOT NULL`);
  return `DROP TABLE IF EXISTS ${STAGE_TABLE};
CREATE TABLE ${STAGE_TABLE} (
  ${[
    `${q("clever_id")} NVARCHAR(64) ${BIN2} NOT NULL PRIMARY KEY`,
    ...columns,
    `${q("raw_json")} NVARCHAR(MAX) ${BIN2} NOT NULL`,
    `${q("clever_last_modified")} DATETIME2(3) NULL`,
    ...extra,
    `${q("outcome")} CHAR(1) NULL`,
  ].join(",\n  ")}
);`;
}

/** Per-row flags staged beside the record: a section replaces its enrollments, a user its school memberships and contact relationships (mssqlUserLinks.ts). */
function stageFlags(resource: RosterResource): string[] {
  if (resource === "sections") return ["replace_enrollments"];
  return resource === "users" ? ["replace_links"] : [];
}

function stageColumns(resource: RosterResource): string[] {
  return ["clever_id", ...ROSTER_COLUMNS[resource].map((c) => c.name), "raw_json", "clever_last_modified", ...stageFlags(resource)];
}

/** INSERT ... VALUES into the stage table, chunked under the parameter and row limits. */
export function stageInserts(resource: RosterResource, rows: readonly PreparedRow[]): Statement[] {
  const columns = ROSTER_COLUMNS[resource];
  const names = stageColumns(resource);
  const perRow = names.length;
  return chunks(rows, rowsPerChunk(perRow)).map((chunk) => {
    const params: Param[] = [];
    const tuples = chunk.map((row, r) => {
      const values: Param[] = [
        { name: `r${r}_id`, type: KEY_TYPE, value: row.cleverId },
        ...columns.map((c, i): Param => ({ name: `r${r}_c${i}`, type: columnParamType(c), value: paramValue(c, row.values[i] ?? null) })),
        { name: `r${r}_raw`, type: MAX_TYPE, value: row.raw },
        { name: `r${r}_lm`, type: TIME_TYPE, value: time(row.lastModified) },
      ];
      if (resource === "sections") values.push({ name: `r${r}_re`, type: { kind: "bit" }, value: row.enrollments !== undefined });
      if (resource === "users") values.push({ name: `r${r}_rl`, type: { kind: "bit" }, value: row.schools !== undefined || row.contacts !== undefined });
      params.push(...values);
      return `(${values.map((p) => `@${p.name}`).join(", ")})`;
    });
    return { text: `INSERT INTO ${STAGE_TABLE} (${names.map(q).join(", ")}) VALUES\n${tuples.join(",\n")};`, params };
  });
}

/**
 * Classifies staged rows (I = new, R = soft-deleted and back, U = changed, N = same raw JSON on a
 * live row) under key-range locks held to commit, stamps unchanged rows, MERGEs the rest, and for
 * sections reads the stored enrollments of replaced sections (the caller diffs them).
 * Recordsets: [outcome counts] (+ [replaced section ids], [their stored enrollments]).
 * Params: @tenantId, @runId, @syncedAt.
 */
export function mergeBatch(resource: RosterResource): string {
  const t = table(resource);
  const typed = ROSTER_COLUMNS[resource].map((c) => q(c.name));
  const written = [...typed, q("raw_json"), q("clever_last_modified")];
  const sections = resource === "sections";
  return `UPDATE s SET s.${q("outcome")} = CASE
    WHEN t.${q("clever_id")} IS NULL THEN 'I'
    WHEN t.${q("deleted_at")} IS NOT NULL THEN 'R'
    WHEN t.${q("deleted_at")} IS NULL AND DATALENGTH(t.${q("raw_json")}) = DATALENGTH(s.${q("raw_json")}) AND t.${q("raw_json")} = s.${q("raw_json")} THEN 'N'
    ELSE 'U' END
FROM ${STAGE_TABLE} AS s
LEFT JOIN ${t} AS t WITH (UPDLOCK, HOLDLOCK) ON t.${q("tenant_id")} = @tenantId AND t.${q("clever_id")} = s.${q("clever_id")};

UPDATE t SET t.${q("synced_at")} = @syncedAt, t.${q("run_id")} = @runId
FROM ${t} AS t
INNER JOIN ${STAGE_TABLE} AS s ON t.${q("tenant_id")} = @tenantId AND t.${q("clever_id")} = s.${q("clever_id")}
WHERE s.${q("outcome")} = 'N';

MERGE ${t} WITH (HOLDLOCK) AS t
USING (SELECT * FROM ${STAGE_TABLE} WHERE ${q("outcome")} <> 'N') AS s
  ON t.${q("tenant_id")} = @tenantId AND t.${q("clever_id")} = s.${q("clever_id")}
WHEN MATCHED THEN UPDATE SET
  ${[...written.map((c) => `t.${c} = s.${c}`), `t.${q("synced_at")} = @syncedAt`, `t.${q("run_id")} = @runId`, `t.${q("deleted_at")} = NULL`].join(",\n  ")}
WHEN NOT MATCHED BY TARGET THEN
  INSERT (${[q("tenant_id"), q("clever_id"), ...written, q("synced_at"), q("run_id"), q("deleted_at")].join(", ")})
  VALUES (${["@tenantId", `s.${q("clever_id")}`, ...written.map((c) => `s.${c}`), "@syncedAt", "@runId", "NULL"].join(", ")});

SELECT ${q("outcome")} AS outcome, COUNT(*) AS n FROM ${STAGE_TABLE} GROUP BY ${q("outcome")};${
    sections
      ? `

SELECT ${q("clever_id")} AS clever_id FROM ${STAGE_TABLE} WHERE ${q("outcome")} <> 'N' AND ${q("replace_enrollments")} = 1;

SELECT e.${q("section_id")} AS section_id, e.${q("user_id")} AS user_id, e.${q("role")} AS role, CASE WHEN e.${q("deleted_at")} IS NULL THEN 0 ELSE 1 END AS deleted
FROM ${table(ENROLLMENTS_TABLE)} AS e WITH (UPDLOCK, HOLDLOCK)
INNER JOIN ${STAGE_TABLE} AS s ON e.${q("section_id")} = s.${q("clever_id")}
WHERE e.${q("tenant_id")} = @tenantId AND s.${q("outcome")} <> 'N' AND s.${q("replace_enrollments")} = 1;`
      : ""
  }`;
}

export function mergeParams(tenantId: string, runId: string, syncedAt: string): Param[] {
  return [
    { name: "tenantId", type: KEY_TYPE, value: tenantId },
    { name: "runId", type: RUN_TYPE, value: runId },
    { name: "syncedAt", type: TIME_TYPE, value: new Date(syncedAt) },
  ];
}

export const DROP_STAGE_BATCH = `DROP TABLE IF EXISTS ${STAGE_TABLE};`;

/** Enrollment rows of replaced sections, chunked. */
export function enrollmentInserts(tenantId: string, sections: readonly { sectionId: string; enrollments: readonly Enrollment[] }[]): Statement[] {
  const triples = sections.flatMap((s) => s.enrollments.map((e) => ({ sectionId: s.sectionId, ...e })));
  return chunks(triples, rowsPerChunk(3, 1)).map((chunk) => {
    const params: Param[] = [{ name: "tenantId", type: KEY_TYPE, value: tenantId }];
    const tuples = chunk.map((e, r) => {
      params.push({ name: `s${r}`, type: KEY_TYPE, value: e.sectionId }, { name: `u${r}`, type: KEY_TYPE, value: e.userId }, { name: `r${r}`, type: { kind: "nvarchar", length: 16 }, value: e.role });
      return `(@tenantId, @s${r}, @u${r}, @r${r})`;
    });
    return { text: `INSERT INTO ${table(ENROLLMENTS_TABLE)} (${["tenant_id", "section_id", "user_id", "role"].map(q).join(", ")}) VALUES\n${tuples.join(",\n")};`, params };
  });
}

// ---- deletions -------------------------------------------------------------------------------

/** One capped step of the deletion sweep (at most @limit rows); repeat while it changes @limit rows. */
export function softDeleteMissingStatement(resource: RosterResource, tenantId: string, runId: string, deletedAt: string, limit: number, schoolId?: string): Statement {
  // A school sync sweeps only that school's rows (school_id = @schoolId).
  const school = schoolId === undefined ? "" : ` AND ${q("school_id")} = @schoolId`;
  return {
    // Rows of OLDER runs only: a row a newer run stamped is never swept by an older one.
    text: `UPDATE TOP (@limit) ${table(resource)} SET ${q("deleted_at")} = @deletedAt WHERE ${q("tenant_id")} = @tenantId AND ${q("deleted_at")} IS NULL AND ${q("run_id")} < @runId${school};`,
    params: [
      ...(schoolId === undefined ? [] : [{ name: "schoolId", type: KEY_TYPE, value: schoolId } satisfies Param]),
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "runId", type: RUN_TYPE, value: runId },
      { name: "deletedAt", type: TIME_TYPE, value: new Date(deletedAt) },
      { name: "limit", type: { kind: "int" }, value: limit },
    ],
  };
}

export function softDeleteStatements(resource: RosterResource, tenantId: string, ids: readonly string[], runId: string, deletedAt: string): Statement[] {
  return chunks(ids, rowsPerChunk(1, 3)).map((chunk) => ({
    text: `UPDATE ${table(resource)} SET ${q("deleted_at")} = @deletedAt, ${q("run_id")} = @runId
WHERE ${q("tenant_id")} = @tenantId AND ${q("deleted_at")} IS NULL AND ${q("clever_id")} IN (${chunk.map((_, i) => `@i${i}`).join(", ")});`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "runId", type: RUN_TYPE, value: runId },
      { name: "deletedAt", type: TIME_TYPE, value: new Date(deletedAt) },
      ...chunk.map((id, i): Param => ({ name: `i${i}`, type: KEY_TYPE, value: id })),
    ],
  }));
}

// ---- stale rows ---------------------------------------------------------------------------------

/** Stamps the live row's run_id (the sweep keeps it) and flags it stale, one record per statement. */
export function markStaleStatement(resource: RosterResource, tenantId: string, cleverId: string, reason: string, runId: string, staleSince: string): Statement {
  return {
    text: `UPDATE ${table(resource)} SET ${q("run_id")} = @runId WHERE ${q("tenant_id")} = @tenantId AND ${q("clever_id")} = @id AND ${q("deleted_at")} IS NULL;
IF @@ROWCOUNT > 0
MERGE ${table(STALE_TABLE)} WITH (HOLDLOCK) AS t
USING (SELECT @tenantId AS tenant_id, @resource AS resource, @id AS clever_id) AS s
ON t.tenant_id = s.tenant_id AND t.resource = s.resource AND t.clever_id = s.clever_id
WHEN MATCHED THEN UPDATE SET run_id = @runId, reason = @reason, stale_since = CASE WHEN t.run_id = @runId THEN t.stale_since ELSE @at END
WHEN NOT MATCHED THEN INSERT (tenant_id, resource, clever_id, run_id, reason, stale_since) VALUES (@tenantId, @resource, @id, @runId, @reason, @at);`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "resource", type: { kind: "nvarchar", length: 32 }, value: resource },
      { name: "id", type: KEY_TYPE, value: cleverId },
      { name: "runId", type: RUN_TYPE, value: runId },
      { name: "reason", type: { kind: "nvarchar", length: 4000 }, value: reason },
      { name: "at", type: TIME_TYPE, value: new Date(staleSince) },
    ],
  };
}

export function staleRowsQuery(resource: RosterResource, tenantId: string): Statement {
  return {
    text: `SELECT s.clever_id, s.run_id, s.reason, s.stale_since FROM ${table(STALE_TABLE)} s JOIN ${table(resource)} r
ON r.tenant_id = s.tenant_id AND r.clever_id = s.clever_id AND r.run_id = s.run_id AND r.deleted_at IS NULL
WHERE s.tenant_id = @tenantId AND s.resource = @resource ORDER BY s.clever_id;`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "resource", type: { kind: "nvarchar", length: 32 }, value: resource },
    ],
  };
}

// ---- quarantine --------------------------------------------------------------------------------

/** Insert-if-absent by (tenant, run, entry hash), so a retried activity adds nothing. */
export function quarantineInserts(tenantId: string, runId: string, entries: readonly PreparedQuarantineEntry[]): Statement[] {
  return chunks(entries, rowsPerChunk(5, 2)).map((chunk) => {
    const params: Param[] = [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "runId", type: RUN_TYPE, value: runId },
    ];
    const tuples = chunk.map((e, r) => {
      params.push(
        { name: `h${r}`, type: { kind: "nvarchar", length: 64 }, value: e.hash },
        { name: `res${r}`, type: { kind: "nvarchar", length: 32 }, value: e.resource },
        { name: `id${r}`, type: KEY_TYPE, value: e.cleverId },
        { name: `why${r}`, type: { kind: "nvarchar", length: 4000 }, value: e.reason },
        { name: `raw${r}`, type: MAX_TYPE, value: e.raw },
      );
      return `(@h${r}, @res${r}, @id${r}, @why${r}, @raw${r})`;
    });
    const columns = ["entry_hash", "resource", "clever_id", "reason", "raw_json"];
    return {
      text: `INSERT INTO ${table(QUARANTINE_TABLE)} (${["tenant_id", "run_id", ...columns].map(q).join(", ")})
SELECT @tenantId, @runId, ${columns.map((c) => `v.${q(c)}`).join(", ")}
FROM (VALUES\n${tuples.join(",\n")}) AS v (${columns.map(q).join(", ")})
WHERE NOT EXISTS (SELECT 1 FROM ${table(QUARANTINE_TABLE)} AS x WITH (UPDLOCK, HOLDLOCK)
  WHERE x.${q("tenant_id")} = @tenantId AND x.${q("run_id")} = @runId AND x.${q("entry_hash")} = v.${q("entry_hash")});`,
      params,
    };
  });
}

export function quarantinedQuery(tenantId: string, runId: string | undefined, limit: number): Statement {
  const params: Param[] = [
    { name: "tenantId", type: KEY_TYPE, value: tenantId },
    { name: "limit", type: { kind: "int" }, value: limit },
  ];
  if (runId !== undefined) params.push({ name: "runId", type: RUN_TYPE, value: runId });
  return {
    text: `SELECT TOP (@limit) ${["resource", "clever_id", "reason", "raw_json", "run_id", "quarantined_at"].map(q).join(", ")}
FROM ${table(QUARANTINE_TABLE)} WHERE ${q("tenant_id")} = @tenantId${runId !== undefined ? ` AND ${q("run_id")} = @runId` : ""}
ORDER BY ${q("quarantined_at")} DESC, ${q("entry_hash")};`,
    params,
  };
}

// ---- runs ----------------------------------------------------------------------------------------

const RUN_SELECT = ["run_id", "tenant_id", "mode", "status", "started_at", "finished_at", "counts_json", "error", "instance_id"];

export function startRunStatement(run: PreparedRun): Statement {
  const columns = ["tenant_id", "run_id", "mode", "status", "started_at", "finished_at", "counts_json", "error", "instance_id"];
  const names = ["tenantId", "runId", "mode", "status", "startedAt", "finishedAt", "countsJson", "error", "instanceId"];
  return {
    text: `INSERT INTO ${table(RUNS_TABLE)} (${columns.map(q).join(", ")})
SELECT ${names.map((n) => `@${n}`).join(", ")}
WHERE NOT EXISTS (SELECT 1 FROM ${table(RUNS_TABLE)} WITH (UPDLOCK, HOLDLOCK) WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId);`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: run.tenantId },
      { name: "runId", type: RUN_TYPE, value: run.runId },
      { name: "mode", type: { kind: "nvarchar", length: 16 }, value: run.mode },
      { name: "status", type: { kind: "nvarchar", length: 16 }, value: run.status },
      { name: "startedAt", type: TIME_TYPE, value: new Date(run.startedAt) },
      { name: "finishedAt", type: TIME_TYPE, value: time(run.finishedAt) },
      { name: "countsJson", type: MAX_TYPE, value: run.countsJson },
      { name: "error", type: { kind: "nvarchar", length: 4000 }, value: run.error },
      { name: "instanceId", type: { kind: "nvarchar", length: 200 }, value: run.instanceId },
    ],
  };
}

export function finishRunStatement(tenantId: string, runId: string, result: { status: string; finishedAt: string | null; countsJson: string | null; error: string | null }): Statement {
  return {
    text: `UPDATE ${table(RUNS_TABLE)} SET ${q("status")} = @status, ${q("finished_at")} = @finishedAt, ${q("counts_json")} = @countsJson, ${q("error")} = @error
WHERE ${q("tenant_id")} = @tenantId AND ${q("run_id")} = @runId;`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "runId", type: RUN_TYPE, value: runId },
      { name: "status", type: { kind: "nvarchar", length: 16 }, value: result.status },
      { name: "finishedAt", type: TIME_TYPE, value: time(result.finishedAt) },
      { name: "countsJson", type: MAX_TYPE, value: result.countsJson },
      { name: "error", type: { kind: "nvarchar", length: 4000 }, value: result.error },
    ],
  };
}

export function listRunsQuery(tenantId: string, limit: number): Statement {
  return {
    text: `SELECT TOP (@limit) ${RUN_SELECT.map(q).join(", ")} FROM ${table(RUNS_TABLE)}
WHERE ${q("tenant_id")} = @tenantId ORDER BY ${q("started_at")} DESC, ${q("run_id")} DESC;`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "limit", type: { kind: "int" }, value: limit },
    ],
  };
}

// ---- reads ---------------------------------------------------------------------------------------

/** One keyset page: rows after @after in clever_id order (binary collation, same order as SQLite). */
export function rowsPageQuery(resource: RosterResource, tenantId: string, after: string, limit: number, includeDeleted: boolean): Statement {
  const select = ["clever_id", "raw_json", "deleted_at", "run_id", ...ROSTER_COLUMNS[resource].map((c) => c.name)].map(q).join(", ");
  return {
    text: `SELECT TOP (@limit) ${select} FROM ${table(resource)}
WHERE ${q("tenant_id")} = @tenantId AND ${q("clever_id")} > @after${includeDeleted ? "" : ` AND ${q("deleted_at")} IS NULL`}
ORDER BY ${q("clever_id")};`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "after", type: KEY_TYPE, value: after },
      { name: "limit", type: { kind: "int" }, value: limit },
    ],
  };
}

export function enrollmentsQuery(tenantId: string, sectionId: string): Statement {
  return {
    text: `SELECT ${q("user_id")} AS user_id, ${q("role")} AS role FROM ${table(ENROLLMENTS_TABLE)}
WHERE ${q("tenant_id")} = @tenantId AND ${q("section_id")} = @sectionId AND ${q("deleted_at")} IS NULL ORDER BY ${q("role")}, ${q("user_id")};`,
    params: [
      { name: "tenantId", type: KEY_TYPE, value: tenantId },
      { name: "sectionId", type: KEY_TYPE, value: sectionId },
    ],
  };
}

/** Live rows counted from the filtered sweep index, all rows from the primary key: no LOB pages read. */
export function quarantineCountQuery(tenantId: string): Statement {
  return {
    text: `SELECT COUNT_BIG(*) AS n FROM ${table(QUARANTINE_TABLE)} WHERE ${q("tenant_id")} = @tenantId;`,
    params: [{ name: "tenantId", type: KEY_TYPE, value: tenantId }],
  };
}

export function countsQuery(tenantId: string): Statement {
  return {
    text: ROSTER_RESOURCES.map(
      (r) =>
        `SELECT N'${r}' AS resource, (SELECT COUNT_BIG(*) FROM ${table(r)} WHERE ${q("tenant_id")} = @tenantId) AS total, (SELECT COUNT_BIG(*) FROM ${table(r)} WHERE ${q("tenant_id")} = @tenantId AND ${q("deleted_at")} IS NULL) AS live`,
    ).join("\nUNION ALL\n"),
    params: [{ name: "tenantId", type: KEY_TYPE, value: tenantId }],
  };
}
