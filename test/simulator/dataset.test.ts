import { ROSTER_KINDS, SyntheticDistrict, computeLayout } from '../../lib/simulator';
import type { CleverRecord, CleverSection, CleverUser } from '../../lib/clever';

const all = (district: SyntheticDistrict, kind: (typeof ROSTER_KINDS)[number]): CleverRecord[] => [...district.records(kind)];

describe('synthetic district', () => {
  const district = new SyntheticDistrict({ seed: 5, users: 1500, contacts: true });

  it('is deterministic: same seed, same data; other seed, other data', () => {
    const again = new SyntheticDistrict({ seed: 5, users: 1500, contacts: true });
    for (const kind of ROSTER_KINDS) expect(all(again, kind)).toEqual(all(district, kind));
    const other = new SyntheticDistrict({ seed: 6, users: 1500, contacts: true });
    expect(other.id).not.toBe(district.id);
    const names = (d: SyntheticDistrict) => all(d, 'users').map((u) => JSON.stringify((u as CleverUser).name));
    expect(names(other)).not.toEqual(names(district));
  });

  it('uses 24-hex ids, ascending per resource and unique across resources', () => {
    const seen = new Set<string>();
    for (const kind of ROSTER_KINDS) {
      const ids = all(district, kind).map((r) => r.id);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{24}$/);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      expect([...ids].sort()).toEqual(ids);
    }
  });

  it('has mostly students, plus teachers, staff, admins, contacts and multi-role users', () => {
    const users = all(district, 'users') as CleverUser[];
    expect(users).toHaveLength(1500);
    const count = (role: string) => users.filter((u) => u.roles && role in u.roles).length;
    expect(count('student')).toBeGreaterThan(1500 * 0.7);
    expect(count('teacher')).toBe(90);
    expect(count('staff')).toBeGreaterThan(30);
    expect(count('district_admin')).toBeGreaterThanOrEqual(1);
    expect(count('contact')).toBe(180);
    expect(users.some((u) => u.roles?.teacher && u.roles.staff)).toBe(true);
    for (const role of ['student', 'teacher', 'staff', 'district_admin', 'contact'] as const) expect(district.count('users', role)).toBe(count(role));
    expect(new Set(users.map((u) => u.email)).size).toBe(1500);
  });

  it('keeps references consistent: sections point at real schools, courses, terms, students and teachers', () => {
    const ids = (kind: (typeof ROSTER_KINDS)[number]) => new Set(all(district, kind).map((r) => r.id));
    const [schools, courses, terms] = [ids('schools'), ids('courses'), ids('terms')];
    const users = new Map((all(district, 'users') as CleverUser[]).map((u) => [u.id, u]));
    const enrollments = new Map<string, number>();
    for (const section of all(district, 'sections') as CleverSection[]) {
      expect(schools.has(section.school!)).toBe(true);
      expect(courses.has(section.course!)).toBe(true);
      expect(terms.has(section.term_id!)).toBe(true);
      expect(section.teacher).toBe(section.teachers![0]);
      for (const t of section.teachers!) expect(users.get(t)?.roles?.teacher?.school).toBe(section.school);
      for (const s of section.students!) {
        const student = users.get(s)?.roles?.student;
        expect(student?.school).toBe(section.school);
        expect(student?.grade).toBe(section.grade);
        enrollments.set(s, (enrollments.get(s) ?? 0) + 1);
      }
    }
    const students = [...users.values()].filter((u) => u.roles?.student);
    expect(students.every((s) => enrollments.get(s.id) === 6)).toBe(true);
    expect(all(district, 'districts')).toHaveLength(1);
    expect(all(district, 'schools').every((s) => s.district === district.id)).toBe(true);
  });

  it('pages forward and backward over ordered ids', () => {
    const users = all(district, 'users');
    const collected: CleverRecord[] = [];
    let cursor: string | undefined;
    for (;;) {
      const window = district.list('users', { startingAfter: cursor, limit: 333 });
      collected.push(...window.records);
      if (!window.hasNext) break;
      cursor = window.records[window.records.length - 1]!.id;
    }
    expect(collected).toEqual(users);
    const last = district.list('users', { endingBefore: 'last', limit: 10 });
    expect(last.records).toEqual(users.slice(-10));
    expect(last.hasPrev).toBe(true);
    expect(last.hasNext).toBe(false);
    const before = district.list('users', { endingBefore: users[20]!.id, limit: 5 });
    expect(before.records).toEqual(users.slice(15, 20));
    // A cursor that is not one of our ids still lands in order.
    const between = district.list('users', { startingAfter: users[9]!.id.slice(0, 8) + 'ffffffffffffffff', limit: 1 });
    expect(between.records[0]).toEqual(users[10]);
  });

  it('computes the layout of a 100k-user district without generating it', () => {
    const layout = computeLayout({ seed: 1, users: 100_000, contacts: false });
    expect(layout.users).toBe(100_000);
    expect(layout.schools.length).toBeGreaterThan(100);
    expect(layout.sections).toBeGreaterThan(20_000);
    const big = new SyntheticDistrict({ seed: 1, users: 100_000, contacts: false });
    const page = big.list('users', { startingAfter: big.idAt('users', 99_990), limit: 100 });
    expect(page.records).toHaveLength(9);
    expect(page.hasNext).toBe(false);
  });

  it('rejects impossible sizes', () => {
    expect(() => new SyntheticDistrict({ seed: 1, users: 2 })).toThrow(/users must be an integer/);
    expect(() => new SyntheticDistrict({ seed: 1.5, users: 100 })).toThrow(/seed/);
  });
});
