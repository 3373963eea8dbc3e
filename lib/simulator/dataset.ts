/**
 * A synthetic Clever district: deterministic base data from (seed, users), a mutation
 * overlay, and the event log those mutations feed. This is also the ground truth tests
 * compare a synced database with.
 */
import type { CleverEvent, CleverRecord, CleverUserRole } from '../clever/types';
import { EventLog } from './events';
import {
  KIND_CODES,
  baseUserHasRole,
  createGeneratorContext,
  generateCourse,
  generateDistrict,
  generateSchool,
  generateSection,
  generateTerm,
  generateUser,
  type GeneratorContext,
  type RosterKind,
} from './generators';
import { IdSpace } from './ids';
import { COURSE_COUNT, TERM_COUNT, computeLayout, type DistrictLayout } from './layout';
import { ResourceTable, type ListWindow, type RecordFilter, type StreamWindow } from './table';

export const ROSTER_KINDS: readonly RosterKind[] = ['districts', 'schools', 'terms', 'courses', 'users', 'sections'];

export interface SyntheticDistrictOptions {
  seed: number;
  /** Number of users (mostly students). */
  users: number;
  /** Add parent/guardian contacts (users with the `contact` role), as Clever rosters have. Default true. */
  contacts?: boolean;
  /** Clock for mutation timestamps and event retention. Default Date.now. */
  now?: () => number;
  /** Events older than this are dropped. Default 30 days, as Clever documents. */
  eventRetentionMs?: number;
}

export interface ListQuery {
  startingAfter?: string;
  /** An id, or 'last' for the newest records. */
  endingBefore?: string;
  limit: number;
  role?: CleverUserRole;
  /** Only this school's records: the nested `/schools/{id}/sections|users` lists. */
  school?: string;
}

/** Fields a mutation may not change. */
const FIXED_FIELDS = ['id', 'district', 'created'];

/**
 * Kinds whose records carry `created`/`last_modified`: Clever/swagger-api v3.0.yml defines them
 * on School, Section and User only (District, Term and Course have neither).
 */
const TIMESTAMPED: ReadonlySet<RosterKind> = new Set(['schools', 'sections', 'users']);

export class SyntheticDistrict {
  readonly id: string;
  readonly seed: number;
  readonly layout: DistrictLayout;
  readonly events: EventLog;
  private readonly tables: Record<RosterKind, ResourceTable>;
  private readonly context: GeneratorContext;
  private readonly now: () => number;

  constructor(options: SyntheticDistrictOptions) {
    this.seed = options.seed;
    this.now = options.now ?? Date.now;
    this.layout = computeLayout({ seed: options.seed, users: options.users, contacts: options.contacts });
    const epoch = this.layout.epochSeconds;
    // Creation order: district, schools, terms, courses, users, then sections.
    const starts: Record<RosterKind, number> = {
      districts: epoch,
      schools: epoch + 60,
      terms: epoch + 600,
      courses: epoch + 1200,
      users: epoch + 3600,
      sections: epoch + 3600 + this.layout.users + 600,
    };
    const ids = Object.fromEntries(ROSTER_KINDS.map((kind) => [kind, new IdSpace(options.seed, KIND_CODES[kind], starts[kind])])) as Record<RosterKind, IdSpace>;
    this.context = createGeneratorContext(this.layout, ids, starts);
    this.id = this.context.districtId;
    const ctx = this.context;
    const counts: Record<RosterKind, number> = {
      districts: 1,
      schools: this.layout.schools.length,
      terms: TERM_COUNT,
      courses: COURSE_COUNT,
      users: this.layout.users,
      sections: this.layout.sections,
    };
    const generators: Record<RosterKind, (seq: number) => CleverRecord> = {
      districts: () => generateDistrict(ctx),
      schools: (seq) => generateSchool(ctx, seq),
      terms: (seq) => generateTerm(ctx, seq),
      courses: (seq) => generateCourse(ctx, seq),
      users: (seq) => generateUser(ctx, seq),
      sections: (seq) => generateSection(ctx, seq),
    };
    this.tables = Object.fromEntries(
      ROSTER_KINDS.map((kind) => [kind, new ResourceTable(kind, ids[kind], counts[kind], generators[kind])]),
    ) as Record<RosterKind, ResourceTable>;
    this.events = new EventLog(options.seed, this.now, options.eventRetentionMs ?? 30 * 86_400_000);
  }

  get name(): string {
    return String(this.get('districts', this.id)?.name ?? '');
  }

  count(kind: RosterKind, role?: CleverUserRole): number {
    if (!role) return this.tables[kind].size;
    let n = 0;
    for (const _ of this.records(kind, { role })) n++;
    return n;
  }

  get(kind: RosterKind, id: string): CleverRecord | undefined {
    return this.tables[kind].get(id);
  }

  /** Ground truth: every current record of a resource in id order (optionally one user role). */
  records(kind: RosterKind, options: { role?: CleverUserRole } = {}): Generator<CleverRecord, void, undefined> {
    return this.tables[kind].all(this.filterFor(kind, options.role));
  }

  /** One page of a list endpoint. */
  list(kind: RosterKind, query: ListQuery): ListWindow {
    const filter = this.filterFor(kind, query.role, query.school);
    const table = this.tables[kind];
    if (query.endingBefore !== undefined) {
      return table.before(query.endingBefore === 'last' ? undefined : query.endingBefore, query.limit, filter);
    }
    return table.after(query.startingAfter, query.limit, filter);
  }

  /** A forward page whose records are generated while they are written (see ResourceTable.streamAfter). */
  streamList(kind: RosterKind, query: Omit<ListQuery, 'endingBefore'>): StreamWindow {
    return this.tables[kind].streamAfter(query.startingAfter, query.limit, this.filterFor(kind, query.role, query.school));
  }

  /** 1-based number of the page that starts after `startingAfter`, for `limit`-sized pages. */
  pageNumber(kind: RosterKind, query: ListQuery): number {
    return Math.floor(this.tables[kind].countThrough(query.startingAfter, this.filterFor(kind, query.role, query.school)) / query.limit) + 1;
  }

  /** Creates a record (id, district, created, last_modified are filled in) and emits `<kind>.created`. */
  create(kind: RosterKind, fields: Record<string, unknown>): CleverRecord {
    if (kind === 'districts') throw new Error('a simulated district cannot create another district');
    const iso = new Date(this.now()).toISOString();
    const stamps = TIMESTAMPED.has(kind) ? { created: iso, last_modified: iso } : {};
    const record = this.tables[kind].create((id) => ({ ...stripFixed(fields), id, district: this.id, ...stamps }));
    this.events.append(kind, 'created', record);
    return record;
  }

  /**
   * Shallow-merges `patch` into a record, bumps last_modified and emits `<kind>.updated` with
   * `previous_attributes` holding the old values of the changed fields. Returns the new record.
   */
  update(kind: RosterKind, id: string, patch: Record<string, unknown>): CleverRecord {
    const before = this.mustGet(kind, id);
    const changes = stripFixed(patch);
    const previous: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (JSON.stringify(before[key]) !== JSON.stringify(value)) previous[key] = before[key] ?? null;
    }
    const after: CleverRecord = { ...before, ...changes, ...(TIMESTAMPED.has(kind) ? { last_modified: new Date(this.now()).toISOString() } : {}) };
    this.tables[kind].replace(id, after);
    if (Object.keys(previous).length > 0) this.events.append(kind, 'updated', after, previous);
    return after;
  }

  /** Deletes a record and emits `<kind>.deleted` with its last state. Returns that state. */
  remove(kind: RosterKind, id: string): CleverRecord {
    if (kind === 'districts') throw new Error('a simulated district cannot delete itself');
    const record = this.mustGet(kind, id);
    this.tables[kind].delete(id);
    this.events.append(kind, 'deleted', record);
    return record;
  }

  /** Ids of a resource at generated positions, handy for tests picking records to mutate. */
  idAt(kind: RosterKind, seq: number): string {
    return this.context.ids[kind].idAt(seq);
  }

  allEvents(): CleverEvent[] {
    return this.events.all();
  }

  private mustGet(kind: RosterKind, id: string): CleverRecord {
    const record = this.tables[kind].get(id);
    if (!record) throw new Error(`no ${kind} record with id ${id}`);
    return record;
  }

  private filterFor(kind: RosterKind, role: CleverUserRole | undefined, school?: string): RecordFilter {
    const byRole: RecordFilter =
      kind !== 'users' || !role
        ? {}
        : {
            base: (seq) => baseUserHasRole(this.layout, seq, role),
            record: (record) => typeof record.roles === 'object' && record.roles !== null && role in (record.roles as object),
          };
    if (school === undefined) return byRole;
    // One school's records (the nested lists): a generated record is materialized to test it.
    const table = this.tables[kind];
    const inSchool = (record: CleverRecord | undefined) => record !== undefined && recordInSchool(kind, record, school);
    return {
      base: (seq) => (byRole.base ? byRole.base(seq) : true) && inSchool(table.at(seq)),
      record: (record) => (byRole.record ? byRole.record(record) : true) && inSchool(record),
    };
  }
}

/**
 * Whether a record belongs to a school, as Clever's nested lists select them (Clever/swagger-api
 * v3.0.yml: getSectionsForSchool "Returns the sections for a school" — a section's `school`;
 * getUsersForSchool "Returns the staff, student, and/or teacher users for a school" — a user whose
 * student/teacher/staff role names the school in `school` or `schools`; contacts are not listed).
 */
export function recordInSchool(kind: RosterKind, record: CleverRecord, school: string): boolean {
  if (kind === 'sections') return record.school === school;
  if (kind !== 'users') return false;
  const roles = (record.roles ?? {}) as Record<string, { school?: unknown; schools?: unknown } | undefined>;
  return ['student', 'teacher', 'staff'].some((role) => {
    const r = roles[role];
    return r !== undefined && r !== null && (r.school === school || (Array.isArray(r.schools) && r.schools.includes(school)));
  });
}

function stripFixed(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (!FIXED_FIELDS.includes(key)) out[key] = value;
  return out;
}
