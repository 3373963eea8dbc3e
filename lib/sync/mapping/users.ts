/**
 * users → name and email, one flag per role (a user may hold several), and the most-queried
 * per-role fields. The rest of each role (dob, credentials, contacts' relationships ...) stays in raw JSON.
 */
import { z } from "zod";
import { baseFields, cleverId, cleverIdList, optionalCleverId, optionalObject, optionalText, type ResourceMapping } from "./common";

const roles = z.looseObject({
  student: optionalObject({
    sis_id: optionalText,
    student_number: optionalText,
    state_id: optionalText,
    grade: optionalText,
    school: optionalCleverId,
    schools: cleverIdList,
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
  contact: optionalObject({ sis_id: optionalText }),
});

const userSchema = z.looseObject({
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
    };
  },
};
