/**
 * The mapping's fast path (lib/sync/mapping/fastParse.ts) must agree with zod on every record: the
 * same parsed value when zod accepts, FAIL whenever zod rejects. Checked on every simulator record
 * and on variants with each field replaced by a value of every JSON type (valid and invalid ids,
 * dates, text, numbers, arrays, objects, null, absent).
 */
import type { z } from "zod";
import type { CleverRecord } from "../../../lib/clever/types";
import { CleverSimulator, ROSTER_KINDS, type RosterKind } from "../../../lib/simulator";
import { courseMapping } from "../../../lib/sync/mapping/courses";
import { districtMapping } from "../../../lib/sync/mapping/districts";
import { compileFast, FAIL } from "../../../lib/sync/mapping/fastParse";
import { schoolMapping } from "../../../lib/sync/mapping/schools";
import { sectionMapping } from "../../../lib/sync/mapping/sections";
import { termMapping } from "../../../lib/sync/mapping/terms";
import { userMapping } from "../../../lib/sync/mapping/users";

const SCHEMAS: Record<RosterKind, z.ZodType> = {
  districts: districtMapping.schema,
  schools: schoolMapping.schema,
  terms: termMapping.schema,
  courses: courseMapping.schema,
  sections: sectionMapping.schema as z.ZodType,
  users: userMapping.schema,
};

const PROBES: unknown[] = [
  undefined,
  null,
  "",
  "text",
  "5fbd0000000000000000000a",
  "5FBD0000000000000000000A",
  "2024-02-30",
  "2024-03-01T10:00:00Z",
  "3/14/2011",
  0,
  42.5,
  true,
  [],
  ["5fbd0000000000000000000a", "5fbd0000000000000000000a"],
  ["not-an-id"],
  [{ student: "5fbd0000000000000000000a", relationship: "Parent", type: 7 }],
  {},
  { sis_id: 5, school: "5fbd0000000000000000000a", schools: ["5fbd0000000000000000000b"] },
];

/** Every path to a value in the record, nested objects included (arrays as a whole). */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [key, child] of Object.entries(value)) out.push(...paths(child, [...prefix, key]));
  return out;
}

function withValue(record: CleverRecord, path: string[], value: unknown): unknown {
  const copy = structuredClone(record) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[path[path.length - 1]!];
  else target[path[path.length - 1]!] = structuredClone(value);
  return copy;
}

function expectAgreement(schema: z.ZodType, fast: (v: unknown) => unknown, record: unknown): "accepted" | "rejected" {
  const zod = schema.safeParse(record);
  const ours = fast(record);
  if (!zod.success) {
    expect({ record, fast: ours === FAIL ? "FAIL" : ours }).toEqual({ record, fast: "FAIL" });
    return "rejected";
  }
  expect({ record, fast: ours }).toEqual({ record, fast: zod.data });
  return "accepted";
}

describe.each([
  ["seed 3, 300 users with contacts", { seed: 3, users: 300, contacts: true }],
  ["seed 11, 60 users", { seed: 11, users: 60 }],
])("fast path agrees with zod (%s)", (_label, options) => {
  const simulator = new CleverSimulator(options);

  it.each(ROSTER_KINDS.map((k) => [k]))("on every %s record and on each field replaced by every kind of value", async (kind) => {
    const schema = SCHEMAS[kind];
    const fast = compileFast(schema);
    const outcomes = { accepted: 0, rejected: 0 };
    let n = 0;
    for await (const record of simulator.groundTruth(kind)) {
      expect(expectAgreement(schema, fast, record)).toBe("accepted");
      // Variants of the first records of each kind: enough to cover every field and role.
      if (n++ >= 25) continue;
      for (const path of paths(record)) for (const probe of PROBES) outcomes[expectAgreement(schema, fast, withValue(record, path, probe))]++;
      outcomes[expectAgreement(schema, fast, { ...record, unknown_field: { nested: [1, 2] } })]++;
    }
    // The probes must exercise both sides, or the comparison proves nothing.
    expect(outcomes.accepted).toBeGreaterThan(20);
    expect(outcomes.rejected).toBeGreaterThan(20);
  });

  it("rejects what is not a record at all", () => {
    for (const kind of ROSTER_KINDS) for (const value of [null, "x", 5, [], [{ id: "5fbd0000000000000000000a" }]]) expectAgreement(SCHEMAS[kind], compileFast(SCHEMAS[kind]), value);
  });
});

it("refuses, at compile time, a schema feature it does not implement", () => {
  const { z: zod } = jest.requireActual<typeof import("zod")>("zod");
  expect(() => compileFast(zod.object({ a: zod.string() }))).toThrow(/zod type "string" is not supported/);
});
