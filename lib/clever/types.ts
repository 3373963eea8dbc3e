/**
 * Clever API v3.0 record and envelope types.
 *
 * Records are typed but loose: the fields we know are listed, anything else Clever sends is
 * kept (index signature). Validating record contents is the sync layer's job.
 */

export const CLEVER_API_VERSION = 'v3.0';
/** Clever answers 413 above this `limit`. */
export const CLEVER_MAX_PAGE_SIZE = 10000;

export type CleverUserRole = 'student' | 'teacher' | 'staff' | 'district_admin' | 'contact';
export const CLEVER_USER_ROLES: readonly CleverUserRole[] = ['student', 'teacher', 'staff', 'district_admin', 'contact'];

export interface CleverRecord {
  id: string;
  district?: string;
  created?: string;
  last_modified?: string;
  [field: string]: unknown;
}

export interface CleverDistrict extends CleverRecord {
  name?: string;
  sis_type?: string;
  launch_date?: string;
  portal_url?: string;
  login_methods?: string[];
  last_sync?: string | null;
  mdr_number?: string | null;
  nces_id?: string | null;
  state?: string;
  error?: string | null;
}

export interface CleverLocation {
  address?: string;
  city?: string;
  state?: string;
  zip?: string;
  [field: string]: unknown;
}

export interface CleverSchool extends CleverRecord {
  name?: string;
  sis_id?: string;
  school_number?: string;
  state_id?: string;
  nces_id?: string;
  low_grade?: string;
  high_grade?: string;
  principal?: { name?: string; email?: string };
  location?: CleverLocation;
  phone?: string;
}

export interface CleverTerm extends CleverRecord {
  name?: string;
  start_date?: string;
  end_date?: string;
}

export interface CleverCourse extends CleverRecord {
  name?: string;
  number?: string;
}

export interface CleverSection extends CleverRecord {
  school?: string;
  course?: string;
  term_id?: string;
  name?: string;
  period?: string;
  subject?: string;
  grade?: string;
  sis_id?: string;
  section_number?: string;
  students?: string[];
  teachers?: string[];
  teacher?: string;
}

export interface CleverUserRoles {
  student?: Record<string, unknown> & { sis_id?: string; grade?: string; school?: string; schools?: string[] };
  teacher?: Record<string, unknown> & { sis_id?: string; school?: string; schools?: string[] };
  staff?: Record<string, unknown>;
  district_admin?: Record<string, unknown>;
  contact?: Record<string, unknown>;
}

export interface CleverUser extends CleverRecord {
  email?: string;
  name?: { first?: string; middle?: string; last?: string };
  roles?: CleverUserRoles;
}

export type CleverEventAction = 'created' | 'updated' | 'deleted';

export interface CleverEvent extends CleverRecord {
  /** `<resource>.<action>`, e.g. `users.updated`. */
  type: string;
  created: string;
  data: { object: CleverRecord };
  /** `*.updated` only: the changed fields' old values (beside `data`, per Clever/swagger-api v3.0-events.yml). */
  previous_attributes?: Record<string, unknown>;
}

/** Map from list endpoint to its record type. */
export interface CleverResourceRecords {
  districts: CleverDistrict;
  schools: CleverSchool;
  terms: CleverTerm;
  courses: CleverCourse;
  sections: CleverSection;
  users: CleverUser;
  events: CleverEvent;
}

export type CleverListResource = keyof CleverResourceRecords;
/** Roster resources (everything but events), in an order where references point backwards. */
export const CLEVER_ROSTER_RESOURCES = ['districts', 'schools', 'terms', 'courses', 'users', 'sections'] as const;
export type CleverRosterResource = (typeof CLEVER_ROSTER_RESOURCES)[number];
export const CLEVER_LIST_RESOURCES: readonly CleverListResource[] = [...CLEVER_ROSTER_RESOURCES, 'events'];

export interface CleverLink {
  rel: string;
  uri: string;
}

/** The list envelope: `{data: [{data: record, uri}], links: [{rel, uri}]}`. */
export interface CleverListEnvelope<T extends CleverRecord = CleverRecord> {
  data: Array<{ data: T; uri?: string }>;
  links?: CleverLink[];
}

/** `GET /v3.0/me` with a district token. */
export interface CleverMe {
  type: string;
  data: { id: string; district?: string; type?: string; [field: string]: unknown };
  links?: CleverLink[];
}

/** One page as the pager hands it out. */
export interface CleverPage<T extends CleverRecord = CleverRecord> {
  resource: CleverListResource;
  /** 1-based page number within this iteration (offset by `firstPageNumber`). */
  number: number;
  records: T[];
  /** Id of the last record: a checkpoint to resume with `startingAfter`. */
  lastId?: string;
  /** Whether Clever sent a `next` link. */
  hasNext: boolean;
  /** Bytes of the response body. */
  bytes: number;
  /** Wall time for the page including waits and retries. */
  latencyMs: number;
  /** Records whose id an earlier page (or record) already had: kept, and counted for the run summary. */
  duplicates?: number;
  /**
   * The last chunk of its HTTP page. A page is yielded in chunks of bounded size (pager.ts), each
   * with the same `number`; `bytes` is on the final chunk, `latencyMs` on the first.
   */
  final: boolean;
}
