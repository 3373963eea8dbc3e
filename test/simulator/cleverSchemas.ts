/**
 * Clever's published response shapes, written (by hand, in zod) from Clever/swagger-api v3.0.yml,
 * v3.0-events.yml and v3.1.yml, and from dev.clever.com for what the OpenAPI files leave out
 * (the district-token list, 429s). Objects are strict where the spec lists every property, so a
 * field the spec does not have (a v3.1-only field in a v3.0 answer, `created` on a term) fails.
 * Enums and patterns are the spec's; nullability follows `x-nullable`.
 */
import { z } from "zod";

const id = z.string().regex(/^[0-9a-f]{24}$/, "a 24-hex Clever id");
const nullable = <T extends z.ZodType>(t: T) => t.nullable().optional();
const text = nullable(z.string());
const datetime = z.iso.datetime({ offset: true });
/** v3.0.yml `grade` enum (Student, School low/high, Section). */
const GRADE = z.enum(["InfantToddler", "Preschool", "PreKindergarten", "TransitionalKindergarten", "Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "PostGraduate", "Ungraded", "Other", ""]);
const link = z.strictObject({ rel: z.enum(["next", "prev", "self"]), uri: z.string().regex(/^\/v3\.[01]\//) });
const name = z.strictObject({ first: text, middle: text, last: text });
const location = z.strictObject({ address: text, city: text, lat: text, lon: text, state: text, zip: text });
const credentials = z.strictObject({ district_username: z.string().optional() });

export const district = z.strictObject({
  id,
  name: z.string(),
  district_contact: z.strictObject({ id: id.optional(), district: id.optional(), email: text, name: name.optional(), title: z.string().optional() }).optional(),
  error: z.string().optional(),
  last_sync: nullable(datetime),
  launch_date: z.iso.date().optional(),
  login_methods: z.array(z.string()).optional(),
  mdr_number: text,
  nces_id: text,
  pause_end: nullable(datetime),
  pause_start: nullable(datetime),
  portal_url: z.string().optional(),
  sis_type: z.string().optional(),
  state: nullable(z.enum(["running", "pending", "error", "paused", "", "success"])),
});

export const school = z.strictObject({
  id,
  district: id,
  name: z.string(),
  created: datetime.optional(),
  last_modified: datetime.optional(),
  ext: z.record(z.string(), z.unknown()).optional(),
  high_grade: nullable(GRADE),
  low_grade: nullable(GRADE),
  location: nullable(location),
  mdr_number: text,
  nces_id: text,
  phone: text,
  principal: z.strictObject({ email: text, name: text }).optional(),
  school_number: z.string().optional(),
  sis_id: z.string().optional(),
  state_id: text,
});

// Term and Course have no created/last_modified in v3.0.yml.
export const term = z.strictObject({ id, district: id, name: text, start_date: text, end_date: text });
export const course = z.strictObject({ id, district: id, name: text, number: text });

export const section = z.strictObject({
  id,
  district: id,
  school: id,
  name: z.string(),
  course: nullable(id),
  created: datetime.optional(),
  last_modified: datetime.optional(),
  ext: z.record(z.string(), z.unknown()).optional(),
  grade: nullable(GRADE),
  period: text,
  section_number: text,
  sis_id: z.string().optional(),
  students: z.array(id).optional(),
  subject: nullable(z.enum(["english/language arts", "math", "science", "social studies", "language", "homeroom/advisory", "interventions/online learning", "technology and engineering", "PE and health", "arts and music", "other", ""])),
  teacher: nullable(id),
  teachers: z.array(id).optional(),
  term_id: nullable(id),
});

const studentV30 = {
  created: datetime.optional(),
  last_modified: datetime.optional(),
  credentials: credentials.optional(),
  // v3.0.yml `Student.dob` pattern: M/D/YYYY.
  dob: nullable(z.string().regex(/^(?:[0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})$/)),
  ell_status: nullable(z.enum(["Y", "N", ""])),
  enrollments: z.array(z.strictObject({ school: id, start_date: z.string().optional(), end_date: z.string().optional() })).optional(),
  ext: z.record(z.string(), z.unknown()).optional(),
  gender: nullable(z.enum(["M", "F", "X", ""])),
  grade: nullable(GRADE),
  graduation_year: text,
  hispanic_ethnicity: nullable(z.enum(["Y", "N", ""])),
  legacy_id: z.string().optional(),
  location: nullable(location),
  race: nullable(z.enum(["Caucasian", "Asian", "Black or African American", "American Indian", "Hawaiian or Other Pacific Islander", "Two or More Races", "Unknown", ""])),
  school: id.optional(),
  schools: z.array(id).optional(),
  sis_id: z.string().optional(),
  state_id: text,
  student_number: text,
};
/** v3.1.yml adds these to Student. */
const studentV31Only = {
  disability: z.strictObject({ disability_code: text, disability_status: nullable(z.enum(["Y", "N", ""])), disability_type: text }).optional(),
  frl_status: nullable(z.enum(["Free", "Reduced", "Paid", "Other", ""])),
  gifted_status: nullable(z.enum(["Y", "N", ""])),
  home_language: text,
  home_language_code: text,
  iep_status: text,
  preferred_name: z.strictObject({ first: text, middle: text, last: text }).optional(),
  section_504_status: nullable(z.enum(["Y", "N", ""])),
};
const teacher = z.strictObject({
  created: datetime.optional(),
  last_modified: datetime.optional(),
  credentials: nullable(credentials),
  district: id.optional(),
  ext: z.record(z.string(), z.unknown()).optional(),
  legacy_id: z.string().optional(),
  name: name.optional(),
  school: id.optional(),
  schools: z.array(id).optional(),
  sis_id: z.string().optional(),
  state_id: text,
  teacher_number: text,
  title: text,
});
const staff = z.strictObject({
  credentials: credentials.optional(),
  department: text,
  ext: z.record(z.string(), z.unknown()).optional(),
  legacy_id: z.string().optional(),
  roles: z.array(z.string()).optional(),
  schools: z.array(id).optional(),
  staff_id: z.string().optional(),
  title: text,
});
const districtAdmin = z.strictObject({ legacy_id: z.string().optional(), title: text });
const contact = z.strictObject({
  legacy_id: z.string().optional(),
  phone: text,
  phone_type: nullable(z.enum(["Cell", "Home", "Work", "Other", ""])),
  sis_id: text,
  student_relationships: z
    .array(
      z.strictObject({
        student: id,
        relationship: nullable(z.enum(["Parent", "Grandparent", "Self", "Aunt/Uncle", "Sibling", "Other", ""])),
        type: nullable(z.enum(["Parent/Guardian", "Emergency", "Primary", "Secondary", "Family", "Other", ""])),
      }),
    )
    .optional(),
});

function userSchema(version: "v3.0" | "v3.1") {
  const student = z.strictObject(version === "v3.1" ? { ...studentV30, ...studentV31Only } : studentV30);
  const roles = z.strictObject({ student: nullable(student), teacher: nullable(teacher), staff: nullable(staff), district_admin: nullable(districtAdmin), contact: nullable(contact) });
  return z.strictObject({
    id,
    district: id,
    created: datetime.optional(),
    last_modified: datetime.optional(),
    email: text,
    name: name.optional(),
    roles,
    ...(version === "v3.1" ? { lms_status: z.unknown().optional() } : {}),
  });
}

export const recordSchemas = (version: "v3.0" | "v3.1") => ({
  districts: version === "v3.1" ? district.extend({ last_attendance_sync: nullable(datetime), lms_state: text, lms_type: text }) : district,
  schools: school,
  terms: term,
  courses: course,
  sections: version === "v3.1" ? section.extend({ lms_status: z.unknown().optional() }) : section,
  users: userSchema(version),
});

/** `{data: [{data, uri}], links}` (v3.0.yml `*sResponse`). */
export function listEnvelope<T extends z.ZodType>(record: T) {
  return z.strictObject({ data: z.array(z.strictObject({ data: record, uri: z.string().regex(/^\/v3\.[01]\/[a-z]+\/[0-9a-f]{24}$/) })), links: z.array(link) });
}
export function singleEnvelope<T extends z.ZodType>(record: T) {
  return z.strictObject({ data: record, links: z.array(link).optional() });
}

/** v3.0-events.yml: `Event` {id, type, created} + `data.object`; `previous_attributes` beside `data` on `*.updated`. */
export function eventSchema(version: "v3.0" | "v3.1") {
  const records = recordSchemas(version);
  const typed = (resource: keyof ReturnType<typeof recordSchemas>) =>
    z.strictObject({
      id,
      type: z.enum([`${resource}.created`, `${resource}.updated`, `${resource}.deleted`]),
      created: datetime.optional(),
      data: z.strictObject({ object: records[resource] }),
      previous_attributes: z.record(z.string(), z.unknown()).optional(),
    });
  return z.union([typed("districts"), typed("schools"), typed("terms"), typed("courses"), typed("sections"), typed("users")]);
}

/** dev.clever.com "District-app tokens": GET https://clever.com/oauth/tokens?owner_type=district. */
export const districtTokenList = z.strictObject({
  data: z.array(z.strictObject({ id: z.string(), created: datetime, owner: z.strictObject({ type: z.literal("district"), id }), access_token: z.string().min(1), scopes: z.array(z.string()) })),
  links: z.array(z.strictObject({ rel: z.string(), uri: z.string() })),
});

/** RFC 6749 §5.1 token response (the client-credentials grant is not a Clever flow; see docs/clever-api-notes.md). */
export const oauthTokenResponse = z.strictObject({ access_token: z.string().min(1), token_type: z.literal("bearer"), scope: z.string().optional(), expires_in: z.number().int().positive().optional() });

/** Errors: v3.0.yml `NotFound`/`BadRequest`/`InternalError` are `{message}`. */
export const errorBody = z.strictObject({ message: z.string() });
