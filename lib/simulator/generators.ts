/**
 * Pure record generators: (layout, seq) → a Clever v3.0 record. Each record draws its
 * values from a PRNG seeded by (seed, resource, seq), so any record can be produced alone,
 * in any order, and always comes out the same.
 */
import type { CleverCourse, CleverDistrict, CleverSchool, CleverSection, CleverTerm, CleverUser } from '../clever/types';
import type { IdSpace } from './ids';
import { COHORT_SIZE, GRADES, PERIODS, SUBJECTS, findSchool, inBlock, type DistrictLayout } from './layout';
import {
  ADMIN_TITLES,
  CITIES,
  FIRST_NAMES,
  HOME_LANGUAGES,
  LAST_NAMES,
  RACES,
  SCHOOL_NAME_PARTS,
  STAFF_DEPARTMENTS,
  STAFF_TITLES,
  STATES,
  STREETS,
  TEACHER_TITLES,
} from './names';
import { SeededRandom, hashInts } from './prng';

export type RosterKind = 'districts' | 'schools' | 'terms' | 'courses' | 'sections' | 'users';

/** Numeric codes that keep each resource's ids and random streams apart. */
export const KIND_CODES: Record<RosterKind | 'events', number> = {
  districts: 1,
  schools: 2,
  terms: 3,
  courses: 4,
  sections: 5,
  users: 6,
  events: 7,
};

export interface GeneratorContext {
  layout: DistrictLayout;
  ids: Record<RosterKind, IdSpace>;
  /** Seconds of seq 0 per resource (for created/last_modified). */
  startSeconds: Record<RosterKind, number>;
  districtId: string;
  city: string;
  state: string;
  domain: string;
}

export function createGeneratorContext(layout: DistrictLayout, ids: Record<RosterKind, IdSpace>, startSeconds: Record<RosterKind, number>): GeneratorContext {
  const rng = new SeededRandom(hashInts(layout.seed, 0xd15));
  const city = rng.pick(CITIES);
  const state = rng.pick(STATES);
  const domain = `${slug(city)}${rng.range(1, 99)}.k12.example.org`;
  return { layout, ids, startSeconds, districtId: ids.districts.idAt(0), city, state, domain };
}

function rngFor(ctx: GeneratorContext, kind: RosterKind, seq: number): SeededRandom {
  return new SeededRandom(hashInts(ctx.layout.seed, KIND_CODES[kind], seq, 0x5eed));
}

function timestamps(ctx: GeneratorContext, kind: RosterKind, seq: number, rng: SeededRandom): { created: string; last_modified: string } {
  const createdMs = (ctx.startSeconds[kind] + seq) * 1000 + rng.int(1000);
  const modifiedMs = createdMs + rng.int(60 * 86_400) * 1000;
  return { created: new Date(createdMs).toISOString(), last_modified: new Date(modifiedMs).toISOString() };
}

export function generateDistrict(ctx: GeneratorContext): CleverDistrict {
  const rng = rngFor(ctx, 'districts', 0);
  const suffix = rng.pick(['Unified School District', 'Public Schools', 'County Schools', 'Independent School District']);
  const epochMs = ctx.layout.epochSeconds * 1000;
  return {
    id: ctx.districtId,
    name: `${ctx.city} ${suffix}`,
    sis_type: rng.pick(['oneroster', 'sftp', 'clever']),
    launch_date: new Date(epochMs + 14 * 86_400_000).toISOString().slice(0, 10),
    portal_url: `https://clever.com/in/${slug(ctx.city)}`,
    login_methods: ['Clever Badges', 'Google'],
    last_sync: new Date(epochMs + 40 * 86_400_000).toISOString(),
    mdr_number: String(rng.range(1_000_000, 9_999_999)),
    nces_id: String(rng.range(1_000_000, 9_999_999)),
    state: 'running',
    // A string in the spec (not nullable); empty while the district's sync has no error.
    error: '',
    district_contact: {
      name: { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) },
      email: `it@${ctx.domain}`,
      title: 'Director of Technology',
    },
  };
}

const SCHOOL_SUFFIX = { elementary: 'Elementary School', middle: 'Middle School', high: 'High School', k12: 'Academy' } as const;

export function generateSchool(ctx: GeneratorContext, seq: number): CleverSchool {
  const rng = rngFor(ctx, 'schools', seq);
  const school = ctx.layout.schools[seq]!;
  const principal = { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
  const number = String(100 + seq);
  return {
    id: ctx.ids.schools.idAt(seq),
    district: ctx.districtId,
    name: `${rng.pick(SCHOOL_NAME_PARTS)} ${SCHOOL_SUFFIX[school.kind]}`,
    ...timestamps(ctx, 'schools', seq, rng),
    sis_id: number,
    school_number: number,
    state_id: `${ctx.state}-${String(rng.range(10000, 99999))}`,
    nces_id: String(rng.range(100_000_000_000, 999_999_999_999)),
    mdr_number: String(rng.range(10_000_000, 99_999_999)),
    low_grade: GRADES[school.grades[0]!],
    high_grade: GRADES[school.grades[school.grades.length - 1]!],
    principal: { name: `${principal.first} ${principal.last}`, email: `${emailPart(principal.first)}.${emailPart(principal.last)}@${ctx.domain}` },
    location: address(rng, ctx),
    phone: `(555) ${rng.range(200, 999)}-${String(rng.range(0, 9999)).padStart(4, '0')}`,
  };
}

const TERMS = [
  { name: '2024-2025 Full Year', start_date: '2024-08-19', end_date: '2025-06-06' },
  { name: 'Fall 2024', start_date: '2024-08-19', end_date: '2024-12-20' },
  { name: 'Spring 2025', start_date: '2025-01-06', end_date: '2025-06-06' },
] as const;

export function generateTerm(ctx: GeneratorContext, seq: number): CleverTerm {
  const term = TERMS[seq]!;
  return { id: ctx.ids.terms.idAt(seq), district: ctx.districtId, ...term };
}

export function generateCourse(ctx: GeneratorContext, seq: number): CleverCourse {
  const subject = SUBJECTS[Math.floor(seq / GRADES.length)]!;
  const grade = seq % GRADES.length;
  return {
    id: ctx.ids.courses.idAt(seq),
    district: ctx.districtId,
    name: `${subject.name} ${gradeLabel(grade)}`,
    number: `${subject.code}-${grade === 0 ? 'K' : String(grade).padStart(2, '0')}`,
  };
}

/** Students of a cohort, as user seqs [start, end). */
function cohortStudents(ctx: GeneratorContext, cohort: number): { school: number; local: number; start: number; end: number } {
  const school = findSchool(ctx.layout, 'cohortStart', cohort);
  const layout = ctx.layout.schools[school]!;
  const local = cohort - layout.cohortStart;
  const start = layout.studentStart + local * COHORT_SIZE;
  return { school, local, start, end: Math.min(start + COHORT_SIZE, layout.studentEnd) };
}

function cohortGrade(ctx: GeneratorContext, school: number, local: number): number {
  const grades = ctx.layout.schools[school]!.grades;
  return grades[local % grades.length]!;
}

export function generateSection(ctx: GeneratorContext, seq: number): CleverSection {
  const rng = rngFor(ctx, 'sections', seq);
  const cohort = Math.floor(seq / PERIODS);
  const period = seq % PERIODS;
  const { school, local, start, end } = cohortStudents(ctx, cohort);
  const layout = ctx.layout.schools[school]!;
  const grade = cohortGrade(ctx, school, local);
  const subject = SUBJECTS[period]!;
  const teacherCount = layout.teacherEnd - layout.teacherStart;
  const slot = local * PERIODS + period;
  const teacherSeqs = [layout.teacherStart + (slot % teacherCount)];
  if (seq % 10 === 0 && teacherCount > 1) teacherSeqs.push(layout.teacherStart + ((slot + 1) % teacherCount));
  const students: string[] = [];
  for (let s = start; s < end; s++) students.push(ctx.ids.users.idAt(s));
  // PE and arts run by semester, alternating cohorts; the rest are full year.
  const term = period >= 4 ? 1 + (local % 2) : 0;
  const teachers = teacherSeqs.map((t) => ctx.ids.users.idAt(t));
  return {
    id: ctx.ids.sections.idAt(seq),
    district: ctx.districtId,
    ...timestamps(ctx, 'sections', seq, rng),
    school: ctx.ids.schools.idAt(school),
    course: ctx.ids.courses.idAt(period * GRADES.length + grade),
    term_id: ctx.ids.terms.idAt(term),
    name: `${subject.name} ${gradeLabel(grade)} - Period ${period + 1}`,
    period: String(period + 1),
    subject: subject.subject,
    grade: GRADES[grade],
    sis_id: `SEC${100000 + seq}`,
    section_number: `${subject.code}${grade === 0 ? 'K' : grade}-${local + 1}-${period + 1}`,
    students,
    teachers,
    teacher: teachers[0],
  };
}

/** Whether the generated (not mutated) user at `seq` holds `role`. Cheap: no record is built. */
export function baseUserHasRole(layout: DistrictLayout, seq: number, role: string): boolean {
  const { admins, staff, teachers, students, contacts } = layout.blocks;
  switch (role) {
    case 'student':
      return inBlock(students, seq);
    case 'teacher':
      return inBlock(teachers, seq);
    case 'district_admin':
      return inBlock(admins, seq);
    case 'contact':
      return inBlock(contacts, seq);
    case 'staff':
      // Multi-role users, as Clever has them: some admins and some teachers are staff too.
      return inBlock(staff, seq) || (inBlock(admins, seq) && (seq - admins[0]) % 2 === 0) || (inBlock(teachers, seq) && (seq - teachers[0]) % 20 === 0);
    default:
      return false;
  }
}

export function generateUser(ctx: GeneratorContext, seq: number): CleverUser {
  const rng = rngFor(ctx, 'users', seq);
  const { blocks } = ctx.layout;
  const first = rng.pick(FIRST_NAMES);
  const middle = rng.chance(0.6) ? rng.pick(FIRST_NAMES) : '';
  const last = rng.pick(LAST_NAMES);
  const times = timestamps(ctx, 'users', seq, rng);
  const roles: Record<string, Record<string, unknown>> = {};
  let email: string;
  const username = `${emailPart(first)}.${emailPart(last)}${seq}`;

  if (inBlock(blocks.students, seq)) {
    email = `${username}@students.${ctx.domain}`;
    roles.student = studentRole(ctx, seq, rng, username);
  } else if (inBlock(blocks.contacts, seq)) {
    email = `${username}@mail.example.com`;
    roles.contact = contactRole(ctx, seq, rng);
  } else {
    email = `${emailPart(first).charAt(0)}${emailPart(last)}${seq}@${ctx.domain}`;
    const credentials = { district_username: `${emailPart(first).charAt(0)}${emailPart(last)}${seq}` };
    if (inBlock(blocks.admins, seq)) {
      roles.district_admin = { title: rng.pick(ADMIN_TITLES), legacy_id: ctx.ids.users.idAt(seq) };
    }
    if (inBlock(blocks.teachers, seq)) {
      const school = ctx.ids.schools.idAt(findSchool(ctx.layout, 'teacherStart', seq));
      roles.teacher = {
        sis_id: `T${100000 + seq}`,
        teacher_number: String(300000 + seq),
        state_id: `${ctx.state}T${rng.range(1_000_000, 9_999_999)}`,
        title: rng.pick(TEACHER_TITLES),
        school,
        schools: [school],
        credentials,
        legacy_id: ctx.ids.users.idAt(seq),
      };
    }
    if (baseUserHasRole(ctx.layout, seq, 'staff')) {
      const schools = inBlock(blocks.admins, seq)
        ? []
        : [ctx.ids.schools.idAt(findSchool(ctx.layout, inBlock(blocks.teachers, seq) ? 'teacherStart' : 'staffStart', seq))];
      roles.staff = {
        staff_id: `F${100000 + seq}`,
        title: rng.pick(STAFF_TITLES),
        department: rng.pick(STAFF_DEPARTMENTS),
        schools,
        credentials,
        legacy_id: ctx.ids.users.idAt(seq),
      };
    }
  }

  // "The full contact name will be stored in the last_name field of the user object"
  // (https://dev.clever.com/docs/student-contacts).
  const name: Record<string, string> = roles.contact ? { last: `${first} ${last}` } : { first, last };
  if (middle && !roles.contact) name.middle = middle;
  return { id: ctx.ids.users.idAt(seq), district: ctx.districtId, email, name, ...times, roles };
}

function studentRole(ctx: GeneratorContext, seq: number, rng: SeededRandom, username: string): Record<string, unknown> {
  const schoolIndex = findSchool(ctx.layout, 'studentStart', seq);
  const layout = ctx.layout.schools[schoolIndex]!;
  const local = Math.floor((seq - layout.studentStart) / COHORT_SIZE);
  const grade = cohortGrade(ctx, schoolIndex, local);
  const school = ctx.ids.schools.idAt(schoolIndex);
  // Age fits the grade: a kindergartner in 2024-25 was born in 2019.
  const birthYear = 2019 - grade;
  // M/D/YYYY: Clever/swagger-api v3.0.yml `Student.dob` pattern (?:[0-9]{1,2})/([0-9]{1,2})/([0-9]{4}).
  const dob = `${rng.range(1, 12)}/${rng.range(1, 28)}/${birthYear}`;
  return {
    sis_id: `S${100000 + seq}`,
    student_number: String(200000 + seq),
    state_id: `${ctx.state}${rng.range(1_000_000_000, 1_999_999_999)}`,
    grade: GRADES[grade],
    school,
    schools: [school],
    dob,
    gender: rng.pick(['F', 'M', 'F', 'M', 'X']),
    graduation_year: String(2025 + 12 - grade),
    ell_status: rng.chance(0.1) ? 'Y' : 'N',
    frl_status: rng.pick(['Free', 'Reduced', 'Paid', 'Paid']),
    iep_status: rng.chance(0.12) ? 'Y' : 'N',
    hispanic_ethnicity: rng.chance(0.3) ? 'Y' : 'N',
    race: rng.pick(RACES),
    home_language: rng.pick(HOME_LANGUAGES),
    credentials: { district_username: username },
    enrollments: [{ school, start_date: '2024-08-19', end_date: '2025-06-06' }],
    location: address(rng, ctx),
    legacy_id: ctx.ids.users.idAt(seq),
  };
}

function contactRole(ctx: GeneratorContext, seq: number, rng: SeededRandom): Record<string, unknown> {
  const [lo, hi] = ctx.layout.blocks.students;
  const student = lo + ((seq * 7919) % (hi - lo));
  return {
    sis_id: `C${100000 + seq}`,
    phone: `(555) ${rng.range(200, 999)}-${String(rng.range(0, 9999)).padStart(4, '0')}`,
    phone_type: rng.pick(['Cell', 'Home', 'Work']),
    legacy_id: ctx.ids.users.idAt(seq),
    // Enums of Clever/swagger-api v3.0.yml `StudentRelationship`.
    student_relationships: [{ student: ctx.ids.users.idAt(student), relationship: rng.pick(['Parent', 'Parent', 'Grandparent', 'Aunt/Uncle', 'Other']), type: 'Parent/Guardian' }],
  };
}

function address(rng: SeededRandom, ctx: GeneratorContext): { address: string; city: string; state: string; zip: string } {
  return {
    address: `${rng.range(10, 9999)} ${rng.pick(STREETS)}`,
    city: ctx.city,
    state: ctx.state,
    zip: String(rng.range(10000, 99999)),
  };
}

function gradeLabel(grade: number): string {
  return grade === 0 ? 'Kindergarten' : `Grade ${grade}`;
}

function emailPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z]/g, '');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}
