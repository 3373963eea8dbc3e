/**
 * API versions the simulator serves, like Clever: the same paths and event types under /v3.0 and
 * /v3.1, with v3.1 adding fields only. Records are generated with the v3.1 fields; a v3.0 answer
 * leaves them out ("Events for fields and objects that are introduced in later API versions will
 * not appear in this version", https://dev.clever.com/docs/events-api).
 *
 * Which fields are v3.1-only: the difference of the definitions in Clever/swagger-api v3.0.yml and
 * v3.1.yml (Student: disability, frl_status, gifted_status, home_language, home_language_code,
 * iep_status, preferred_name, section_504_status; District: last_attendance_sync, lms_state,
 * lms_type; Section and User: lms_status).
 */
import type { CleverRecord } from '../clever';

export const API_VERSIONS = ['v3.0', 'v3.1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

const V31_ONLY: Record<string, readonly string[]> = {
  districts: ['last_attendance_sync', 'lms_state', 'lms_type'],
  sections: ['lms_status'],
  users: ['lms_status'],
};
const V31_ONLY_STUDENT = ['disability', 'frl_status', 'gifted_status', 'home_language', 'home_language_code', 'iep_status', 'preferred_name', 'section_504_status'];

/** The version in a data path (`/v3.1/users` → 'v3.1'), or undefined for a path no version serves. */
export function versionOfPath(pathname: string): ApiVersion | undefined {
  return API_VERSIONS.find((v) => pathname.startsWith(`/${v}/`));
}

/** A record as `version` shows it (a shallow copy when fields are removed; the input is not changed). */
export function recordForVersion(kind: string, record: CleverRecord, version: ApiVersion): CleverRecord {
  if (version === 'v3.1') return record;
  const drop = V31_ONLY[kind];
  if (!drop) return record;
  const out: CleverRecord = { ...record };
  for (const field of drop) delete out[field];
  const roles = out.roles as Record<string, Record<string, unknown>> | undefined;
  if (kind === 'users' && roles?.student) {
    const student = { ...roles.student };
    for (const field of V31_ONLY_STUDENT) delete student[field];
    out.roles = { ...roles, student };
  }
  return out;
}

/** An event as `version` shows it: its `data.object` projected like a record of its type. */
export function eventForVersion(event: CleverRecord, version: ApiVersion): CleverRecord {
  if (version === 'v3.1') return event;
  const kind = String(event.type ?? '').split('.')[0] ?? '';
  const data = event.data as { object?: CleverRecord } | undefined;
  if (!data?.object) return event;
  return { ...event, data: { ...data, object: recordForVersion(kind, data.object, version) } };
}
