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
 */
import { checkedMigrations, type Migration } from "./migration";

const KEY = "NVARCHAR(64) COLLATE Latin1_General_100_BIN2";

export const MSSQL_BOOTSTRAP = `IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
CREATE TABLE dbo.schema_migrations (
  [version] INT NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
  [name] NVARCHAR(200) NOT NULL,
  [applied_at] DATETIME2(3) NOT NULL
);`;

const trailing = (table: string): string => `[raw_json] NVARCHAR(MAX) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [clever_last_modified] DATETIME2(3) NULL,
  [synced_at] DATETIME2(3) NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [deleted_at] DATETIME2(3) NULL,
  CONSTRAINT pk_${table} PRIMARY KEY CLUSTERED ([tenant_id], [clever_id])`;

const sweepIndex = (table: string): string => `CREATE NONCLUSTERED INDEX ix_${table}_sweep ON dbo.${table} ([tenant_id], [run_id]) WHERE [deleted_at] IS NULL;`;

export const MSSQL_MIGRATIONS: readonly Migration[] = checkedMigrations([
  {
    version: 1,
    name: "roster tables, section enrollments, sync runs, quarantine",
    statements: [
      `CREATE TABLE dbo.districts (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [name] NVARCHAR(256) NULL,
  [state] NVARCHAR(64) NULL,
  [nces_id] NVARCHAR(64) NULL,
  [sis_type] NVARCHAR(64) NULL,
  ${trailing("districts")}
);`,
      sweepIndex("districts"),
      `CREATE TABLE dbo.schools (
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
      sweepIndex("schools"),
      `CREATE TABLE dbo.terms (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [start_date] DATE NULL,
  [end_date] DATE NULL,
  ${trailing("terms")}
);`,
      sweepIndex("terms"),
      `CREATE TABLE dbo.courses (
  [tenant_id] ${KEY} NOT NULL,
  [clever_id] ${KEY} NOT NULL,
  [district_id] NVARCHAR(64) NULL,
  [name] NVARCHAR(256) NULL,
  [number] NVARCHAR(128) NULL,
  ${trailing("courses")}
);`,
      sweepIndex("courses"),
      `CREATE TABLE dbo.sections (
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
      sweepIndex("sections"),
      // Rosters by school and by teacher are the common questions.
      `CREATE NONCLUSTERED INDEX ix_sections_school ON dbo.sections ([tenant_id], [school_id]);`,
      `CREATE NONCLUSTERED INDEX ix_sections_teacher ON dbo.sections ([tenant_id], [primary_teacher_id]);`,
      `CREATE TABLE dbo.users (
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
      sweepIndex("users"),
      // Single sign-on matches users by email; rosters list users by school.
      `CREATE NONCLUSTERED INDEX ix_users_email ON dbo.users ([tenant_id], [email]);`,
      `CREATE NONCLUSTERED INDEX ix_users_school ON dbo.users ([tenant_id], [school_id]);`,
      `CREATE TABLE dbo.section_enrollments (
  [tenant_id] ${KEY} NOT NULL,
  [section_id] ${KEY} NOT NULL,
  [user_id] ${KEY} NOT NULL,
  [role] NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ck_section_enrollments_role CHECK ([role] IN (N'student', N'teacher')),
  CONSTRAINT pk_section_enrollments PRIMARY KEY CLUSTERED ([tenant_id], [section_id], [user_id], [role])
);`,
      // "Which sections is this user in?"
      `CREATE NONCLUSTERED INDEX ix_section_enrollments_user ON dbo.section_enrollments ([tenant_id], [user_id]);`,
      `CREATE TABLE dbo.sync_runs (
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
      `CREATE NONCLUSTERED INDEX ix_sync_runs_started ON dbo.sync_runs ([tenant_id], [started_at] DESC, [run_id] DESC);`,
      `CREATE TABLE dbo.quarantine (
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
      `CREATE NONCLUSTERED INDEX ix_quarantine_time ON dbo.quarantine ([tenant_id], [quarantined_at] DESC);`,
    ],
  },
  {
    version: 2,
    name: "stale rows: a quarantined record keeps its last good row, flagged",
    statements: [
      `CREATE TABLE dbo.stale_rows (
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
]);
