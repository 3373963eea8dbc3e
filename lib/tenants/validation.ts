/**
 * Turns zod issues into `{field, problem, fix}` triples that an admin can act on without
 * reading code. Rejected values are never copied into the result (only their JSON type).
 */
import type { z } from "zod";
import type { ValidationIssue } from "./errors";

export interface IssueHints {
  /** Fix text per field path without array indexes, e.g. `settings.resources`. */
  fixes: Readonly<Record<string, string>>;
  /** Known field names per object path ("" = the top level), listed when a field is unknown. */
  knownFields: Readonly<Record<string, readonly string[]>>;
  /** Top-level fields callers may not write (e.g. `etag`), with the problem and fix to report. */
  readOnlyFields?: Readonly<Record<string, { problem: string; fix: string }>>;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** safeParse plus translation of the issues. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, hints: IssueHints): ParseResult<z.output<S>> {
  // reportInput lets us tell "missing" from "wrong type"; the input itself is not kept.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toIssues(issue, hints)) };
}

function toIssues(issue: z.core.$ZodIssue, hints: IssueHints): ValidationIssue[] {
  const objectPath = fieldPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const known = own(hints.knownFields, hintKey(issue.path)) ?? [];
    return issue.keys.map((key) => {
      const field = objectPath ? `${objectPath}.${key}` : key;
      const readOnly = objectPath || !hints.readOnlyFields ? undefined : own(hints.readOnlyFields, key);
      if (readOnly) return { field, ...readOnly };
      return { field, problem: "is not a known field", fix: `remove it${known.length ? `; known fields here: ${known.join(", ")}` : ""}` };
    });
  }
  const field = objectPath || "(body)";
  const fix = own(hints.fixes, hintKey(issue.path)) ?? (objectPath ? "correct the value" : "send a JSON object");
  return [{ field, problem: problemOf(issue), fix }];
}

/** A hint by field name, own properties only: a body key like `__proto__` must not find Object.prototype. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "is required";
    const expected = issue.expected === "int" ? "a whole number" : `${article(issue.expected)} ${issue.expected}`;
    return `must be ${expected} (got ${typeName(issue.input)})`;
  }
  return issue.message;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isInteger(value)) return "a fraction";
  return typeof value;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

/** `settings.resources[1]` for display. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), "");
}

/** `settings.resources` for hint lookup (array indexes dropped). */
function hintKey(path: readonly PropertyKey[]): string {
  return path.filter((part) => typeof part !== "number").map(String).join(".");
}
