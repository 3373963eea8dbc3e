/**
 * SQL Server / Azure SQL schema migrations (T-SQL). Frozen once released: change the schema by
 * appending a migration. Each statement runs as its own batch inside the migration transaction.
 *
 * - Key and run-id columns use a binary collation (Latin1_General_100_BIN2): ids compare and sort
 *   exactly as in SQLite (keyset paging in rows() relies on the order), and a case-insensitive
 *   database collation can never merge two ids that differ in case.
 * - raw_json is NVARCHAR(MAX) with the same binary collation, so "unchanged" is an exact comparison
 *   (a case-insensitive collation would call "Smith" and "SMITH" equal).
 * - Times are DATETIME2(3): UTC, millisecond precision, exactly what JavaScript Dates hold.
 * - The filtered "sweep" index holds live rows only, keyed by (tenant_id, run_id): the deletion sweep
 *   (run_id <> @runId) becomes two range seeks over just the rows the current run did not touch.
 * - Every table lives in the schema MSSQL_SCHEMA (`clever`), so a district's own database can hold
 *   them beside its tables (a district's dbo.users never meets ours). Version 1 was first released
 *   creating them in dbo; it now creates them in `clever`, and version 2 moves the tables of a
 *   database migrated before that. Write every table name with mssqlSchema.table().
 */
import { MSSQL_SCHEMA, table } from "../mssqlSchema";
import { userLinkViewStatements, viewStatements } from "../views";
import { checkedMigrations, type Migration } from "./migration";

const KEY = "NVARCHAR(64) COLLATE Latin1_General_100_BIN2";

/** Version 3's columns, frozen here (not derived from schema.ts, which may grow): all nullable NVARCHAR(64). */
const COLLATION_COLUMNS: readonly (readonly [string, string])[] = [
  ["schools", "district_id"],
  ["terms", "district_id"],
  ["courses", "district_id"],
  ["sections", "district_id"],
  ["sections", "school_id"],
  ["sections", "course_id"],
  ["sections", "term_id"],
  ["sections", "primary_teacher_id"],
  ["users", "district_id"],
  ["users", "school_id"],
  ["quarantine", "clever_id"],
];

/** Name of version 1, the signature of a database whose tables are still in dbo (see V1_IN_DBO). */
const V1_NAME = "roster tables, section enrollments, sync runs, quarantine";

/**
 * Sets @v1InDbo = 1 while this database holds our version-1 tables in dbo (migrated before the
 * schema move). A district's own dbo.schema_migrations, if any, does not carry our version 1 under
 * this name. The lookup is dynamic SQL: a batch naming a column that a district's table of that
 * name lacks would fail to compile even behind a false IF. Each statement is its own batch, so
 * each one that needs the flag starts with this.
 */
const V1_IN_DBO = `DECLARE @v1InDbo BIT = 0;
IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NOT NULL AND COL_LENGTH(N'dbo.schema_migrations', N'version') IS NOT NULL AND COL_LENGTH(N'dbo.schema_migrations', N'name') IS NOT NULL
  EXEC sys.sp_executesql N'SELECT @r = CASE WHEN EXISTS (SELECT 1 FROM dbo.schema_migrations WHERE [version] = 1 AND [name] = @n) THEN 1 ELSE 0 END', N'@r BIT OUTPUT, @n NVARCHAR(200)', @r = @v1InDbo OUTPUT, @n = N'${V1_NAME}';`;

/** A batch that runs `body` only while our version-1 tables are in dbo. */
const whenV1InDbo = (body: string): string => `${V1_IN_DBO}\nIF @v1InDbo = 1\nBEGIN\n${body}\nEND;`;

/**
 * The migrations table, in our schema. A database migrated before the schema move keeps its
 * history: it is copied from dbo.schema_migrations here and that table dropped by version 2.
 * CREATE SCHEMA must run alone in its batch, hence EXEC. In Azure the schema exists already
 * (bicep/sql/grant-app-user.sql creates it owned by the app's identity).
 */
export const MSSQL_BOOTSTRAP = `IF SCHEMA_ID(N'${MSSQL_SCHEMA}') IS NULL EXEC(N'CREATE SCHEMA ${MSSQL_SCHEMA}');
${V1_IN_DBO}
IF OBJECT_ID(N'${MSSQL_SCHEMA}.schema_migrations', N'U') IS NULL
BEGIN
  CREATE TABLE ${table("schema_migrations")} (
  [version] INT NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
  [name] NVARCHAR(200) NOT NULL,
  [applied_at] DATETIME2(3) NOT NULL
);
  IF @v1InDbo = 1
    EXEC(N'INSERT INTO ${table("schema_migrations")} ([version], [name], [applied_at]) SELECT [version], [name], [applied_at] FROM dbo.schema_migrations;');
END;`;

const trailing = (table: string): string => `[raw_json] NVARCHAR(MAX) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [clever_last_modified] DATETIME2(3) NULL,
  [synced_at] DATETIME2(3) NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [deleted_at] DATETIME2(3) NULL,
  CONSTRAINT pk_${table} PRIMARY KEY CLUSTERED ([tenant_id], [clever_id])`;

const sweepIndex = (s: string, name: string): string => `CREATE NONCLUSTERED INDEX ix_${name}_sweep ON ${s}.${name} ([tenant_id], [run_id]) WHERE [deleted_at] IS NULL;`;

/** Version 1's DDL in schema `s` (tables in the order the move in version 2 copies them). */
function rosterTablesV1(s: string): string[] {
  return [
      `CREATE TABLE ${s}.districts (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [name] NVARCHAR(256) NULL,
  [state] NVARCHAR(64) NULL,
  [nces_id] NVARCHAR(64) NULL,
  [sis_type] NVARCHAR(64) NULL,
  ${trailing("districts")}
);`,
      sweepIndex(s, "districts"),
      `CREATE TABLE ${s}.schools (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [sis_id] NVARCHAR(128) NULL,
  [school_number] NVARCHAR(128) NULL,
  [state_id] NVARCHAR(128) NULL,
  [nces_id] NVARCHAR(64) NULL,
  [low_grade] NVARCHAR(64) NULL,
  [high_grade] NVARCHAR(64) NULL,
  [phone] NVARCHAR(64) NULL,
  [city] NVARCHAR(256) NULL,
  [state] NVARCHAR(64) NULL,
  [zip] NVARCHAR(64) NULL,
  ${trailing("schools")}
);`,
      sweepIndex(s, "schools"),
      `CREATE TABLE ${s}.terms (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [start_date] DATE NULL,
  [end_date] DATE NULL,
  ${trailing("terms")}
);`,
      sweepIndex(s, "terms"),
      `CREATE TABLE ${s}.courses (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [number] NVARCHAR(128) NULL,
  ${trailing("courses")}
);`,
      sweepIndex(s, "courses"),
      `CREATE TABLE ${s}.sections (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [school_id] NVARCHAR(64) NULL,
  [course_id] NVARCHAR(64) NULL,
  [term_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [period] NVARCHAR(64) NULL,
  [subject] NVARCHAR(64) NULL,
  [grade] NVARCHAR(64) NULL,
  [sis_id] NVARCHAR(128) NULL,
  [section_number] NVARCHAR(128) NULL,
  [primary_teacher_id] NVARCHAR(64) NULL,
  ${trailing("sections")}
);`,
      sweepIndex(s, "sections"),
      // Rosters by school and by teacher are the common questions.
      `CREATE NONCLUSTERED INDEX ix_sections_school ON ${s}.sections ([tenant_id], [school_id]);`,
      `CREATE NONCLUSTERED INDEX ix_sections_teacher ON ${s}.sections ([tenant_id], [primary_teacher_id]);`,
      `CREATE TABLE ${s}.users (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [email] NVARCHAR(320) NULL,
  [first_name] NVARCHAR(256) NULL,
  [middle_name] NVARCHAR(256) NULL,
  [last_name] NVARCHAR(256) NULL,
  [is_student] BIT NULL,
  [is_teacher] BIT NULL,
  [is_staff] BIT NULL,
  [is_district_admin] BIT NULL,
  [is_contact] BIT NULL,
  [student_sis_id] NVARCHAR(128) NULL,
  [student_number] NVARCHAR(128) NULL,
  [student_state_id] NVARCHAR(128) NULL,
  [grade] NVARCHAR(64) NULL,
  [school_id] NVARCHAR(64) NULL,
  [teacher_sis_id] NVARCHAR(128) NULL,
  [teacher_number] NVARCHAR(128) NULL,
  [teacher_state_id] NVARCHAR(128) NULL,
  [teacher_title] NVARCHAR(256) NULL,
  [staff_id] NVARCHAR(128) NULL,
  [staff_title] NVARCHAR(256) NULL,
  ${trailing("users")}
);`,
      sweepIndex(s, "users"),
      // Single sign-on matches users by email; rosters list users by school.
      `CREATE NONCLUSTERED INDEX ix_users_email ON ${s}.users ([tenant_id], [email]);`,
      `CREATE NONCLUSTERED INDEX ix_users_school ON ${s}.users ([tenant_id], [school_id]);`,
      `CREATE TABLE ${s}.section_enrollments (
  [tenant_id] ${KEY} NOT NULL,
  [section_id] ${KEY} NOT NULL,
  [user_id] ${KEY} NOT NULL,
  [role] NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ck_section_enrollments_role CHECK ([role] IN (N'student', N'teacher')),
  CONSTRAINT pk_section_enrollments PRIMARY KEY CLUSTERED ([tenant_id], [section_id], [user_id], [role])
);`,
      // "Which sections is this user in?"
      `CREATE NONCLUSTERED INDEX ix_section_enrollments_user ON ${s}.section_enrollments ([tenant_id], [user_id]);`,
      `CREATE TABLE ${s}.sync_runs (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [mode] NVARCHAR(16) NOT NULL CONSTRAINT ck_sync_runs_mode CHECK ([mode] IN (N'full', N'incremental')),
  [status] NVARCHAR(16) NOT NULL CONSTRAINT ck_sync_runs_status CHECK ([status] IN (N'running', N'completed', N'failed')),
  [started_at] DATETIME2(3) NOT NULL,
  [finished_at] DATETIME2(3) NULL,
  [counts_json] NVARCHAR(MAX) NULL,
  [error] NVARCHAR(4000) NULL,
  [instance_id] NVARCHAR(200) NULL,
  CONSTRAINT pk_sync_runs PRIMARY KEY CLUSTERED ([tenant_id], [run_id])
);`,
      `CREATE NONCLUSTERED INDEX ix_sync_runs_started ON ${s}.sync_runs ([tenant_id], [started_at] DESC, [run_id] DESC);`,
      `CREATE TABLE ${s}.quarantine (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [entry_hash] NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [resource] NVARCHAR(32) NOT NULL,
  [clever_id] NVARCHAR(64) NULL,
  [reason] NVARCHAR(4000) NOT NULL,
  [raw_json] NVARCHAR(MAX) NOT NULL,
  [quarantined_at] DATETIME2(3) NOT NULL CONSTRAINT df_quarantine_quarantined_at DEFAULT SYSUTCDATETIME(),
  CONSTRAINT pk_quarantine PRIMARY KEY CLUSTERED ([tenant_id], [run_id], [entry_hash])
);`,
      `CREATE NONCLUSTERED INDEX ix_quarantine_time ON ${s}.quarantine ([tenant_id], [quarantined_at] DESC);`,
    ];
}

/** Version 1's tables, for the move. */
const V1_TABLES = ["districts", "schools", "terms", "courses", "sections", "users", "section_enrollments", "sync_runs", "quarantine"] as const;

export const MSSQL_MIGRATIONS: readonly Migration[] = checkedMigrations([
  {
    version: 1,
    name: V1_NAME,
    statements: rosterTablesV1(MSSQL_SCHEMA),
  },
  {
    version: 2,
    name: "tables move from dbo to the clever schema",
    // Only where version 1 ran in dbo (V1_IN_DBO); elsewhere every statement is skipped. The rows
    // are copied rather than moved with ALTER SCHEMA ... TRANSFER, which needs CONTROL on each
    // table (https://learn.microsoft.com/sql/t-sql/statements/alter-schema-transact-sql#permissions)
    // that the app's roles (db_ddladmin, db_datareader, db_datawriter) do not give. One
    // transaction: a large roster takes a while, once; other instances wait on the migration lock.
    statements: [
      ...rosterTablesV1(MSSQL_SCHEMA).map((statement) => whenV1InDbo(statement)),
      // Dynamic SQL: compiled only where it runs (a district's own dbo.users would not bind).
      ...V1_TABLES.map((name) => whenV1InDbo(`  EXEC(N'INSERT INTO ${table(name)} SELECT * FROM dbo.[${name}];');`)),
      whenV1InDbo([...V1_TABLES, "schema_migrations"].map((name) => `  EXEC(N'DROP TABLE dbo.[${name}];');`).join("\n")),
    ],
  },
  {
    version: 3,
    name: "binary collation on every Clever-id reference column",
    // Version 1 gave clever_id a binary collation but the reference columns the database default,
    // so schools.clever_id = users.school_id failed with Msg 468 (collation conflict). A column's
    // collation cannot change while an index or statistics object uses it (ALTER TABLE, "ALTER
    // COLUMN": https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql), so the
    // statistics and indexes on these columns are dropped, the columns altered, the indexes rebuilt.
    statements: [
      `DECLARE @drop NVARCHAR(MAX);
SELECT @drop = STRING_AGG(CONVERT(NVARCHAR(MAX), N'DROP STATISTICS ' + QUOTENAME(d.[schema_name]) + N'.' + QUOTENAME(d.[table_name]) + N'.' + QUOTENAME(d.[stats_name]) + N';'), N' ')
FROM (
  SELECT DISTINCT SCHEMA_NAME(t.[schema_id]) AS [schema_name], t.[name] AS [table_name], s.[name] AS [stats_name]
  FROM sys.stats AS s
  INNER JOIN sys.stats_columns AS sc ON sc.[object_id] = s.[object_id] AND sc.[stats_id] = s.[stats_id]
  INNER JOIN sys.columns AS c ON c.[object_id] = sc.[object_id] AND c.[column_id] = sc.[column_id]
  INNER JOIN sys.tables AS t ON t.[object_id] = s.[object_id]
  INNER JOIN (VALUES ${COLLATION_COLUMNS.map(([t, c]) => `(N'${t}', N'${c}')`).join(", ")}) AS v ([table_name], [column_name]) ON v.[table_name] = t.[name] AND v.[column_name] = c.[name]
  WHERE t.[schema_id] = SCHEMA_ID(N'${MSSQL_SCHEMA}') AND (s.[auto_created] = 1 OR s.[user_created] = 1)
) AS d;
IF @drop IS NOT NULL EXEC sys.sp_executesql @drop;`,
      `DROP INDEX ix_sections_school ON ${table("sections")};`,
      `DROP INDEX ix_sections_teacher ON ${table("sections")};`,
      `DROP INDEX ix_users_school ON ${table("users")};`,
      ...COLLATION_COLUMNS.map(([t, c]) => `ALTER TABLE ${table(t)} ALTER COLUMN [${c}] ${KEY} NULL;`),
      `CREATE NONCLUSTERED INDEX ix_sections_school ON ${table("sections")} ([tenant_id], [school_id]);`,
      `CREATE NONCLUSTERED INDEX ix_sections_teacher ON ${table("sections")} ([tenant_id], [primary_teacher_id]);`,
      `CREATE NONCLUSTERED INDEX ix_users_school ON ${table("users")} ([tenant_id], [school_id]);`,
    ],
  },
  {
    version: 4,
    name: "stale rows: a quarantined record keeps its last good row, flagged",
    statements: [
      `CREATE TABLE ${table("stale_rows")} (
  [tenant_id] ${KEY} NOT NULL,
  [resource] NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [reason] NVARCHAR(4000) NOT NULL,
  [stale_since] DATETIME2(3) NOT NULL,
  CONSTRAINT pk_stale_rows PRIMARY KEY CLUSTERED ([tenant_id], [resource], [clever_id])
);`,
    ],
  },
  {
    version: 5,
    name: "run lease, sync state, held runs, audit log, enrollment soft-delete",
    statements: [
      // One run per tenant: whoever holds this row (and it has not expired) may write the tenant's rows.
      `CREATE TABLE ${table("sync_leases")} (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [instance_id] NVARCHAR(200) NULL,
  [acquired_at] DATETIME2(3) NOT NULL,
  [expires_at] DATETIME2(3) NOT NULL,
  CONSTRAINT pk_sync_leases PRIMARY KEY CLUSTERED ([tenant_id])
);`,
      // The events cursor and the last full sync live with the rows they describe.
      `CREATE TABLE ${table("sync_state")} (
  [tenant_id] ${KEY} NOT NULL,
  [events_cursor] NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NULL,
  [last_full_sync_at] DATETIME2(3) NULL,
  [last_full_run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NULL,
  [updated_at] DATETIME2(3) NOT NULL,
  CONSTRAINT pk_sync_state PRIMARY KEY CLUSTERED ([tenant_id])
);`,
      // A CHECK constraint cannot be altered in place: drop and re-add it with the new status "held".
      `ALTER TABLE ${table("sync_runs")} DROP CONSTRAINT ck_sync_runs_status;`,
      `ALTER TABLE ${table("sync_runs")} ADD CONSTRAINT ck_sync_runs_status CHECK ([status] IN (N'running', N'completed', N'failed', N'held'));`,
      `CREATE TABLE ${table("held_runs")} (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [held_at] DATETIME2(3) NOT NULL,
  [status] NVARCHAR(16) NOT NULL CONSTRAINT ck_held_runs_status CHECK ([status] IN (N'held', N'approved', N'rejected')),
  [reasons_json] NVARCHAR(MAX) NOT NULL,
  [resources_json] NVARCHAR(MAX) NOT NULL,
  [decided_at] DATETIME2(3) NULL,
  [decided_by] NVARCHAR(256) NULL,
  CONSTRAINT pk_held_runs PRIMARY KEY CLUSTERED ([tenant_id], [run_id])
);`,
      `CREATE NONCLUSTERED INDEX ix_held_runs_status ON ${table("held_runs")} ([tenant_id], [status]);`,
      // Enrollment removals a held run did not apply (a section losing most of its students).
      `CREATE TABLE ${table("held_enrollments")} (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [section_id] ${KEY} NOT NULL,
  [user_id] ${KEY} NOT NULL,
  [role] NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
  CONSTRAINT pk_held_enrollments PRIMARY KEY CLUSTERED ([tenant_id], [run_id], [section_id], [user_id], [role])
);`,
      `CREATE TABLE ${table("audit_log")} (
  [audit_id] BIGINT IDENTITY(1,1) NOT NULL,
  [tenant_id] ${KEY} NOT NULL,
  [at] DATETIME2(3) NOT NULL,
  [actor] NVARCHAR(256) NOT NULL,
  [action] NVARCHAR(64) NOT NULL,
  [target] NVARCHAR(200) NOT NULL,
  [details_json] NVARCHAR(MAX) NULL,
  CONSTRAINT pk_audit_log PRIMARY KEY CLUSTERED ([audit_id])
);`,
      `CREATE NONCLUSTERED INDEX ix_audit_log_tenant ON ${table("audit_log")} ([tenant_id], [audit_id] DESC);`,
      // Enrollments are soft-deleted and restored like every roster row.
      `ALTER TABLE ${table("section_enrollments")} ADD [deleted_at] DATETIME2(3) NULL;`,
    ],
  },
  {
    version: 6,
    name: "query views: active students, teachers, sections, student schedule",
    // CREATE VIEW must be alone in its batch: each statement here runs as its own batch.
    statements: viewStatements((name) => table(name), (view) => `CREATE VIEW ${table(view)}`),
  },
  {
    version: 7,
    name: "users: date of birth, gender, ELL/IEP/FRL status columns",
    statements: [
      `ALTER TABLE ${table("users")} ADD [dob] DATE NULL;`,
      `ALTER TABLE ${table("users")} ADD [gender] NVARCHAR(64) NULL;`,
      `ALTER TABLE ${table("users")} ADD [ell_status] NVARCHAR(64) NULL;`,
      `ALTER TABLE ${table("users")} ADD [iep_status] NVARCHAR(64) NULL;`,
      `ALTER TABLE ${table("users")} ADD [frl_status] NVARCHAR(64) NULL;`,
    ],
  },
  {
    version: 8,
    name: "user_schools and contact_relationships, with views of a student's schools and contacts",
    statements: [
      `CREATE TABLE ${table("user_schools")} (
  [tenant_id] ${KEY} NOT NULL,
  [user_id] ${KEY} NOT NULL,
  [school_id] ${KEY} NOT NULL,
  [deleted_at] DATETIME2(3) NULL,
  CONSTRAINT pk_user_schools PRIMARY KEY CLUSTERED ([tenant_id], [user_id], [school_id])
);`,
      // "Who is at this school?"
      `CREATE NONCLUSTERED INDEX ix_user_schools_school ON ${table("user_schools")} ([tenant_id], [school_id]);`,
      `CREATE TABLE ${table("contact_relationships")} (
  [tenant_id] ${KEY} NOT NULL,
  [contact_id] ${KEY} NOT NULL,
  [student_id] ${KEY} NOT NULL,
  [relationship] NVARCHAR(64) NULL,
  [type] NVARCHAR(64) NULL,
  [deleted_at] DATETIME2(3) NULL,
  CONSTRAINT pk_contact_relationships PRIMARY KEY CLUSTERED ([tenant_id], [contact_id], [student_id])
);`,
      // "Who are this student's contacts?"
      `CREATE NONCLUSTERED INDEX ix_contact_relationships_student ON ${table("contact_relationships")} ([tenant_id], [student_id]);`,
      // CREATE VIEW must be alone in its batch: each statement here runs as its own batch.
      ...userLinkViewStatements((name) => table(name), (view) => `CREATE VIEW ${table(view)}`),
    ],
  },
]);
