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
import { viewStatements } from "../views";
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
    name: "run lease, sync state, held runs, audit log, enrollment soft-delete",
    statements: [
      // One run per tenant: whoever holds this row (and it has not expired) may write the tenant's rows.
      `CREATE TABLE dbo.sync_leases (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [instance_id] NVARCHAR(200) NULL,
  [acquired_at] DATETIME2(3) NOT NULL,
  [expires_at] DATETIME2(3) NOT NULL,
  CONSTRAINT pk_sync_leases PRIMARY KEY CLUSTERED ([tenant_id])
);`,
      // The events cursor and the last full sync live with the rows they describe.
      `CREATE TABLE dbo.sync_state (
  [tenant_id] ${KEY} NOT NULL,
  [events_cursor] NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NULL,
  [last_full_sync_at] DATETIME2(3) NULL,
  [last_full_run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NULL,
  [updated_at] DATETIME2(3) NOT NULL,
  CONSTRAINT pk_sync_state PRIMARY KEY CLUSTERED ([tenant_id])
);`,
      // A CHECK constraint cannot be altered in place: drop and re-add it with the new status "held".
      `ALTER TABLE dbo.sync_runs DROP CONSTRAINT ck_sync_runs_status;`,
      `ALTER TABLE dbo.sync_runs ADD CONSTRAINT ck_sync_runs_status CHECK ([status] IN (N'running', N'completed', N'failed', N'held'));`,
      `CREATE TABLE dbo.held_runs (
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
      `CREATE NONCLUSTERED INDEX ix_held_runs_status ON dbo.held_runs ([tenant_id], [status]);`,
      // Enrollment removals a held run did not apply (a section losing most of its students).
      `CREATE TABLE dbo.held_enrollments (
  [tenant_id] ${KEY} NOT NULL,
  [run_id] NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
  [section_id] ${KEY} NOT NULL,
  [user_id] ${KEY} NOT NULL,
  [role] NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
  CONSTRAINT pk_held_enrollments PRIMARY KEY CLUSTERED ([tenant_id], [run_id], [section_id], [user_id], [role])
);`,
      `CREATE TABLE dbo.audit_log (
  [audit_id] BIGINT IDENTITY(1,1) NOT NULL,
  [tenant_id] ${KEY} NOT NULL,
  [at] DATETIME2(3) NOT NULL,
  [actor] NVARCHAR(256) NOT NULL,
  [action] NVARCHAR(64) NOT NULL,
  [target] NVARCHAR(200) NOT NULL,
  [details_json] NVARCHAR(MAX) NULL,
  CONSTRAINT pk_audit_log PRIMARY KEY CLUSTERED ([audit_id])
);`,
      `CREATE NONCLUSTERED INDEX ix_audit_log_tenant ON dbo.audit_log ([tenant_id], [audit_id] DESC);`,
      // Enrollments are soft-deleted and restored like every roster row.
      `ALTER TABLE dbo.section_enrollments ADD [deleted_at] DATETIME2(3) NULL;`,
    ],
  },
  {
    version: 3,
    name: "query views: active students, teachers, sections, student schedule",
    // CREATE VIEW must be alone in its batch: each statement here runs as its own batch.
    statements: viewStatements((table) => `dbo.${table}`, (view) => `CREATE VIEW dbo.${view}`),
  },
  {
    version: 4,
    name: "users: date of birth, gender, ELL/IEP/FRL status columns",
    statements: [
      `ALTER TABLE dbo.users ADD [dob] DATE NULL;`,
      `ALTER TABLE dbo.users ADD [gender] NVARCHAR(64) NULL;`,
      `ALTER TABLE dbo.users ADD [ell_status] NVARCHAR(64) NULL;`,
      `ALTER TABLE dbo.users ADD [iep_status] NVARCHAR(64) NULL;`,
      `ALTER TABLE dbo.users ADD [frl_status] NVARCHAR(64) NULL;`,
    ],
  },
]);
