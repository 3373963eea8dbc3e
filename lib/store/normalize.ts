/**
 * Input guards and normalization shared by both dialects, so SQLite and SQL Server accept,
 * reject and store exactly the same things: identifiers and table names are checked before any
 * SQL is built, timestamps become ISO-8601 UTC with milliseconds (DATETIME2(3) round-trips
 * them exactly), text is cut to its column width, and a batch's repeated ids collapse to the last.
 */
import { createHash } from "node:crypto";
import { StoreInputError } from "./errors";
import {
  ERROR_MAX_LENGTH,
  RELATIONSHIP_MAX_LENGTH,
  ID_MAX_LENGTH,
  INSTANCE_ID_MAX_LENGTH,
  REASON_MAX_LENGTH,
  ROSTER_COLUMNS,
  RUN_ID_MAX_LENGTH,
  TENANT_ID_MAX_LENGTH,
  type ColumnDef,
} from "./schema";
import { ROSTER_RESOURCES, SCHOOL_SCOPED_RESOURCES, type SweepScope, type ColumnValue, type ContactRelationship, type Enrollment, type QuarantineEntry, type RosterResource, type RosterRow, type RunSummary } from "./types";

/** A row ready for either dialect: values in ROSTER_COLUMNS order. */
export interface PreparedRow {
  cleverId: string;
  values: ColumnValue[];
  raw: string;
  lastModified: string | null;
  enrollments?: Enrollment[];
  /** Users only: distinct school ids. */
  schools?: string[];
  /** Users only: one relationship per student (the last listed wins). */
  contacts?: ContactRelationship[];
}

export interface PreparedQuarantineEntry {
  resource: RosterResource;
  cleverId: string | null;
  reason: string;
  raw: string;
  hash: string;
}

const RUN_MODES = new Set(["full", "incremental"]);
const RUN_STATUSES = new Set(["running", "completed", "failed", "held"]);
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/;

export function assertResource(resource: unknown): asserts resource is RosterResource {
  // Resource names become table names in SQL: only the known ones pass.
  if (typeof resource !== "string" || !(ROSTER_RESOURCES as readonly string[]).includes(resource)) {
    throw new StoreInputError("resource", `must be one of ${ROSTER_RESOURCES.join(", ")}`);
  }
}

/** A sweep scope names a school (a Clever id) and only resources with a school_id column accept one. */
export function assertScope(resource: RosterResource, scope: SweepScope | undefined): void {
  if (scope === undefined) return;
  if (!SCHOOL_SCOPED_RESOURCES.includes(resource)) throw new StoreInputError("scope", `${resource} rows carry no school; only ${SCHOOL_SCOPED_RESOURCES.join(", ")} can be swept by school`);
  assertCleverId("scope.schoolId", scope?.schoolId);
}

/** What assertKey accepts, without naming a field (so no name is built for values that pass). */
function isKey(value: unknown, maxLength: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxLength;
}

function assertKey(field: string, value: unknown, maxLength: number): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new StoreInputError(field, "must be a non-empty string");
  if (value.length > maxLength) throw new StoreInputError(field, `must be at most ${maxLength} characters (got ${value.length})`);
}

export function assertTenantId(tenantId: unknown): asserts tenantId is string {
  assertKey("tenantId", tenantId, TENANT_ID_MAX_LENGTH);
}

export function assertRunId(runId: unknown): asserts runId is string {
  assertKey("runId", runId, RUN_ID_MAX_LENGTH);
}

export function assertCleverId(field: string, cleverId: unknown): asserts cleverId is string {
  assertKey(field, cleverId, ID_MAX_LENGTH);
}

/** ISO-8601 UTC with milliseconds, the one timestamp format both dialects store and return. */
export function isoTimestamp(field: string, value: unknown): string {
  const ms = typeof value === "string" ? Date.parse(value) : value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new StoreInputError(field, "must be a parseable date-time (ISO 8601)");
  return new Date(ms).toISOString();
}

export function optionalIsoTimestamp(field: string, value: unknown): string | null {
  return value === null || value === undefined ? null : isoTimestamp(field, value);
}

/** Cuts to `max` UTF-16 code units without leaving half a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

function columnValue(resource: RosterResource, cleverId: string, column: ColumnDef, value: unknown): ColumnValue {
  if (value === null || value === undefined) return null;
  // Named only when it fails: built for every value, the name was a sync's largest allocation.
  const field = () => `${resource}[${cleverId}].columns.${column.name}`;
  switch (column.kind) {
    case "text":
      if (typeof value === "string") return truncate(value, column.maxLength ?? Number.MAX_SAFE_INTEGER);
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      throw new StoreInputError(field(), `must be a string (got ${typeof value})`);
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === 0 || value === 1) return value === 1;
      throw new StoreInputError(field(), `must be a boolean (got ${typeof value})`);
    case "date": {
      const match = typeof value === "string" ? DATE_PREFIX.exec(value) : null;
      if (!match || !Number.isFinite(Date.parse(match[1]!))) throw new StoreInputError(field(), "must be a date string starting YYYY-MM-DD");
      return match[1]!;
    }
  }
}

function prepareEnrollments(cleverId: string, enrollments: unknown): Enrollment[] {
  if (!Array.isArray(enrollments)) throw new StoreInputError(`sections[${cleverId}].enrollments`, "must be an array");
  // A sync sends ~5 enrollments per user: no string is built per enrollment unless one is bad.
  const seen = { student: new Set<string>(), teacher: new Set<string>() };
  const out: Enrollment[] = [];
  for (const item of enrollments as unknown[]) {
    const { userId, role } = (item ?? {}) as { userId?: unknown; role?: unknown };
    if (!isKey(userId, ID_MAX_LENGTH)) assertCleverId(`sections[${cleverId}].enrollments.userId`, userId);
    if (role !== "student" && role !== "teacher") throw new StoreInputError(`sections[${cleverId}].enrollments.role`, 'must be "student" or "teacher"');
    if (seen[role].has(userId)) continue;
    seen[role].add(userId);
    out.push({ userId, role });
  }
  return out;
}

function prepareSchools(cleverId: string, schools: unknown): string[] {
  if (!Array.isArray(schools)) throw new StoreInputError(`users[${cleverId}].schools`, "must be an array of school ids");
  for (const id of schools) if (!isKey(id, ID_MAX_LENGTH)) assertCleverId(`users[${cleverId}].schools`, id);
  return [...new Set(schools as string[])];
}

function prepareContacts(cleverId: string, contacts: unknown): ContactRelationship[] {
  if (!Array.isArray(contacts)) throw new StoreInputError(`users[${cleverId}].contacts`, "must be an array");
  const byStudent = new Map<string, ContactRelationship>();
  for (const item of contacts as unknown[]) {
    const { studentId, relationship, type } = (item ?? {}) as { studentId?: unknown; relationship?: unknown; type?: unknown };
    assertCleverId(`users[${cleverId}].contacts.studentId`, studentId);
    const text = (field: string, value: unknown): string | null => {
      if (value === null || value === undefined) return null;
      if (typeof value !== "string") throw new StoreInputError(`users[${cleverId}].contacts.${field}`, "must be a string or null");
      return truncate(value, RELATIONSHIP_MAX_LENGTH);
    };
    byStudent.set(studentId, { studentId, relationship: text("relationship", relationship), type: text("type", type) });
  }
  return [...byStudent.values()];
}

/** Validates and normalizes a batch; a cleverId repeated in the batch keeps its last row, at the position of its first. */
export function prepareRows(resource: RosterResource, rows: readonly RosterRow[]): PreparedRow[] {
  if (!Array.isArray(rows)) throw new StoreInputError("rows", "must be an array");
  const columns = ROSTER_COLUMNS[resource];
  const known = new Set(columns.map((c) => c.name));
  const byId = new Map<string, PreparedRow>();
  for (const row of rows) {
    if (typeof row !== "object" || row === null) throw new StoreInputError(`${resource} row`, "must be an object");
    if (!isKey(row.cleverId, ID_MAX_LENGTH)) assertCleverId(`${resource}.cleverId`, row.cleverId);
    if (typeof row.raw !== "string") throw new StoreInputError(`${resource}[${row.cleverId}].raw`, "must be a JSON string");
    const source = (row.columns ?? {}) as Record<string, unknown>;
    // A key the table lacks is a mapping/schema mismatch: fail loudly instead of dropping the value.
    for (const key of Object.keys(source)) if (!known.has(key)) throw new StoreInputError(`${resource}[${row.cleverId}].columns.${key}`, `is not a column of ${resource}`);
    const prepared: PreparedRow = {
      cleverId: row.cleverId,
      values: columns.map((column) => columnValue(resource, row.cleverId, column, source[column.name])),
      raw: row.raw,
      lastModified: row.lastModified === null || row.lastModified === undefined ? null : isoTimestamp(`${resource}[${row.cleverId}].lastModified`, row.lastModified),
    };
    if (row.enrollments !== undefined) {
      if (resource !== "sections") throw new StoreInputError(`${resource}[${row.cleverId}].enrollments`, "only sections have enrollments");
      prepared.enrollments = prepareEnrollments(row.cleverId, row.enrollments);
    }
    if (row.schools !== undefined || row.contacts !== undefined) {
      if (resource !== "users") throw new StoreInputError(`${resource}[${row.cleverId}].${row.schools !== undefined ? "schools" : "contacts"}`, "only users have school memberships and contacts");
      if (row.schools !== undefined) prepared.schools = prepareSchools(row.cleverId, row.schools);
      if (row.contacts !== undefined) prepared.contacts = prepareContacts(row.cleverId, row.contacts);
    }
    byId.set(row.cleverId, prepared);
  }
  return [...byId.values()];
}

/** Distinct, validated ids. */
export function prepareIds(field: string, ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw new StoreInputError(field, "must be an array of ids");
  for (const id of ids) assertCleverId(field, id);
  return [...new Set(ids)];
}

export interface PreparedRun {
  tenantId: string;
  runId: string;
  mode: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  countsJson: string | null;
  error: string | null;
  instanceId: string | null;
}

function countsJson(counts: unknown): string | null {
  if (counts === null || counts === undefined) return null;
  if (typeof counts !== "object" || Array.isArray(counts)) throw new StoreInputError("counts", "must be an object or null");
  return JSON.stringify(counts);
}

function runStatus(status: unknown): string {
  if (typeof status !== "string" || !RUN_STATUSES.has(status)) throw new StoreInputError("status", "must be running, completed, failed or held");
  return status;
}

export function prepareRun(run: RunSummary): PreparedRun {
  assertTenantId(run.tenantId);
  assertRunId(run.runId);
  if (!RUN_MODES.has(run.mode)) throw new StoreInputError("mode", "must be full or incremental");
  if (run.instanceId !== undefined && run.instanceId !== null && typeof run.instanceId !== "string") throw new StoreInputError("instanceId", "must be a string or null");
  return {
    tenantId: run.tenantId,
    runId: run.runId,
    mode: run.mode,
    status: runStatus(run.status),
    startedAt: isoTimestamp("startedAt", run.startedAt),
    finishedAt: optionalIsoTimestamp("finishedAt", run.finishedAt),
    countsJson: countsJson(run.counts),
    error: run.error == null ? null : truncate(String(run.error), ERROR_MAX_LENGTH),
    instanceId: run.instanceId ? truncate(run.instanceId, INSTANCE_ID_MAX_LENGTH) : null,
  };
}

export function prepareRunResult(result: Pick<RunSummary, "status" | "finishedAt" | "counts" | "error">): Pick<PreparedRun, "status" | "finishedAt" | "countsJson" | "error"> {
  return {
    status: runStatus(result.status),
    finishedAt: optionalIsoTimestamp("finishedAt", result.finishedAt),
    countsJson: countsJson(result.counts),
    error: result.error == null ? null : truncate(String(result.error), ERROR_MAX_LENGTH),
  };
}

/** Entries with a content hash, so re-quarantining the same entry in the same run is a no-op. */
export function prepareQuarantine(entries: readonly QuarantineEntry[]): PreparedQuarantineEntry[] {
  if (!Array.isArray(entries)) throw new StoreInputError("entries", "must be an array");
  const byHash = new Map<string, PreparedQuarantineEntry>();
  for (const entry of entries) {
    assertResource(entry?.resource);
    if (typeof entry.reason !== "string" || entry.reason === "") throw new StoreInputError("quarantine reason", "must be a non-empty string");
    if (typeof entry.raw !== "string") throw new StoreInputError("quarantine raw", "must be a string");
    if (entry.cleverId !== null && typeof entry.cleverId !== "string") throw new StoreInputError("quarantine cleverId", "must be a string or null");
    // Ids of rejected records may be garbage of any length: cut to the column width.
    const cleverId = entry.cleverId === null ? null : truncate(entry.cleverId, ID_MAX_LENGTH);
    const hash = createHash("sha256").update(JSON.stringify([entry.resource, entry.cleverId, entry.reason, entry.raw])).digest("hex");
    byHash.set(hash, { resource: entry.resource, cleverId, reason: truncate(entry.reason, REASON_MAX_LENGTH), raw: entry.raw, hash });
  }
  return [...byHash.values()];
}

export function clampLimit(limit: unknown, max: number): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) throw new StoreInputError("limit", "must be a positive integer");
  return Math.min(limit, max);
}

/** Decodes a typed column read from either dialect into the values RosterRow.columns uses. */
export function decodeColumn(column: ColumnDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.kind === "bool") return value === true || value === 1 || value === 1n;
  if (column.kind === "date" && value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

export function decodeTimestamp(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

/** markStale input: distinct valid ids (last entry wins), reasons cut to the quarantine's width. */
export function prepareStale(entries: readonly { cleverId: string; reason: string }[]): { cleverId: string; reason: string }[] {
  const ids = prepareIds("entries.cleverId", entries.map((e) => e.cleverId));
  const byId = new Map(entries.map((e) => [e.cleverId, truncate(String(e.reason ?? ""), REASON_MAX_LENGTH)]));
  return ids.map((cleverId) => ({ cleverId, reason: byId.get(cleverId) ?? "" }));
}
