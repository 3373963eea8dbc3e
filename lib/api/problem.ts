import type { HttpResponseInit } from "@azure/functions";

export interface ProblemIssue {
  field: string;
  problem: string;
  fix: string;
}

/** RFC 9457 problem details: what every API error answers with. */
export function problem(status: number, title: string, detail: string, extra: { issues?: readonly ProblemIssue[]; [key: string]: unknown } = {}): HttpResponseInit {
  return {
    status,
    headers: { "content-type": "application/problem+json; charset=utf-8", "cache-control": "no-store" },
    body: JSON.stringify({ type: "about:blank", title, status, detail, ...extra }),
  };
}

/** A request the API refuses, carrying what to answer (thrown by validation helpers). */
export class ApiProblem extends Error {
  override readonly name = "ApiProblem";
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly issues?: readonly ProblemIssue[],
    /** More members of the problem object (RFC 9457 extension members), e.g. where to sign in. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
  toResponse(): HttpResponseInit {
    return problem(this.status, this.title, this.message, { ...this.extensions, ...(this.issues ? { issues: this.issues } : {}) });
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "cache-control": "no-store", ...headers } };
}
