/**
 * The SQL Server dialect without a server: the T-SQL it would send is checked for shape — every
 * @parameter bound exactly once, SQL Server's limits (2100 parameters per request, 1000 rows per
 * VALUES list) respected, DDL matching schema.ts. The behaviour itself is the shared contract,
 * which runs against SQL Server when MSSQL_TEST_CONNECTION is set (see mssql.test.ts).
 */
import { MSSQL_BOOTSTRAP, MSSQL_MIGRATIONS } from "../../lib/store/migrations/mssql";
import { MSSQL_SCHEMA } from "../../lib/store/mssqlSchema";
import { replayDdl } from "./mssqlSchemaModel";
import {
  MAX_VALUES_ROWS,
  MSSQL_MAX_PARAMETERS,
  countsQuery,
  enrollmentInserts,
  enrollmentsQuery,
  finishRunStatement,
  listRunsQuery,
  mergeBatch,
  mergeParams,
  quarantineInserts,
  quarantinedQuery,
  rowsPageQuery,
  softDeleteMissingStatement,
  softDeleteStatements,
  stageInserts,
  stageTableBatch,
  startRunStatement,
  type Statement,
} from "../../lib/store/mssqlStatements";
import {
  acquireLeaseStatement,
  appendAuditStatement,
  applyHeldEnrollmentsStatement,
  auditQuery,
  clearSupersededHeldStatement,
  currentLeaseQuery,
  decideHeldStatement,
  dropHeldEnrollmentsStatement,
  enrollmentChangeStatements,
  heldRunsQuery,
  holdRunStatement,
  missingQuery,
  purgeQuarantineStatement,
  releaseLeaseStatement,
  viewRowsQuery,
  renewLeaseStatement,
  saveSyncStateStatement,
  syncStateQuery,
} from "../../lib/store/mssqlGuardStatements";
import { prepareQuarantine, prepareRows } from "../../lib/store/normalize";
import { linkChangeStatements, storedLinksBatch, userLinksQuery } from "../../lib/store/mssqlUserLinks";
import { USER_LINK_KINDS } from "../../lib/store/userLinks";
import { ROSTER_COLUMNS, allTables } from "../../lib/store/schema";
import { ROSTER_RESOURCES, type RosterResource, type RosterRow } from "../../lib/store/types";
import { hexId, sectionRow } from "./contract";

function namesIn(text: string): Set<string> {
  // @@ROWCOUNT and other @@ functions are system values, not parameters.
  return new Set([...text.matchAll(/(?<!@)@([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}

/** Every @name in the text has exactly one parameter and every parameter is used. */
function expectWellFormed(statement: Statement): void {
  const names = statement.params.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  expect([...namesIn(statement.text)].sort()).toEqual([...names].sort());
  expect(statement.params.length).toBeLessThanOrEqual(MSSQL_MAX_PARAMETERS);
  const valuesRows = statement.text.match(/^\(@/gm)?.length ?? 0;
  expect(valuesRows).toBeLessThanOrEqual(MAX_VALUES_ROWS);
}

function rowsFor(resource: RosterResource, count: number): RosterRow[] {
  return Array.from({ length: count }, (_, i) =>
    resource === "sections"
      ? sectionRow(i, [hexId(i, 1)], [hexId(i, 2)])
      : { cleverId: hexId(i, 3), columns: Object.fromEntries(ROSTER_COLUMNS[resource].map((c) => [c.name, c.kind === "bool" ? true : c.kind === "date" ? "2024-08-19" : "v"])), raw: `{"n":${i}}`, lastModified: "2024-01-01T00:00:00Z" },
  );
}

describe("upsert statements", () => {
  it.each(ROSTER_RESOURCES.map((r) => [r]))("stages 5000 %s rows in chunks within SQL Server's limits, binding every value", (resource) => {
    const rows = prepareRows(resource, rowsFor(resource, 5000));
    const inserts = stageInserts(resource, rows);
    for (const insert of inserts) expectWellFormed(insert);
    // Every row is staged exactly once, in order.
    const ids = inserts.flatMap((s) => s.params.filter((p) => /^r\d+_id$/.test(p.name)).map((p) => p.value));
    expect(ids).toEqual(rows.map((r) => r.cleverId));
    const perRow = inserts[0]!.params.length / (inserts[0]!.text.match(/^\(@/gm)?.length ?? 1);
    // + the replace flag of sections (enrollments) and users (school memberships, contacts).
    expect(perRow).toBe(ROSTER_COLUMNS[resource].length + 3 + (resource === "sections" || resource === "users" ? 1 : 0));
  });

  it.each(ROSTER_RESOURCES.map((r) => [r]))("creates a %s stage table with a column for every staged value, in a plain batch", (resource) => {
    const ddl = stageTableBatch(resource);
    expect(ddl).toMatch(/^DROP TABLE IF EXISTS #roster_stage;\nCREATE TABLE #roster_stage \(/);
    expect(namesIn(ddl).size).toBe(0);
    const insert = stageInserts(resource, prepareRows(resource, rowsFor(resource, 1)))[0]!;
    const staged = /INSERT INTO #roster_stage \(([^)]*)\)/.exec(insert.text)![1]!.split(", ");
    for (const column of staged) expect(ddl).toContain(`${column} `);
    expect(ddl).toMatch(/\[clever_id\] NVARCHAR\(64\) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY/);
    expect(ddl).toMatch(/\[raw_json\] NVARCHAR\(MAX\) COLLATE Latin1_General_100_BIN2/);
  });

  it.each(ROSTER_RESOURCES.map((r) => [r]))("MERGEs %s with one WHEN MATCHED clause, binding only tenant, run and time", (resource) => {
    const text = mergeBatch(resource);
    expectWellFormed({ text, params: mergeParams("t1", "r1", "2024-01-01T00:00:00.000Z") });
    // T-SQL allows two WHEN MATCHED clauses only as UPDATE + DELETE; unchanged rows are stamped by a separate UPDATE.
    expect(text.match(/WHEN MATCHED/g)).toHaveLength(1);
    expect(text).toMatch(new RegExp(`MERGE ${MSSQL_SCHEMA}\\.\\[\\w+\\] WITH \\(HOLDLOCK\\) AS t`));
    expect(text).toMatch(/WITH \(UPDLOCK, HOLDLOCK\)/);
    expect(text).toMatch(/WHEN NOT MATCHED BY TARGET THEN\s+INSERT[\s\S]*\);\n/);
    for (const column of ROSTER_COLUMNS[resource]) expect(text).toContain(`t.[${column.name}] = s.[${column.name}]`);
    expect(text.includes("section_enrollments")).toBe(resource === "sections");
    expect(text).not.toMatch(/WHEN NOT MATCHED BY SOURCE/); // would delete rows missing from a page
  });

  it("inserts enrollments of replaced sections in chunks", () => {
    const sections = Array.from({ length: 120 }, (_, i) => ({ sectionId: hexId(i, 5), enrollments: Array.from({ length: 30 }, (_, j) => ({ userId: hexId(j, 1), role: "student" as const })) }));
    const inserts = enrollmentInserts("t1", sections);
    expect(inserts.length).toBeGreaterThan(1);
    for (const insert of inserts) expectWellFormed(insert);
    expect(inserts.reduce((n, s) => n + (s.params.length - 1) / 3, 0)).toBe(3600);
    expect(enrollmentInserts("t1", [])).toEqual([]);
  });
});

describe("other statements", () => {
  it("are parameterized and well formed", () => {
    const statements: Statement[] = [
      softDeleteMissingStatement("users", "t1", "r1", "2024-01-01T00:00:00.000Z", 2000),
      ...softDeleteStatements("users", "t1", Array.from({ length: 2500 }, (_, i) => hexId(i)), "r1", "2024-01-01T00:00:00.000Z"),
      ...quarantineInserts("t1", "r1", prepareQuarantine(Array.from({ length: 900 }, (_, i) => ({ resource: "users" as const, cleverId: String(i), reason: "bad", raw: "{}" })))),
      quarantinedQuery("t1", undefined, 10),
      quarantinedQuery("t1", "r1", 10),
      startRunStatement({ tenantId: "t1", runId: "r1", mode: "full", status: "running", startedAt: "2024-01-01T00:00:00.000Z", finishedAt: null, countsJson: null, error: null, instanceId: null }),
      finishRunStatement("t1", "r1", { status: "completed", finishedAt: null, countsJson: "{}", error: null }),
      listRunsQuery("t1", 10),
      rowsPageQuery("users", "t1", "", 500, false),
      rowsPageQuery("users", "t1", "", 500, true),
      enrollmentsQuery("t1", hexId(1)),
      countsQuery("t1"),
    ];
    for (const statement of statements) expectWellFormed(statement);
    for (const statement of statements) expect(statement.text).toMatch(/@tenantId/);
    expect(softDeleteStatements("users", "t1", Array.from({ length: 2500 }, (_, i) => hexId(i)), "r1", "2024-01-01T00:00:00.000Z")).toHaveLength(3);
  });

  it("pages rows by clever_id with TOP and filters deleted rows unless asked", () => {
    expect(rowsPageQuery("users", "t1", "", 500, false).text).toMatch(/SELECT TOP \(@limit\)[\s\S]*\[clever_id\] > @after AND \[deleted_at\] IS NULL\nORDER BY \[clever_id\];$/);
    expect(rowsPageQuery("users", "t1", "", 500, true).text).not.toMatch(/deleted_at\] IS NULL/);
  });
});

describe("T-SQL migrations", () => {
  it("name dbo only in the move from dbo to the app's schema, and only behind its guard", () => {
    const statements = [MSSQL_BOOTSTRAP, ...MSSQL_MIGRATIONS.flatMap((m) => m.statements)];
    const naming = statements.filter((s) => /\bdbo\./i.test(s));
    expect(naming.length).toBeGreaterThan(0);
    for (const statement of naming) expect(statement).toMatch(/IF @v1InDbo = 1/);
    // the move copies and then drops exactly the tables version 1 creates, plus the old migrations table
    const v1Tables = [...replayDdl(MSSQL_MIGRATIONS[0]!.statements).keys()].map((k) => k.split(".")[1]);
    const move = MSSQL_MIGRATIONS.find((m) => /move from dbo/.test(m.name))!.statements.join("\n");
    const copied = [...move.matchAll(/INSERT INTO clever\.\[(\w+)\] SELECT \* FROM dbo\.\[(\w+)\]/g)].map((m) => [m[1], m[2]]);
    expect(copied).toEqual(v1Tables.map((t) => [t, t]));
    const dropped = [...move.matchAll(/DROP TABLE dbo\.\[(\w+)\]/g)].map((m) => m[1]);
    expect(dropped).toEqual([...v1Tables, "schema_migrations"]);
    // the bootstrap adopts the history of such a database
    expect(MSSQL_BOOTSTRAP).toMatch(/IF @v1InDbo = 1\s+EXEC\(N'INSERT INTO clever\.\[schema_migrations\][\s\S]*FROM dbo\.schema_migrations/);
    expect(MSSQL_SCHEMA).toBe("clever");
  });

  const ddl = [MSSQL_BOOTSTRAP, ...MSSQL_MIGRATIONS.flatMap((m) => m.statements)].join("\n");

  it("create exactly the tables and columns schema.ts describes, all in the app's own schema", () => {
    const model = replayDdl([MSSQL_BOOTSTRAP, ...MSSQL_MIGRATIONS.flatMap((m) => m.statements)]);
    const created = Object.fromEntries([...model].map(([key, columns]) => [key, columns.map((c) => c.name)]));
    expect(created).toEqual(Object.fromEntries(Object.entries(allTables()).map(([t, c]) => [`${MSSQL_SCHEMA}.${t}`, [...c]])));
  });

  it("key every index by tenant first and use binary collation for ids and raw JSON", () => {
    const indexes = [...ddl.matchAll(new RegExp(`CREATE NONCLUSTERED INDEX (\\w+) ON ${MSSQL_SCHEMA}\\.\\[?(\\w+)\\]? \\(([^)]*)\\)`, "g"))];
    expect(indexes.length).toBeGreaterThanOrEqual(ROSTER_RESOURCES.length);
    for (const [, , , columns] of indexes) expect(columns!.startsWith("[tenant_id]")).toBe(true);
    for (const resource of ROSTER_RESOURCES) {
      expect(ddl).toContain(`CREATE NONCLUSTERED INDEX ix_${resource}_sweep ON ${MSSQL_SCHEMA}.${resource} ([tenant_id], [run_id]) WHERE [deleted_at] IS NULL;`);
      expect(ddl).toContain(`CONSTRAINT pk_${resource} PRIMARY KEY CLUSTERED ([tenant_id], [clever_id])`);
    }
    const model = replayDdl([MSSQL_BOOTSTRAP, ...MSSQL_MIGRATIONS.flatMap((m) => m.statements)]);
    for (const resource of ROSTER_RESOURCES) {
      expect(model.get(`${MSSQL_SCHEMA}.${resource}`)!.find((c) => c.name === "raw_json")).toEqual({ name: "raw_json", type: "NVARCHAR(MAX)", collation: "Latin1_General_100_BIN2", nullable: false });
    }
    expect(ddl).not.toMatch(/\bDATETIME\b(?!2)/); // DATETIME2 only
    expect(ddl).not.toMatch(/^GO$/m); // statements run one per batch; GO is a client-tool separator
  });
});

describe("lease, sync state, held runs, audit and enrollment statements", () => {
  it("bind every parameter they name and stay within SQL Server's limits", () => {
    const at = "2024-01-01T00:00:00.000Z";
    const keys = Array.from({ length: 2500 }, (_, i) => ({ sectionId: hexId(i, 0x5c), userId: hexId(i, 0x0a), role: "student" }));
    const statements: Statement[] = [
      acquireLeaseStatement("t1", "r1", "sync:t1:r1", at, at),
      renewLeaseStatement("t1", "r1", at),
      releaseLeaseStatement("t1", "r1"),
      currentLeaseQuery("t1"),
      syncStateQuery("t1"),
      saveSyncStateStatement("t1", { eventsCursor: "e1", lastFullSyncAt: at, lastFullRunId: "r1", at, setCursor: 1, setFull: 0, setFullRun: 1 }),
      missingQuery("users", "t1", "r1", 10),
      holdRunStatement({ tenantId: "t1", runId: "r1", heldAt: at, reasonsJson: "[]", resourcesJson: "{}" }),
      heldRunsQuery("t1", "held", 10),
      heldRunsQuery("t1", undefined, 10),
      decideHeldStatement("t1", "r1", "approved", at, "ops"),
      applyHeldEnrollmentsStatement("t1", "r1", at),
      dropHeldEnrollmentsStatement("t1", "r1"),
      appendAuditStatement({ tenantId: "t1", at, actor: "ops", action: "held.approve", target: "r1", detailsJson: null }),
      auditQuery("t1", 10),
      auditQuery(undefined, 10),
      clearSupersededHeldStatement("#roster_stage", "t1", "r1"),
      purgeQuarantineStatement("t1", at),
      viewRowsQuery("v_student_schedule", "t1", 10),
      ...(["remove", "restore", "hold"] as const).flatMap((kind) => enrollmentChangeStatements(kind, "t1", "r1", at, keys)),
    ];
    for (const statement of statements) expectWellFormed(statement);
    expect(enrollmentChangeStatements("remove", "t1", "r1", at, keys)).toHaveLength(4);
    expect(enrollmentChangeStatements("hold", "t1", "r1", at, [])).toEqual([]);
  });

  it("take the lease only when free, expired or already ours, under key-range locks held to commit", () => {
    const text = acquireLeaseStatement("t1", "r1", null, "2024-01-01T00:00:00.000Z", "2024-01-01T00:15:00.000Z").text;
    expect(text).toMatch(/UPDATE clever\.\[sync_leases\] WITH \(UPDLOCK, HOLDLOCK\)[\s\S]*WHERE \[tenant_id\] = @tenantId AND \(\[run_id\] = @runId OR \[expires_at\] <= @now\);/);
    expect(text).toMatch(/IF @@ROWCOUNT = 0 AND NOT EXISTS \(SELECT 1 FROM clever\.\[sync_leases\] WITH \(UPDLOCK, HOLDLOCK\)/);
  });

  it("the sweep and the guard count only rows of older runs", () => {
    expect(softDeleteMissingStatement("users", "t1", "r1", "2024-01-01T00:00:00.000Z", 2000).text).toMatch(/\[run_id\] < @runId;$/);
    expect(missingQuery("users", "t1", "r1", 10).text).not.toMatch(/<>/);
  });
});

describe("user link statements (user_schools, contact_relationships)", () => {
  it.each(USER_LINK_KINDS.flatMap((kind) => (["remove", "set", "insert"] as const).map((op) => [kind.name, op] as const)))("%s %s: 5000 changes in chunks within SQL Server's limits, every value bound once", (name, op) => {
    const kind = USER_LINK_KINDS.find((k) => k.name === name)!;
    const changes = Array.from({ length: 5000 }, (_, i) => ({ ownerId: hexId(i % 50, 0x0a), key: hexId(i, 0x5), attrs: kind.attrs.map(() => "Parent") }));
    const statements = linkChangeStatements(kind, op, "t1", "2024-09-03T00:00:00.000Z", changes);
    expect(statements.length).toBeGreaterThan(1);
    for (const statement of statements) expectWellFormed(statement);
    const keys = statements.flatMap((s) => s.params.filter((p) => /^k\d+$/.test(p.name)).map((p) => p.value));
    expect(keys).toEqual(changes.map((c) => c.key));
    const text = statements[0]!.text;
    expect(text).toContain(`${MSSQL_SCHEMA}.[${kind.table}]`);
    if (op === "remove") expect(text).toMatch(/SET l\.\[deleted_at\] = @at[\s\S]*AND l\.\[deleted_at\] IS NULL;$/);
    if (op === "set") expect(text).toContain("l.[deleted_at] = NULL");
    if (op === "set") for (const attr of kind.attrs) expect(text).toContain(`l.[${attr}] = v.[${attr}]`);
    if (op === "insert") expect(text).toMatch(new RegExp(`^INSERT INTO ${MSSQL_SCHEMA}\\.\\[${kind.table}\\] \\(\\[tenant_id\\], \\[${kind.owner}\\], \\[${kind.key}\\]`));
  });

  it("reads stored links of replaced users from the stage table under update locks, one recordset per kind", () => {
    const text = storedLinksBatch();
    expectWellFormed({ text, params: [{ name: "tenantId", type: { kind: "nvarchar", length: 64 }, value: "t1" }] });
    expect(text.match(/WITH \(UPDLOCK, HOLDLOCK\)/g)).toHaveLength(USER_LINK_KINDS.length);
    expect(text.match(/^SELECT /gm)).toHaveLength(1 + USER_LINK_KINDS.length);
    // The flag it filters on is a column of the users stage table.
    expect(stageTableBatch("users")).toContain("[replace_links] BIT NOT NULL");
    const insert = stageInserts("users", prepareRows("users", [{ cleverId: hexId(1, 3), columns: {}, raw: "{}", lastModified: null, schools: [hexId(1, 5)] }]))[0]!;
    expect(insert.params.find((p) => p.name === "r0_rl")?.value).toBe(true);
  });

  it("reads one owner's links live only unless deleted ones are asked for", () => {
    for (const kind of USER_LINK_KINDS) {
      const live = userLinksQuery(kind, "t1", hexId(1, 3), false);
      expectWellFormed(live);
      expect(live.text).toContain("[deleted_at] IS NULL");
      expect(userLinksQuery(kind, "t1", hexId(1, 3), true).text).not.toContain("IS NULL");
    }
  });
});
