/**
 * The shape of a synthetic district, computed once from (seed, size): how many of each
 * record, which index ranges are which role, which students share a school and a cohort.
 * Only O(schools) numbers are stored; every record is generated from these on demand.
 *
 * Users are laid out in blocks by creation order: district admins, staff, teachers,
 * students, then contacts (when enabled). Students of a school form cohorts of
 * COHORT_SIZE; each cohort takes PERIODS sections (one per period).
 */
import { hashInts } from './prng';

export const COHORT_SIZE = 25;
export const PERIODS = 6;
export const GRADES = ['Kindergarten', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'] as const;
export const SUBJECTS = [
  { name: 'Mathematics', subject: 'math', code: 'MATH' },
  { name: 'English Language Arts', subject: 'english/language arts', code: 'ELA' },
  { name: 'Science', subject: 'science', code: 'SCI' },
  { name: 'Social Studies', subject: 'social studies', code: 'SOC' },
  { name: 'Physical Education', subject: 'PE and health', code: 'PE' },
  { name: 'Art and Music', subject: 'arts and music', code: 'ART' },
] as const;
export const TERM_COUNT = 3;
export const COURSE_COUNT = SUBJECTS.length * GRADES.length;

export type SchoolKind = 'elementary' | 'middle' | 'high' | 'k12';

export interface SchoolLayout {
  kind: SchoolKind;
  /** Grade indexes into GRADES, low to high. */
  grades: number[];
  studentStart: number;
  studentEnd: number;
  teacherStart: number;
  teacherEnd: number;
  staffStart: number;
  staffEnd: number;
  cohortStart: number;
  cohortCount: number;
}

export interface UserBlocks {
  admins: [number, number];
  staff: [number, number];
  teachers: [number, number];
  students: [number, number];
  contacts: [number, number];
}

export interface DistrictLayout {
  seed: number;
  users: number;
  schools: SchoolLayout[];
  blocks: UserBlocks;
  cohorts: number;
  sections: number;
  /** Unix seconds the district was created; ids of all resources start from it. */
  epochSeconds: number;
}

export interface LayoutOptions {
  seed: number;
  /** Total users, mostly students. At least 5. */
  users: number;
  /**
   * Add parent/guardian contacts (about 12% of users). Default true: Clever v3.x returns contacts
   * as users with the `contact` role (Clever/swagger-api v3.0.yml `Roles.contact`), and a client
   * must cope with them from the start.
   */
  contacts?: boolean;
}

export const MIN_USERS = 5;
/** Counter bytes and timestamps keep ids unique well beyond this. */
export const MAX_USERS = 5_000_000;

export function computeLayout(options: LayoutOptions): DistrictLayout {
  const { seed, users } = options;
  if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer');
  if (!Number.isInteger(users) || users < MIN_USERS || users > MAX_USERS) {
    throw new RangeError(`users must be an integer from ${MIN_USERS} to ${MAX_USERS}; got ${users}`);
  }
  const admins = Math.max(1, Math.round(users * 0.001));
  const staff = Math.max(1, Math.round(users * 0.02));
  const contacts = (options.contacts ?? true) ? Math.round(users * 0.12) : 0;
  const provisionalStudents = users - admins - staff - Math.max(1, Math.round(users * 0.06)) - contacts;
  const schoolCount = Math.max(1, Math.ceil(provisionalStudents / 500));
  const teachers = Math.max(schoolCount, Math.round(users * 0.06));
  const students = users - admins - staff - teachers - contacts;
  if (students < 1) throw new RangeError(`users=${users} is too small for a district with students`);

  const blocks: UserBlocks = {
    admins: [0, admins],
    staff: [admins, admins + staff],
    teachers: [admins + staff, admins + staff + teachers],
    students: [admins + staff + teachers, admins + staff + teachers + students],
    contacts: [users - contacts, users],
  };

  const schools: SchoolLayout[] = [];
  let cohortStart = 0;
  for (let k = 0; k < schoolCount; k++) {
    const kind = schoolKind(k, schoolCount);
    const [sLo, sHi] = share(students, k, schoolCount);
    const [tLo, tHi] = share(teachers, k, schoolCount);
    const [fLo, fHi] = share(staff, k, schoolCount);
    const cohortCount = Math.ceil((sHi - sLo) / COHORT_SIZE);
    schools.push({
      kind,
      grades: gradesOf(kind),
      studentStart: blocks.students[0] + sLo,
      studentEnd: blocks.students[0] + sHi,
      teacherStart: blocks.teachers[0] + tLo,
      teacherEnd: blocks.teachers[0] + tHi,
      staffStart: blocks.staff[0] + fLo,
      staffEnd: blocks.staff[0] + fHi,
      cohortStart,
      cohortCount,
    });
    cohortStart += cohortCount;
  }

  // Mid-2024, shifted by the seed so different districts have different ids.
  const epochSeconds = 1_719_792_000 + (hashInts(seed, 0xe90c) % (30 * 86_400));
  return { seed, users, schools, blocks, cohorts: cohortStart, sections: cohortStart * PERIODS, epochSeconds };
}

/** Index of the school whose range (by `key`) contains `value`; ranges are sorted and contiguous. */
export function findSchool(layout: DistrictLayout, key: 'studentStart' | 'teacherStart' | 'staffStart' | 'cohortStart', value: number): number {
  let lo = 0;
  let hi = layout.schools.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.schools[mid]![key] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function inBlock(block: [number, number], index: number): boolean {
  return index >= block[0] && index < block[1];
}

function share(total: number, k: number, parts: number): [number, number] {
  return [Math.floor((k * total) / parts), Math.floor(((k + 1) * total) / parts)];
}

function schoolKind(k: number, count: number): SchoolKind {
  if (count === 1) return 'k12';
  return (['elementary', 'elementary', 'middle', 'high'] as const)[k % 4]!;
}

function gradesOf(kind: SchoolKind): number[] {
  const range = { elementary: [0, 5], middle: [6, 8], high: [9, 12], k12: [0, 12] }[kind];
  const out: number[] = [];
  for (let g = range[0]!; g <= range[1]!; g++) out.push(g);
  return out;
}
