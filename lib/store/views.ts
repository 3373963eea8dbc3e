/**
 * Query views over the mirror for what districts ask first, one definition for both dialects
 * (plain joins that SQLite and T-SQL read alike; only the table prefix differs). Every view
 * carries tenant_id and filters soft-deleted rows. Documented in docs/querying.md.
 * Frozen with migration 3 (both dialects build their CREATE VIEW from here): change a view by
 * appending a migration that drops and re-creates it, never by editing this text.
 */
export const ROSTER_VIEWS = ["v_active_students", "v_teachers", "v_sections", "v_student_schedule", "v_student_schools", "v_student_contacts"] as const;
export type RosterView = (typeof ROSTER_VIEWS)[number];

/** Columns of each view in order; the first ones are its key (rows are listed in that order). */
export const VIEW_COLUMNS: Readonly<Record<RosterView, readonly string[]>> = {
  v_active_students: ["tenant_id", "student_id", "first_name", "last_name", "email", "grade", "student_number", "student_sis_id", "school_id", "school_name"],
  v_teachers: ["tenant_id", "teacher_id", "first_name", "last_name", "email", "teacher_number", "teacher_sis_id", "teacher_title", "school_id", "school_name"],
  v_sections: ["tenant_id", "section_id", "name", "period", "subject", "grade", "school_id", "school_name", "term_id", "teacher_id", "teacher_first_name", "teacher_last_name", "student_count"],
  v_student_schedule: ["tenant_id", "student_id", "section_id", "section_name", "period", "subject", "school_id", "term_id", "term_name", "teacher_id", "teacher_first_name", "teacher_last_name"],
  v_student_schools: ["tenant_id", "student_id", "school_id", "school_name", "is_primary"],
  v_student_contacts: ["tenant_id", "student_id", "contact_id", "contact_name", "contact_email", "relationship", "type"],
};

/** Key columns each view's rows are ordered by. */
export const VIEW_ORDER: Readonly<Record<RosterView, readonly string[]>> = {
  v_active_students: ["student_id"],
  v_teachers: ["teacher_id"],
  v_sections: ["section_id"],
  v_student_schedule: ["student_id", "section_id"],
  v_student_schools: ["student_id", "school_id"],
  v_student_contacts: ["student_id", "contact_id"],
};

/** CREATE VIEW statements; `t` qualifies a table name (`dbo.users` on SQL Server, `users` on SQLite). */
export function viewStatements(t: (table: string) => string, createView: (view: string) => string): string[] {
  const live = (alias: string, table: string, on: string) => `LEFT JOIN ${t(table)} ${alias} ON ${alias}.tenant_id = ${on} AND ${alias}.deleted_at IS NULL`;
  return [
    `${createView("v_active_students")} AS
SELECT u.tenant_id, u.clever_id AS student_id, u.first_name, u.last_name, u.email, u.grade, u.student_number, u.student_sis_id, u.school_id, s.name AS school_name
FROM ${t("users")} u
${live("s", "schools", "u.tenant_id AND s.clever_id = u.school_id")}
WHERE u.deleted_at IS NULL AND u.is_student = 1`,
    `${createView("v_teachers")} AS
SELECT u.tenant_id, u.clever_id AS teacher_id, u.first_name, u.last_name, u.email, u.teacher_number, u.teacher_sis_id, u.teacher_title, u.school_id, s.name AS school_name
FROM ${t("users")} u
${live("s", "schools", "u.tenant_id AND s.clever_id = u.school_id")}
WHERE u.deleted_at IS NULL AND u.is_teacher = 1`,
    `${createView("v_sections")} AS
SELECT c.tenant_id, c.clever_id AS section_id, c.name, c.period, c.subject, c.grade, c.school_id, s.name AS school_name, c.term_id,
  c.primary_teacher_id AS teacher_id, tu.first_name AS teacher_first_name, tu.last_name AS teacher_last_name,
  (SELECT COUNT(*) FROM ${t("section_enrollments")} e INNER JOIN ${t("users")} su ON su.tenant_id = e.tenant_id AND su.clever_id = e.user_id AND su.deleted_at IS NULL
    WHERE e.tenant_id = c.tenant_id AND e.section_id = c.clever_id AND e.role = 'student' AND e.deleted_at IS NULL) AS student_count
FROM ${t("sections")} c
${live("s", "schools", "c.tenant_id AND s.clever_id = c.school_id")}
${live("tu", "users", "c.tenant_id AND tu.clever_id = c.primary_teacher_id")}
WHERE c.deleted_at IS NULL`,
    `${createView("v_student_schedule")} AS
SELECT e.tenant_id, e.user_id AS student_id, c.clever_id AS section_id, c.name AS section_name, c.period, c.subject, c.school_id, c.term_id, tm.name AS term_name,
  c.primary_teacher_id AS teacher_id, tu.first_name AS teacher_first_name, tu.last_name AS teacher_last_name
FROM ${t("section_enrollments")} e
INNER JOIN ${t("sections")} c ON c.tenant_id = e.tenant_id AND c.clever_id = e.section_id AND c.deleted_at IS NULL
INNER JOIN ${t("users")} st ON st.tenant_id = e.tenant_id AND st.clever_id = e.user_id AND st.deleted_at IS NULL
${live("tm", "terms", "c.tenant_id AND tm.clever_id = c.term_id")}
${live("tu", "users", "c.tenant_id AND tu.clever_id = c.primary_teacher_id")}
WHERE e.role = 'student' AND e.deleted_at IS NULL`,
  ];
}

/**
 * The views over user_schools and contact_relationships (a later migration than viewStatements;
 * frozen the same way). A membership or relationship shows while it, its student, and its school
 * or contact are all live. Clever stores a contact's full name in name.last
 * (https://dev.clever.com/docs/student-contacts), hence contact_name = last_name.
 */
export function userLinkViewStatements(t: (table: string) => string, createView: (view: string) => string): string[] {
  return [
    `${createView("v_student_schools")} AS
SELECT us.tenant_id, us.user_id AS student_id, us.school_id, s.name AS school_name,
  CASE WHEN u.school_id = us.school_id THEN 1 ELSE 0 END AS is_primary
FROM ${t("user_schools")} us
INNER JOIN ${t("users")} u ON u.tenant_id = us.tenant_id AND u.clever_id = us.user_id AND u.deleted_at IS NULL
INNER JOIN ${t("schools")} s ON s.tenant_id = us.tenant_id AND s.clever_id = us.school_id AND s.deleted_at IS NULL
WHERE us.deleted_at IS NULL AND u.is_student = 1`,
    `${createView("v_student_contacts")} AS
SELECT cr.tenant_id, cr.student_id, cr.contact_id, c.last_name AS contact_name, c.email AS contact_email, cr.relationship, cr.type
FROM ${t("contact_relationships")} cr
INNER JOIN ${t("users")} c ON c.tenant_id = cr.tenant_id AND c.clever_id = cr.contact_id AND c.deleted_at IS NULL
INNER JOIN ${t("users")} st ON st.tenant_id = cr.tenant_id AND st.clever_id = cr.student_id AND st.deleted_at IS NULL
WHERE cr.deleted_at IS NULL`,
  ];
}
