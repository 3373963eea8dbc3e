/** Every record the simulator generates maps to a row with the expected typed columns. */
import type { CleverRecord, CleverSection, CleverUser } from "../../../lib/clever/types";
import { CleverSimulator, ROSTER_KINDS, type RosterKind } from "../../../lib/simulator";
import { ROSTER_COLUMNS, type RosterRow } from "../../../lib/store";
import { mapRecord } from "../../../lib/sync/mapping";

async function records(simulator: CleverSimulator, kind: RosterKind): Promise<CleverRecord[]> {
  const out: CleverRecord[] = [];
  for await (const record of simulator.groundTruth(kind)) out.push(record);
  return out;
}

function mapped(kind: RosterKind, record: unknown): RosterRow {
  const result = mapRecord(kind, record);
  if (!result.ok) throw new Error(`${kind} record did not map: ${result.reason}`);
  return result.row;
}

describe.each([
  ["seed 3, 500 users", { seed: 3, users: 500 }],
  ["seed 3, 500 users with contacts", { seed: 3, users: 500, contacts: true }],
  ["seed 11, 60 users", { seed: 11, users: 60 }],
])("simulator district (%s)", (_label, options) => {
  const simulator = new CleverSimulator(options);

  it.each(ROSTER_KINDS.map((k) => [k]))("maps every %s record, with exactly the table's typed columns", async (kind) => {
    const all = await records(simulator, kind);
    expect(all.length).toBeGreaterThan(0);
    const columnNames = ROSTER_COLUMNS[kind].map((c) => c.name).sort();
    for (const record of all) {
      const row = mapped(kind, record);
      expect(row.cleverId).toBe(record.id);
      expect(JSON.parse(row.raw)).toEqual(record);
      // Districts, terms and courses carry no last_modified in Clever's spec (v3.0.yml).
      expect(row.lastModified).toBe(record.last_modified === undefined ? null : new Date(String(record.last_modified)).toISOString());
      expect(Object.keys(row.columns).sort()).toEqual(columnNames);
      for (const value of Object.values(row.columns)) expect(["string", "boolean", "object"]).toContain(typeof value);
      expect(row.enrollments !== undefined).toBe(kind === "sections");
    }
  });

  it("turns section students and teachers into enrollments", async () => {
    for (const section of (await records(simulator, "sections")) as CleverSection[]) {
      const row = mapped("sections", section);
      expect(row.enrollments).toEqual([...section.students!.map((userId) => ({ userId, role: "student" })), ...section.teachers!.map((userId) => ({ userId, role: "teacher" }))]);
      expect(row.columns).toMatchObject({ school_id: section.school, course_id: section.course, term_id: section.term_id, primary_teacher_id: section.teacher, name: section.name });
    }
  });

  it("flags every role a user holds and fills the role fields", async () => {
    const users = (await records(simulator, "users")) as CleverUser[];
    for (const user of users) {
      const { columns } = mapped("users", user);
      const roles = user.roles ?? {};
      expect(columns).toMatchObject({
        is_student: "student" in roles,
        is_teacher: "teacher" in roles,
        is_staff: "staff" in roles,
        is_district_admin: "district_admin" in roles,
        is_contact: "contact" in roles,
        email: user.email,
        first_name: user.name?.first ?? null,
        middle_name: user.name?.middle ?? null,
        last_name: user.name?.last ?? null,
      });
      if (roles.student) expect(columns).toMatchObject({ student_sis_id: roles.student.sis_id, grade: roles.student.grade, school_id: roles.student.school });
      if (roles.teacher) expect(columns).toMatchObject({ teacher_sis_id: roles.teacher.sis_id, teacher_title: roles.teacher.title, school_id: roles.teacher.school });
    }
    expect(users.some((u) => u.roles?.teacher && u.roles.staff)).toBe(true); // multi-role users exist and map
  });

  it("maps the district, schools' locations and terms' dates", async () => {
    const [district] = await records(simulator, "districts");
    expect(mapped("districts", district).columns).toMatchObject({ name: district!.name, state: district!.state, sis_type: district!.sis_type });
    for (const school of await records(simulator, "schools")) {
      const location = school.location as { city: string; state: string; zip: string };
      expect(mapped("schools", school).columns).toMatchObject({ district_id: school.district, city: location.city, state: location.state, zip: location.zip });
    }
    for (const term of await records(simulator, "terms")) {
      expect(mapped("terms", term).columns).toMatchObject({ start_date: term.start_date, end_date: term.end_date });
    }
  });
});

it("maps records changed and created through the simulator's mutation API", async () => {
  const simulator = new CleverSimulator({ seed: 3, users: 500 });
  const district = simulator.district();
  const userId = district.idAt("users", 400);
  const updated = simulator.update("users", userId, { email: "renamed@example.org", name: { first: "Ren", last: "Amed" } });
  expect(mapped("users", updated).columns).toMatchObject({ email: "renamed@example.org", first_name: "Ren", middle_name: null });
  const course = simulator.create("courses", { name: "Robotics", number: "ROB-01" });
  expect(mapped("courses", course).columns).toEqual({ district_id: district.id, name: "Robotics", number: "ROB-01" });
  for (const event of district.allEvents()) {
    const kind = event.type.split(".")[0] as RosterKind;
    expect(mapRecord(kind, event.data.object).ok).toBe(true);
  }
});
