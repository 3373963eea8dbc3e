/**
 * Clever record → typed RosterRow, with validation. Valid records become rows (typed columns,
 * the raw JSON, last_modified, and a section's enrollments); invalid ones become a reason naming
 * the field and the problem, for the quarantine table. mapRecord never throws, whatever it is given.
 */
import type { RosterResource, RosterRow } from "../../store/types";
import { describeIssues, typeName, type MappedRecordBase, type ResourceMapping } from "./common";
import { courseMapping } from "./courses";
import { compileFast, FAIL, type FastParse } from "./fastParse";
import { districtMapping } from "./districts";
import { schoolMapping } from "./schools";
import { sectionMapping } from "./sections";
import { termMapping } from "./terms";
import { userMapping } from "./users";

export type { RosterResource, RosterRow } from "../../store/types";
export { CLEVER_ID_PATTERN, parseIsoDateTime } from "./common";

export type MapResult = { ok: true; row: RosterRow } | { ok: false; reason: string };

const MAPPINGS: Record<RosterResource, ResourceMapping<MappedRecordBase>> = {
  districts: districtMapping,
  schools: schoolMapping,
  terms: termMapping,
  courses: courseMapping,
  sections: sectionMapping as ResourceMapping<MappedRecordBase>,
  users: userMapping,
};

/** Each schema's fast path (fastParse.ts), compiled once. */
const FAST = Object.fromEntries(Object.entries(MAPPINGS).map(([resource, mapping]) => [resource, compileFast(mapping.schema)])) as Record<RosterResource, FastParse<MappedRecordBase>>;

export function mapRecord(resource: RosterResource, record: unknown): MapResult {
  try {
    const mapping = Object.prototype.hasOwnProperty.call(MAPPINGS, resource) ? MAPPINGS[resource] : undefined;
    if (!mapping) return { ok: false, reason: `${String(resource)}: not a roster resource` };
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      return { ok: false, reason: `${resource}: expected a record object, got ${typeName(record)}` };
    }
    let value = FAST[resource](record);
    if (value === FAIL) {
      // Something is wrong: zod says what.
      const parsed = mapping.schema.safeParse(record, { reportInput: true });
      if (!parsed.success) return { ok: false, reason: describeIssues(resource, parsed.error.issues) };
      value = parsed.data;
    }
    const row: RosterRow = { cleverId: value.id, columns: mapping.columns(value), raw: JSON.stringify(record), lastModified: value.last_modified ?? null };
    if (mapping.enrollments) row.enrollments = mapping.enrollments(value);
    if (mapping.schools) row.schools = mapping.schools(value);
    if (mapping.contacts) row.contacts = mapping.contacts(value);
    return { ok: true, row };
  } catch (error) {
    // Getters that throw, BigInts or cycles in hand-built objects: still a reason, never an exception.
    return { ok: false, reason: `${String(resource)}: could not be mapped (${error instanceof Error ? error.message : typeName(error)})` };
  }
}
