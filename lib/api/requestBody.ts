import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import { ApiProblem, ProblemIssue } from "./problem";

/** Bodies of this API are small JSON documents; anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Reads an optional JSON body: absent/empty → undefined; too large, not JSON or not an object → ApiProblem. */
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge();
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiProblem(400, "Body is not valid JSON", "The request body could not be parsed as JSON. Fix: send a JSON object, e.g. {\"mode\": \"full\"}.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ApiProblem(400, "Body must be a JSON object", "The request body must be a JSON object, e.g. {\"mode\": \"full\"}.");
  }
  return parsed;
}

/** Validates with zod; issues name the field, the problem and the fix, never the rejected value. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, fixes: Record<string, string>): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ProblemIssue[] = result.error.issues.map((issue) => {
    const field = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.join(".") || "body";
    const problemText = issue.code === "unrecognized_keys" ? "is not a known field" : issue.message;
    return { field, problem: problemText, fix: issue.code === "unrecognized_keys" ? "remove it" : ((Object.hasOwn(fixes, field) ? fixes[field] : undefined) ?? "see the API reference in README.md") };
  });
  throw new ApiProblem(400, "Invalid request", issues.map((i) => `${i.field}: ${i.problem}`).join("; "), issues);
}

function tooLarge(): ApiProblem {
  return new ApiProblem(413, "Body too large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
}
