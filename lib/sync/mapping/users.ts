/**
 * users → name and email, one flag per role (a user may hold several), and the most-queried
 * per-role fields, and the student demographics districts filter on (dob as a date, gender,
 * ELL/IEP/FRL status as Clever sends them), every school the user belongs to (user_schools) and a
 * contact's student relationships (contact_relationships). The rest (credentials ...) stays in
 * raw JSON. Field names follow Clever/swagger-api v3.0.yml: Student.school/schools,
 * Teacher.school/schools, Staff.schools (string arrays of school ids), Contact.student_relationships
 * (items StudentRelationship: student, relationship, type).
 */
import { z } from "zod";
import { baseFields, cleverId, cleverIdList, optionalCleverId, optionalObject, optionalText, type ResourceMapping } from "./common";

const roles = z.object({
  student: optionalObject({
    sis_id: optionalText,
    student_number: optionalText,
    state_id: optionalText,
    grade: optionalText,
    school: optionalCleverId,
    schools: cleverIdList,
    dob: optionalText,
    gender: optionalText,
    ell_status: optionalText,
    iep_status: optionalText,
    frl_status: optionalText,
  }),
  teacher: optionalObject({
    sis_id: optionalText,
    teacher_number: optionalText,
    state_id: optionalText,
    title: optionalText,
    school: optionalCleverId,
    schools: cleverIdList,
  }),
  staff: optionalObject({ staff_id: optionalText, title: optionalText, schools: cleverIdList }),
  district_admin: optionalObject({ title: optionalText }),
  contact: optionalObject({
    sis_id: optionalText,
    student_relationships: z.array(z.object({ student: cleverId, relationship: optionalText, type: optionalText })).nullish(),
  }),
});

const userSchema = z.object({
  ...baseFields,
  district: cleverId,
  email: optionalText,
  name: optionalObject({ first: optionalText, middle: optionalText, last: optionalText }),
  roles,
});

export const userMapping: ResourceMapping<z.output<typeof userSchema>> = {
  schema: userSchema,
  columns: (u) => {
    const { student, teacher, staff, district_admin, contact } = u.roles;
    return {
      district_id: u.district,
      email: u.email ?? null,
      first_name: u.name?.first ?? null,
      middle_name: u.name?.middle ?? null,
      last_name: u.name?.last ?? null,
      is_student: student != null,
      is_teacher: teacher != null,
      is_staff: staff != null,
      is_district_admin: district_admin != null,
      is_contact: contact != null,
      student_sis_id: student?.sis_id ?? null,
      student_number: student?.student_number ?? null,
      student_state_id: student?.state_id ?? null,
      grade: student?.grade ?? null,
      // The school a user is "at": a student's, else a teacher's, else a staff member's first.
      school_id: student?.school ?? student?.schools?.[0] ?? teacher?.school ?? teacher?.schools?.[0] ?? staff?.schools?.[0] ?? null,
      teacher_sis_id: teacher?.sis_id ?? null,
      teacher_number: teacher?.teacher_number ?? null,
      teacher_state_id: teacher?.state_id ?? null,
      teacher_title: teacher?.title ?? null,
      staff_id: staff?.staff_id ?? null,
      staff_title: staff?.title ?? null,
      dob: cleverDob(student?.dob ?? null),
      gender: student?.gender ?? null,
      ell_status: student?.ell_status ?? null,
      iep_status: student?.iep_status ?? null,
      frl_status: student?.frl_status ?? null,
    };
  },
  schools: (u) => {
    const { student, teacher, staff } = u.roles;
    const ids = [student?.school, ...(student?.schools ?? []), teacher?.school, ...(teacher?.schools ?? []), ...(staff?.schools ?? [])];
    return [...new Set(ids.filter((id): id is string => typeof id === "string"))];
  },
  contacts: (u) => (u.roles.contact?.student_relationships ?? []).map((r) => ({ studentId: r.student, relationship: r.relationship ?? null, type: r.type ?? null })),
};

/**
 * Clever's student `dob` is `M/D/YYYY` (Clever/swagger-api v3.0 spec, Student.dob; see
 * /work/shared/docs/clever-api.md) → `YYYY-MM-DD`. A value in another shape or not a real date
 * gives null: the column stays empty and raw_json keeps what Clever sent (a student is never
 * quarantined for a birth date).
 */
export function cleverDob(value: string | null): string | null {
  const m = value ? /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim()) : null;
  if (!m) return null;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}
