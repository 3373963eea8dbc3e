/**
 * Table and column definitions shared by both dialects: the typed columns of each roster table,
 * their kinds and widths, and the bookkeeping columns every roster row carries. Queries are built
 * from these lists; the migrations hold the frozen DDL (a test checks that the two agree), so a
 * change here needs a new migration in migrations/sqlite.ts and migrations/mssql.ts.
 */
import type { RosterResource } from "./types";

/** text: NVARCHAR(maxLength) / TEXT; bool: BIT / INTEGER 0|1; date: DATE / TEXT 'YYYY-MM-DD'. */
export type ColumnKind = "text" | "bool" | "date";

export interface ColumnDef {
  name: string;
  kind: ColumnKind;
  /** Text only: longer values are cut to this many UTF-16 code units (raw_json keeps the full value). */
  maxLength?: number;
  /** A Clever id pointing at the clever_id of this roster table (joins need the same collation on both sides). */
  references?: RosterResource;
}

/** Widths. Ids are Clever's 24 hex characters; the slack tolerates other id schemes without a migration. */
export const ID_MAX_LENGTH = 64;
export const TENANT_ID_MAX_LENGTH = 64;
export const RUN_ID_MAX_LENGTH = 100;
export const INSTANCE_ID_MAX_LENGTH = 200;
export const REASON_MAX_LENGTH = 4000;
export const ERROR_MAX_LENGTH = 4000;
const NAME = 256;
const CODE = 64;
const SIS = 128;
const EMAIL = 320;

const text = (name: string, maxLength: number): ColumnDef => ({ name, kind: "text", maxLength });
const id = (name: string, references: RosterResource): ColumnDef => ({ ...text(name, ID_MAX_LENGTH), references });
const bool = (name: string): ColumnDef => ({ name, kind: "bool" });
const date = (name: string): ColumnDef => ({ name, kind: "date" });

/** Typed columns per roster table, in table order. Table name = resource name. */
export const ROSTER_COLUMNS: Readonly<Record<RosterResource, readonly ColumnDef[]>> = {
  // `state` is Clever's district sync state (running, pending, error ...), not a US state.
  districts: [text("name", NAME), text("state", CODE), text("nces_id", CODE), text("sis_type", CODE)],
  schools: [
    id("district_id", "districts"),
    text("name", NAME),
    text("sis_id", SIS),
    text("school_number", SIS),
    text("state_id", SIS),
    text("nces_id", CODE),
    text("low_grade", CODE),
    text("high_grade", CODE),
    text("phone", CODE),
    text("city", NAME),
    text("state", CODE),
    text("zip", CODE),
  ],
  terms: [id("district_id", "districts"), text("name", NAME), date("start_date"), date("end_date")],
  courses: [id("district_id", "districts"), text("name", NAME), text("number", SIS)],
  sections: [
    id("district_id", "districts"),
    id("school_id", "schools"),
    id("course_id", "courses"),
    id("term_id", "terms"),
    text("name", NAME),
    text("period", CODE),
    text("subject", CODE),
    text("grade", CODE),
    text("sis_id", SIS),
    text("section_number", SIS),
    id("primary_teacher_id", "users"),
  ],
  users: [
    id("district_id", "districts"),
    text("email", EMAIL),
    text("first_name", NAME),
    text("middle_name", NAME),
    text("last_name", NAME),
    bool("is_student"),
    bool("is_teacher"),
    bool("is_staff"),
    bool("is_district_admin"),
    bool("is_contact"),
    text("student_sis_id", SIS),
    text("student_number", SIS),
    text("student_state_id", SIS),
    text("grade", CODE),
    id("school_id", "schools"),
    text("teacher_sis_id", SIS),
    text("teacher_number", SIS),
    text("teacher_state_id", SIS),
    text("teacher_title", NAME),
    text("staff_id", SIS),
    text("staff_title", NAME),
    // Added by migration 4 (so stored after the bookkeeping columns): what districts filter on.
    date("dob"),
    text("gender", CODE),
    text("ell_status", CODE),
    text("iep_status", CODE),
    text("frl_status", CODE),
  ],
};

/** Typed columns added after a table was created: physically after its bookkeeping columns. */
export const ADDED_COLUMNS: Readonly<Partial<Record<RosterResource, readonly string[]>>> = {
  users: ["dob", "gender", "ell_status", "iep_status", "frl_status"],
};

/** Columns every roster table has besides its typed columns (key first, bookkeeping last). */
export const ROSTER_KEY_COLUMNS = ["tenant_id", "clever_id"] as const;
export const ROSTER_TRAILING_COLUMNS = ["raw_json", "clever_last_modified", "synced_at", "run_id", "deleted_at"] as const;

export const ENROLLMENTS_TABLE = "section_enrollments";
export const ENROLLMENT_COLUMNS = ["tenant_id", "section_id", "user_id", "role", "deleted_at"] as const;
export const RUNS_TABLE = "sync_runs";
export const RUN_COLUMNS = ["tenant_id", "run_id", "mode", "status", "started_at", "finished_at", "counts_json", "error", "instance_id"] as const;
export const QUARANTINE_TABLE = "quarantine";
export const QUARANTINE_COLUMNS = ["tenant_id", "run_id", "entry_hash", "resource", "clever_id", "reason", "raw_json", "quarantined_at"] as const;
export const STALE_TABLE = "stale_rows";
export const STALE_COLUMNS = ["tenant_id", "resource", "clever_id", "run_id", "reason", "stale_since"] as const;
export const MIGRATIONS_TABLE = "schema_migrations";
export const LEASES_TABLE = "sync_leases";
export const LEASE_COLUMNS = ["tenant_id", "run_id", "instance_id", "acquired_at", "expires_at"] as const;
export const STATE_TABLE = "sync_state";
export const STATE_COLUMNS = ["tenant_id", "events_cursor", "last_full_sync_at", "last_full_run_id", "updated_at"] as const;
export const HELD_TABLE = "held_runs";
export const HELD_COLUMNS = ["tenant_id", "run_id", "held_at", "status", "reasons_json", "resources_json", "decided_at", "decided_by"] as const;
export const HELD_ENROLLMENTS_TABLE = "held_enrollments";
export const HELD_ENROLLMENT_COLUMNS = ["tenant_id", "run_id", "section_id", "user_id", "role"] as const;
export const AUDIT_TABLE = "audit_log";
export const AUDIT_COLUMNS = ["audit_id", "tenant_id", "at", "actor", "action", "target", "details_json"] as const;
/** One row per user and school the user belongs to (Clever: users' roles.<role>.school/schools). */
export const USER_SCHOOLS_TABLE = "user_schools";
export const USER_SCHOOL_COLUMNS = ["tenant_id", "user_id", "school_id", "deleted_at"] as const;
/** One row per contact and student (Clever v3.0: users' roles.contact.student_relationships). */
export const CONTACTS_TABLE = "contact_relationships";
export const CONTACT_COLUMNS = ["tenant_id", "contact_id", "student_id", "relationship", "type", "deleted_at"] as const;
/** Width of contact_relationships.relationship and .type (Clever's values are short enums). */
export const RELATIONSHIP_MAX_LENGTH = 64;

/** All column names of a roster table in DDL order. */
export function rosterTableColumns(resource: RosterResource): string[] {
  const added = ADDED_COLUMNS[resource] ?? [];
  const original = ROSTER_COLUMNS[resource].map((c) => c.name).filter((name) => !added.includes(name));
  return [...ROSTER_KEY_COLUMNS, ...original, ...ROSTER_TRAILING_COLUMNS, ...added];
}

/** Every table the migrations create, with its columns in DDL order. */
export function allTables(): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const resource of Object.keys(ROSTER_COLUMNS) as RosterResource[]) out[resource] = rosterTableColumns(resource);
  out[ENROLLMENTS_TABLE] = ENROLLMENT_COLUMNS;
  out[RUNS_TABLE] = RUN_COLUMNS;
  out[QUARANTINE_TABLE] = QUARANTINE_COLUMNS;
  out[STALE_TABLE] = STALE_COLUMNS;
  out[MIGRATIONS_TABLE] = ["version", "name", "applied_at"];
  out[LEASES_TABLE] = LEASE_COLUMNS;
  out[STATE_TABLE] = STATE_COLUMNS;
  out[HELD_TABLE] = HELD_COLUMNS;
  out[HELD_ENROLLMENTS_TABLE] = HELD_ENROLLMENT_COLUMNS;
  out[AUDIT_TABLE] = AUDIT_COLUMNS;
  out[USER_SCHOOLS_TABLE] = USER_SCHOOL_COLUMNS;
  out[CONTACTS_TABLE] = CONTACT_COLUMNS;
  return out;
}

/**
 * One join between a Clever-id column and the roster table it points at. `when` narrows the
 * referencing rows (quarantine rows name their table in `resource`).
 */
export interface Relationship {
  table: string;
  column: string;
  references: RosterResource;
  when?: { column: string; equals: string };
}

/** Every relationship in the schema, derived from the column definitions (new references are covered automatically). */
export function relationships(): Relationship[] {
  const out: Relationship[] = [];
  for (const resource of Object.keys(ROSTER_COLUMNS) as RosterResource[]) {
    for (const column of ROSTER_COLUMNS[resource]) if (column.references) out.push({ table: resource, column: column.name, references: column.references });
  }
  out.push({ table: ENROLLMENTS_TABLE, column: "section_id", references: "sections" }, { table: ENROLLMENTS_TABLE, column: "user_id", references: "users" });
  out.push({ table: USER_SCHOOLS_TABLE, column: "user_id", references: "users" }, { table: USER_SCHOOLS_TABLE, column: "school_id", references: "schools" });
  out.push({ table: CONTACTS_TABLE, column: "contact_id", references: "users" }, { table: CONTACTS_TABLE, column: "student_id", references: "users" });
  for (const resource of Object.keys(ROSTER_COLUMNS) as RosterResource[]) {
    out.push({ table: QUARANTINE_TABLE, column: "clever_id", references: resource, when: { column: "resource", equals: resource } });
  }
  return out;
}

/**
 * Columns named like ids that hold the district's own identifiers (SIS numbers, state and NCES
 * codes) or a Durable instance id, not Clever ids: they are never joined to a clever_id, so they
 * keep the database collation. Every other *_id column is a Clever, tenant or run id and must be
 * binary-collated on SQL Server (test/store/mssqlCollation.test.ts checks the final schema).
 */
export function nonCleverIdColumns(): Set<string> {
  // instance_id: a durable instance id; audit_id: the audit log's own numeric key. Neither meets a Clever id.
  const out = new Set<string>(["instance_id", "audit_id"]);
  for (const columns of Object.values(ROSTER_COLUMNS)) for (const c of columns) if (c.name.endsWith("_id") && !c.references) out.add(c.name);
  return out;
}
