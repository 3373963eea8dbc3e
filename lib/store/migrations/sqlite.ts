/**
 * SQLite schema migrations. Frozen once released: change the schema by appending a migration.
 *
 * STRICT tables make SQLite check column types like SQL Server does. Times are ISO-8601 UTC
 * text (sortable as text), booleans INTEGER 0/1. Every index starts with tenant_id because every
 * query filters on it. The partial "sweep" index holds live rows only, keyed by run_id, so
 * softDeleteMissing reads just the rows the current run did not touch.
 */
import { userLinkViewStatements, viewStatements } from "../views";
import { checkedMigrations, type Migration } from "./migration";

export const SQLITE_BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

/** The bookkeeping columns every roster table ends with. */
const TRAILING = `raw_json TEXT NOT NULL,
  clever_last_modified TEXT,
  synced_at TEXT NOT NULL,
  run_id TEXT NOT NULL,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, clever_id)`;

const sweepIndex = (table: string): string => `CREATE INDEX ix_${table}_sweep ON ${table} (tenant_id, run_id) WHERE deleted_at IS NULL`;

export const SQLITE_MIGRATIONS: readonly Migration[] = checkedMigrations([
  {
    version: 1,
    name: "roster tables, section enrollments, sync runs, quarantine",
    statements: [
      `CREATE TABLE districts (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  name TEXT,
  state TEXT,
  nces_id TEXT,
  sis_type TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("districts"),
      `CREATE TABLE schools (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  district_id TEXT,
  name TEXT,
  sis_id TEXT,
  school_number TEXT,
  state_id TEXT,
  nces_id TEXT,
  low_grade TEXT,
  high_grade TEXT,
  phone TEXT,
  city TEXT,
  state TEXT,
  zip TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("schools"),
      `CREATE TABLE terms (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  district_id TEXT,
  name TEXT,
  start_date TEXT,
  end_date TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("terms"),
      `CREATE TABLE courses (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  district_id TEXT,
  name TEXT,
  number TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("courses"),
      `CREATE TABLE sections (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  district_id TEXT,
  school_id TEXT,
  course_id TEXT,
  term_id TEXT,
  name TEXT,
  period TEXT,
  subject TEXT,
  grade TEXT,
  sis_id TEXT,
  section_number TEXT,
  primary_teacher_id TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("sections"),
      // Rosters by school and by teacher are the common questions.
      `CREATE INDEX ix_sections_school ON sections (tenant_id, school_id)`,
      `CREATE INDEX ix_sections_teacher ON sections (tenant_id, primary_teacher_id)`,
      `CREATE TABLE users (
  tenant_id TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  district_id TEXT,
  email TEXT,
  first_name TEXT,
  middle_name TEXT,
  last_name TEXT,
  is_student INTEGER CHECK (is_student IN (0, 1)),
  is_teacher INTEGER CHECK (is_teacher IN (0, 1)),
  is_staff INTEGER CHECK (is_staff IN (0, 1)),
  is_district_admin INTEGER CHECK (is_district_admin IN (0, 1)),
  is_contact INTEGER CHECK (is_contact IN (0, 1)),
  student_sis_id TEXT,
  student_number TEXT,
  student_state_id TEXT,
  grade TEXT,
  school_id TEXT,
  teacher_sis_id TEXT,
  teacher_number TEXT,
  teacher_state_id TEXT,
  teacher_title TEXT,
  staff_id TEXT,
  staff_title TEXT,
  ${TRAILING}
) STRICT`,
      sweepIndex("users"),
      // Single sign-on matches users by email; rosters list users by school.
      `CREATE INDEX ix_users_email ON users (tenant_id, email)`,
      `CREATE INDEX ix_users_school ON users (tenant_id, school_id)`,
      `CREATE TABLE section_enrollments (
  tenant_id TEXT NOT NULL,
  section_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('student', 'teacher')),
  PRIMARY KEY (tenant_id, section_id, user_id, role)
) STRICT, WITHOUT ROWID`,
      // "Which sections is this user in?"
      `CREATE INDEX ix_section_enrollments_user ON section_enrollments (tenant_id, user_id)`,
      `CREATE TABLE sync_runs (
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  counts_json TEXT,
  error TEXT,
  instance_id TEXT,
  PRIMARY KEY (tenant_id, run_id)
) STRICT`,
      `CREATE INDEX ix_sync_runs_started ON sync_runs (tenant_id, started_at DESC, run_id DESC)`,
      `CREATE TABLE quarantine (
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  entry_hash TEXT NOT NULL,
  resource TEXT NOT NULL,
  clever_id TEXT,
  reason TEXT NOT NULL,
  raw_json TEXT NOT NULL,
  quarantined_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (tenant_id, run_id, entry_hash)
) STRICT`,
      `CREATE INDEX ix_quarantine_time ON quarantine (tenant_id, quarantined_at DESC)`,
    ],
  },
  {
    version: 2,
    name: "stale rows: a quarantined record keeps its last good row, flagged",
    statements: [
      `CREATE TABLE stale_rows (
  tenant_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  clever_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  stale_since TEXT NOT NULL,
  PRIMARY KEY (tenant_id, resource, clever_id)
) STRICT, WITHOUT ROWID`,
    ],
  },
  {
    version: 3,
    name: "run lease, sync state, held runs, audit log, enrollment soft-delete",
    statements: [
      // One run per tenant: whoever holds this row (and it has not expired) may write the tenant's rows.
      `CREATE TABLE sync_leases (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  run_id TEXT NOT NULL,
  instance_id TEXT,
  acquired_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT`,
      // The events cursor and the last full sync live with the rows they describe.
      `CREATE TABLE sync_state (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  events_cursor TEXT,
  last_full_sync_at TEXT,
  last_full_run_id TEXT,
  updated_at TEXT NOT NULL
) STRICT`,
      // SQLite cannot alter a CHECK constraint: rebuild sync_runs with the new status "held".
      `CREATE TABLE sync_runs_v2 (
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'held')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  counts_json TEXT,
  error TEXT,
  instance_id TEXT,
  PRIMARY KEY (tenant_id, run_id)
) STRICT`,
      `INSERT INTO sync_runs_v2 SELECT tenant_id, run_id, mode, status, started_at, finished_at, counts_json, error, instance_id FROM sync_runs`,
      `DROP TABLE sync_runs`,
      `ALTER TABLE sync_runs_v2 RENAME TO sync_runs`,
      `CREATE INDEX ix_sync_runs_started ON sync_runs (tenant_id, started_at DESC, run_id DESC)`,
      `CREATE TABLE held_runs (
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  held_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('held', 'approved', 'rejected')),
  reasons_json TEXT NOT NULL,
  resources_json TEXT NOT NULL,
  decided_at TEXT,
  decided_by TEXT,
  PRIMARY KEY (tenant_id, run_id)
) STRICT`,
      `CREATE INDEX ix_held_runs_status ON held_runs (tenant_id, status)`,
      // Enrollment removals a held run did not apply (a section losing most of its students).
      `CREATE TABLE held_enrollments (
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  section_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (tenant_id, run_id, section_id, user_id, role)
) STRICT, WITHOUT ROWID`,
      `CREATE TABLE audit_log (
  audit_id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details_json TEXT
) STRICT`,
      `CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, audit_id DESC)`,
      // Enrollments are soft-deleted and restored like every roster row.
      `ALTER TABLE section_enrollments ADD COLUMN deleted_at TEXT`,
    ],
  },
  {
    version: 4,
    name: "query views: active students, teachers, sections, student schedule",
    statements: viewStatements((table) => table, (view) => `CREATE VIEW ${view}`),
  },
  {
    version: 5,
    name: "users: date of birth, gender, ELL/IEP/FRL status columns",
    statements: [
      `ALTER TABLE users ADD COLUMN dob TEXT`,
      `ALTER TABLE users ADD COLUMN gender TEXT`,
      `ALTER TABLE users ADD COLUMN ell_status TEXT`,
      `ALTER TABLE users ADD COLUMN iep_status TEXT`,
      `ALTER TABLE users ADD COLUMN frl_status TEXT`,
    ],
  },
  {
    version: 6,
    name: "user_schools and contact_relationships, with views of a student's schools and contacts",
    statements: [
      `CREATE TABLE user_schools (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  school_id TEXT NOT NULL,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, user_id, school_id)
) STRICT, WITHOUT ROWID`,
      // "Who is at this school?"
      `CREATE INDEX ix_user_schools_school ON user_schools (tenant_id, school_id)`,
      `CREATE TABLE contact_relationships (
  tenant_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  student_id TEXT NOT NULL,
  relationship TEXT,
  type TEXT,
  deleted_at TEXT,
  PRIMARY KEY (tenant_id, contact_id, student_id)
) STRICT, WITHOUT ROWID`,
      // "Who are this student's contacts?"
      `CREATE INDEX ix_contact_relationships_student ON contact_relationships (tenant_id, student_id)`,
      ...userLinkViewStatements((table) => table, (view) => `CREATE VIEW ${view}`),
    ],
  },
]);
