/**
 * Field validators shared by the per-resource mappings, and the translation of zod issues into
 * one-line reasons that name the field and the problem (`users.roles: expected an object, got
 * string`). Reasons never quote a rejected value, only its JSON type: records hold personal data
 * and reasons end up in logs; the quarantine table keeps the raw record for whoever needs it.
 */
import { z } from "zod";
import type { ColumnValue, ContactRelationship, Enrollment } from "../../store/types";

export const CLEVER_ID_PATTERN = /^[0-9a-f]{24}$/;
const ID_RULE = "expected a Clever id (24 lowercase hexadecimal characters)";
const MAX_REASON_ISSUES = 5;

/** What every mapped record provides besides its columns. */
export interface MappedRecordBase {
  id: string;
  last_modified?: string | null;
}

/** One resource's validation and column extraction. */
export interface ResourceMapping<T extends MappedRecordBase> {
  schema: z.ZodType<T>;
  columns(record: T): Record<string, ColumnValue>;
  enrollments?(record: T): Enrollment[];
  /** Users: every school the user belongs to. */
  schools?(record: T): string[];
  /** Users: a contact's students. */
  contacts?(record: T): ContactRelationship[];
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function fail(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

function checkId(value: unknown, ctx: z.RefinementCtx): string {
  if (value === undefined) return fail(ctx, "is required");
  if (typeof value !== "string") return fail(ctx, `${ID_RULE}, got ${typeName(value)}`);
  if (!CLEVER_ID_PATTERN.test(value)) return fail(ctx, `${ID_RULE}, got a string of ${value.length} characters that is not one`);
  return value;
}

/** A required Clever id. */
export const cleverId = z.unknown().transform(checkId);

/*
 * Optional fields end in .optional(): zod then leaves an absent key out of the output (undefined)
 * instead of demanding it, and the mappings turn undefined into NULL with `?? null`.
 */

/** An optional reference to another record: null stays null. */
export const optionalCleverId = z
  .unknown()
  .transform((value, ctx): string | null => (value === undefined || value === null ? null : checkId(value, ctx)))
  .optional();

/** A list of ids (students, teachers, schools); null or absent means none. */
export const cleverIdList = z.array(z.unknown().transform(checkId)).nullish();

/** Free text. Numbers are accepted as text (some SIS exports send codes as numbers). */
export const optionalText = z
  .unknown()
  .transform((value, ctx): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    return fail(ctx, `expected a string, got ${typeName(value)}`);
  })
  .optional();

/** Text Clever always sends. */
export const requiredText = z.unknown().transform((value, ctx): string => {
  if (value === undefined || value === null) return fail(ctx, value === null ? "expected a string, got null" : "is required");
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return fail(ctx, `expected a string, got ${typeName(value)}`);
});

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Parses ISO 8601 strictly (no "March 7"); a date-time without a zone is taken as UTC so results never depend on the host. */
export function parseIsoDateTime(value: string): { ms: number; date: string } | undefined {
  const m = DATE_TIME.exec(value.trim());
  if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  let text = value.trim().replace(" ", "T");
  if (m[4] !== undefined && m[7] === undefined) text += "Z";
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? { ms, date: `${m[1]}-${m[2]}-${m[3]}` } : undefined;
}

/** A date-time such as created/last_modified, normalized to ISO-8601 UTC; null or "" gives null. */
export const optionalTimestamp = z
  .unknown()
  .transform((value, ctx): string | null => {
    if (value === undefined || value === null || value === "") return null;
    if (typeof value !== "string") return fail(ctx, `expected an ISO 8601 date-time string, got ${typeName(value)}`);
    const parsed = parseIsoDateTime(value);
    return parsed ? new Date(parsed.ms).toISOString() : fail(ctx, "expected an ISO 8601 date-time, got a string that is not one");
  })
  .optional();

/** A calendar date (term start/end): its YYYY-MM-DD part as written, no time-zone shift; null or "" gives null. */
export const optionalDate = z
  .unknown()
  .transform((value, ctx): string | null => {
    if (value === undefined || value === null || value === "") return null;
    if (typeof value !== "string") return fail(ctx, `expected an ISO 8601 date string, got ${typeName(value)}`);
    const parsed = parseIsoDateTime(value);
    return parsed ? parsed.date : fail(ctx, "expected an ISO 8601 date (YYYY-MM-DD), got a string that is not one");
  })
  .optional();

/** Fields every Clever record carries. */
export const baseFields = {
  id: cleverId,
  created: optionalTimestamp,
  last_modified: optionalTimestamp,
};

/** An object; fields not named here are ignored (they stay in raw JSON, and copying them cost a sync most of its allocations); may be null or absent. */
export function optionalObject<S extends z.core.$ZodShape>(shape: S) {
  return z.object(shape).nullish();
}

// ---- reasons ---------------------------------------------------------------------------------

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

function fieldPath(resource: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : `${out}.${String(part)}`), resource);
}

function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "is required";
    return `expected ${article(issue.expected)} ${issue.expected}, got ${typeName(issue.input)}`;
  }
  return issue.message;
}

/** `users.roles: expected an object, got string; users.email: expected a string, got array`. */
export function describeIssues(resource: string, issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_REASON_ISSUES).map((issue) => `${fieldPath(resource, issue.path)}: ${problemOf(issue)}`);
  if (issues.length > MAX_REASON_ISSUES) parts.push(`(${issues.length - MAX_REASON_ISSUES} more problems)`);
  return parts.join("; ");
}
