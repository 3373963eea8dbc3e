/** Invalid records give a reason naming the field and the problem; garbage never throws. */
import { mapRecord, type RosterResource } from "../../../lib/sync/mapping";

const ID = "5f1b2c3d4e5f60718293a4b5";
const DISTRICT = "5f1b2c3d4e5f60718293a4b6";
const RESOURCES: RosterResource[] = ["districts", "schools", "terms", "courses", "sections", "users"];

const valid: Record<RosterResource, Record<string, unknown>> = {
  districts: { id: ID, name: "Springfield USD" },
  schools: { id: ID, district: DISTRICT, name: "Springfield High" },
  terms: { id: ID, district: DISTRICT, name: "Fall", start_date: "2024-08-19", end_date: "2024-12-20" },
  courses: { id: ID, district: DISTRICT, name: "Algebra", number: "MATH-9" },
  sections: { id: ID, district: DISTRICT, school: DISTRICT, name: "Algebra P1", students: [DISTRICT], teachers: [] },
  users: { id: ID, district: DISTRICT, roles: { teacher: {} } },
};

function reasonOf(resource: RosterResource, record: unknown): string {
  const result = mapRecord(resource, record);
  if (result.ok) throw new Error(`expected ${resource} record to be rejected`);
  return result.reason;
}

it.each(RESOURCES.map((r) => [r]))("the minimal valid %s record maps", (resource) => {
  expect(mapRecord(resource, valid[resource])).toMatchObject({ ok: true, row: { cleverId: ID, lastModified: null } });
});

describe("reasons name the field and the problem", () => {
  it.each(RESOURCES.map((r) => [r]))("%s: missing id, malformed id, id of the wrong type", (resource) => {
    const { id: _, ...withoutId } = valid[resource];
    expect(reasonOf(resource, withoutId)).toBe(`${resource}.id: is required`);
    expect(reasonOf(resource, { ...valid[resource], id: "5F1B2C3D4E5F60718293A4B5" })).toMatch(new RegExp(`^${resource}\\.id: expected a Clever id \\(24 lowercase hexadecimal characters\\)`));
    expect(reasonOf(resource, { ...valid[resource], id: "abc" })).toMatch(new RegExp(`^${resource}\\.id: expected a Clever id`));
    expect(reasonOf(resource, { ...valid[resource], id: 42 })).toBe(`${resource}.id: expected a Clever id (24 lowercase hexadecimal characters), got number`);
  });

  it("wrong types", () => {
    expect(reasonOf("users", { ...valid.users, roles: "teacher" })).toBe("users.roles: expected an object, got string");
    expect(reasonOf("users", { ...valid.users, roles: undefined })).toBe("users.roles: is required");
    expect(reasonOf("users", { ...valid.users, roles: { student: [] } })).toBe("users.roles.student: expected an object, got array");
    expect(reasonOf("users", { ...valid.users, roles: { student: { school: "nope" } } })).toMatch(/^users\.roles\.student\.school: expected a Clever id/);
    expect(reasonOf("users", { ...valid.users, email: ["a@b.c"] })).toBe("users.email: expected a string, got array");
    expect(reasonOf("users", { ...valid.users, name: "Ann Smith" })).toBe("users.name: expected an object, got string");
    expect(reasonOf("users", { ...valid.users, name: { first: { given: "Ann" } } })).toBe("users.name.first: expected a string, got object");
    expect(reasonOf("sections", { ...valid.sections, students: DISTRICT })).toBe("sections.students: expected an array, got string");
    expect(reasonOf("sections", { ...valid.sections, teachers: [DISTRICT, "x", 7] })).toBe(
      "sections.teachers[1]: expected a Clever id (24 lowercase hexadecimal characters), got a string of 1 characters that is not one; sections.teachers[2]: expected a Clever id (24 lowercase hexadecimal characters), got number",
    );
    expect(reasonOf("sections", { ...valid.sections, school: undefined })).toBe("sections.school: is required");
    expect(reasonOf("schools", { ...valid.schools, location: 5 })).toBe("schools.location: expected an object, got number");
    expect(reasonOf("schools", { ...valid.schools, district: null })).toMatch(/^schools\.district: expected a Clever id/);
  });

  it("required names", () => {
    expect(reasonOf("districts", { id: ID })).toBe("districts.name: is required");
    expect(reasonOf("schools", { ...valid.schools, name: null })).toBe("schools.name: expected a string, got null");
    expect(reasonOf("sections", { ...valid.sections, name: true })).toBe("sections.name: expected a string, got boolean");
  });

  it("unparseable dates", () => {
    expect(reasonOf("terms", { ...valid.terms, start_date: "2024-02-30" })).toBe("terms.start_date: expected an ISO 8601 date (YYYY-MM-DD), got a string that is not one");
    expect(reasonOf("terms", { ...valid.terms, end_date: "next June" })).toMatch(/^terms\.end_date: expected an ISO 8601 date/);
    expect(reasonOf("terms", { ...valid.terms, end_date: 20240606 })).toBe("terms.end_date: expected an ISO 8601 date string, got number");
    expect(reasonOf("courses", { ...valid.courses, last_modified: "yesterday" })).toBe("courses.last_modified: expected an ISO 8601 date-time, got a string that is not one");
    expect(reasonOf("users", { ...valid.users, created: {} })).toBe("users.created: expected an ISO 8601 date-time string, got object");
  });

  it("lists several problems, at most five, and never quotes the rejected value", () => {
    const reason = reasonOf("users", { id: "secret-value-1", district: "secret-value-2", email: {}, name: 3, roles: 4, created: "secret-value-3", last_modified: 5 });
    expect(reason.split("; ")).toHaveLength(6);
    expect(reason).toMatch(/\(2 more problems\)$/);
    expect(reason).not.toMatch(/secret-value/);
  });
});

describe("accepted variations", () => {
  it("keeps unknown extra fields in the raw JSON", () => {
    const record = { ...valid.users, brand_new_field: { nested: [1, 2] }, roles: { teacher: { future_field: true } } };
    const result = mapRecord("users", record);
    expect(result.ok && JSON.parse(result.row.raw)).toEqual(record);
  });

  it("normalizes timestamps to UTC ISO and takes zone-less ones as UTC", () => {
    const at = (last_modified: unknown) => {
      const result = mapRecord("courses", { ...valid.courses, last_modified });
      return result.ok ? result.row.lastModified : result.reason;
    };
    expect(at("2024-09-01T10:00:00+02:00")).toBe("2024-09-01T08:00:00.000Z");
    expect(at("2024-09-01T10:00:00")).toBe("2024-09-01T10:00:00.000Z");
    expect(at("2024-09-01 10:00")).toBe("2024-09-01T10:00:00.000Z");
    expect(at("2024-09-01")).toBe("2024-09-01T00:00:00.000Z");
    expect(at(null)).toBeNull();
    expect(at("")).toBeNull();
  });

  it("takes a term's calendar date as written, without shifting time zones", () => {
    const result = mapRecord("terms", { ...valid.terms, start_date: "2024-08-19T23:30:00-07:00", end_date: null });
    expect(result.ok && result.row.columns).toMatchObject({ start_date: "2024-08-19", end_date: null });
  });

  it("accepts numbers where text is expected, null optional fields, and dedupes enrollments", () => {
    const result = mapRecord("sections", { ...valid.sections, period: 3, grade: null, students: [DISTRICT, DISTRICT], teachers: null, course: null });
    expect(result).toMatchObject({ ok: true, row: { columns: { period: "3", grade: null, course_id: null }, enrollments: [{ userId: DISTRICT, role: "student" }] } });
    const bare = mapRecord("sections", { id: ID, district: DISTRICT, school: DISTRICT, name: "n" });
    expect(bare.ok && bare.row.enrollments).toEqual([]);
  });

  it("derives a user's school from the first role that names one", () => {
    const school = (roles: unknown) => {
      const result = mapRecord("users", { ...valid.users, roles });
      return result.ok ? result.row.columns.school_id : result.reason;
    };
    expect(school({ staff: { schools: [DISTRICT] } })).toBe(DISTRICT);
    expect(school({ teacher: { schools: [ID] }, staff: { schools: [DISTRICT] } })).toBe(ID);
    expect(school({ contact: {} })).toBeNull();
    expect(school({ student: null, teacher: null })).toBeNull();
  });

  it("lists every school of every role once, and a contact's students with relationship and type", () => {
    const OTHER = "5f1b2c3d4e5f60718293a4b7";
    const mapped = mapRecord("users", { ...valid.users, roles: { student: { school: ID, schools: [ID, OTHER] }, staff: { schools: [DISTRICT] }, contact: { student_relationships: [{ student: OTHER, relationship: "Parent", type: "Emergency" }, { student: ID }] } } });
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.row.schools).toEqual([ID, OTHER, DISTRICT]);
    expect(mapped.row.contacts).toEqual([
      { studentId: OTHER, relationship: "Parent", type: "Emergency" },
      { studentId: ID, relationship: null, type: null },
    ]);
    const none = mapRecord("users", valid.users);
    expect(none.ok && [none.row.schools, none.row.contacts]).toEqual([[], []]);
    // A relationship naming no valid student is a reason, never a silently dropped link.
    expect(reasonOf("users", { ...valid.users, roles: { contact: { student_relationships: [{ relationship: "Parent" }] } } })).toBe("users.roles.contact.student_relationships[0].student: is required");
  });
});

describe("never throws", () => {
  const cyclic: Record<string, unknown> = { ...valid.users };
  cyclic.self = cyclic;
  const garbage: unknown[] = [
    null,
    undefined,
    0,
    NaN,
    "users",
    "",
    true,
    [],
    [valid.users],
    () => 1,
    Symbol("x"),
    10n,
    new Date(),
    {},
    { id: null },
    { ...valid.users, big: 10n },
    cyclic,
    Object.create(null),
    Object.defineProperty({ ...valid.users }, "roles", { enumerable: true, get: () => { throw new Error("getter exploded"); } }),
    new Proxy({}, { get: () => { throw new Error("proxy exploded"); }, ownKeys: () => { throw new Error("proxy exploded"); } }),
  ];

  it.each(RESOURCES.map((r) => [r]))("on garbage given as a %s record", (resource) => {
    for (const input of garbage) {
      let result: ReturnType<typeof mapRecord> | undefined;
      expect(() => (result = mapRecord(resource, input))).not.toThrow();
      expect(result!.ok === true || (typeof result!.reason === "string" && result!.reason.startsWith(resource))).toBe(true);
    }
    expect(mapRecord(resource, null)).toEqual({ ok: false, reason: `${resource}: expected a record object, got null` });
    expect(mapRecord(resource, [valid[resource]])).toEqual({ ok: false, reason: `${resource}: expected a record object, got array` });
    expect(mapRecord(resource, "x")).toEqual({ ok: false, reason: `${resource}: expected a record object, got string` });
  });

  it("on an unknown resource name", () => {
    expect(mapRecord("students" as RosterResource, valid.users)).toEqual({ ok: false, reason: "students: not a roster resource" });
    expect(mapRecord("__proto__" as RosterResource, valid.users)).toMatchObject({ ok: false });
  });

  it("on random JSON-shaped values (seeded fuzz)", () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [null, true, 1.5, -1, "x", ID, "2024-01-01", [], {}, [ID], { first: "a" }];
    const randomValue = (depth: number): unknown => {
      const r = next();
      if (depth > 2 || r < 0.6) return values[Math.floor(next() * values.length)];
      if (r < 0.8) return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(depth + 1));
      return Object.fromEntries(["id", "name", "roles", "students", "student", "school", "schools"].filter(() => next() < 0.4).map((k) => [k, randomValue(depth + 1)]));
    };
    const fields = ["id", "district", "name", "school", "students", "teachers", "roles", "email", "start_date", "last_modified", "location", "teacher"];
    for (let i = 0; i < 3000; i++) {
      const record: Record<string, unknown> = { ...valid[RESOURCES[i % RESOURCES.length]!] };
      for (const field of fields) if (next() < 0.3) record[field] = randomValue(0);
      const resource = RESOURCES[Math.floor(next() * RESOURCES.length)]!;
      const result = mapRecord(resource, record);
      if (!result.ok) expect(result.reason).toMatch(new RegExp(`^${resource}[.:]`));
      else expect(JSON.parse(result.row.raw)).toEqual(record);
    }
  });
});
