/** sections → references, descriptive fields, and enrollments from `students` and `teachers`. */
import { z } from "zod";
import type { Enrollment } from "../../store/types";
import { baseFields, cleverId, cleverIdList, optionalCleverId, optionalText, requiredText, type ResourceMapping } from "./common";

const sectionSchema = z.object({
  ...baseFields,
  district: cleverId,
  school: cleverId,
  course: optionalCleverId,
  term_id: optionalCleverId,
  name: requiredText,
  period: optionalText,
  subject: optionalText,
  grade: optionalText,
  sis_id: optionalText,
  section_number: optionalText,
  students: cleverIdList,
  teachers: cleverIdList,
  teacher: optionalCleverId,
});

type Section = z.output<typeof sectionSchema>;

/** One enrollment per (user, role); a user listed twice in a role is enrolled once. */
function enrollmentsOf(section: Section): Enrollment[] {
  const out: Enrollment[] = [];
  for (const [role, ids] of [["student", section.students], ["teacher", section.teachers]] as const) {
    for (const userId of new Set(ids ?? [])) out.push({ userId, role });
  }
  return out;
}

export const sectionMapping: ResourceMapping<Section> = {
  schema: sectionSchema,
  columns: (s) => ({
    district_id: s.district,
    school_id: s.school,
    course_id: s.course ?? null,
    term_id: s.term_id ?? null,
    name: s.name,
    period: s.period ?? null,
    subject: s.subject ?? null,
    grade: s.grade ?? null,
    sis_id: s.sis_id ?? null,
    section_number: s.section_number ?? null,
    primary_teacher_id: s.teacher ?? null,
  }),
  enrollments: enrollmentsOf,
};
