import type { HealthCheck, HealthCheckResult } from "../snapshot";

export interface CleverCheckDependencies {
  /** CLEVER_API_BASE_URL, e.g. https://api.clever.com (or the simulator). */
  apiBaseUrl: string;
  fetch?: typeof fetch;
}

/**
 * The Clever API origin answers: an unauthenticated GET of /v3.0/districts (a path Clever's spec
 * documents, Clever/swagger-api v3.0.yml; `/me` is not in it). No credentials are sent, so
 * none can leak and no tenant's rate limit is spent; 401 is the expected answer and proves DNS,
 * TLS and Clever's front door work. 5xx or no answer at all means syncs cannot reach Clever.
 */
export function cleverCheck({ apiBaseUrl, fetch: fetchImpl = fetch }: CleverCheckDependencies): HealthCheck {
  const url = `${apiBaseUrl.replace(/\/+$/, "")}/v3.0/districts`;
  const origin = new URL(apiBaseUrl).origin;
  return async (signal) => {
    let status: number;
    try {
      const response = await fetchImpl(url, { method: "GET", headers: { accept: "application/json" }, redirect: "manual", signal });
      status = response.status;
      // Release the connection for reuse; the body says nothing we need.
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      return { status: "Unhealthy", description: `The Clever API at ${origin} could not be reached: ${networkReason(error)}.`, data: { origin } };
    }
    return classify(status, origin);
  };
}

function classify(status: number, origin: string): HealthCheckResult {
  const data = { origin, httpStatus: status };
  if (status === 401 || status === 403 || (status >= 200 && status < 300)) return { status: "Healthy", description: `The Clever API at ${origin} answered (HTTP ${status} without credentials, as expected).`, data };
  if (status === 429) return { status: "Degraded", description: `The Clever API at ${origin} is rate limiting (HTTP 429).`, data };
  if (status >= 500) return { status: "Unhealthy", description: `The Clever API at ${origin} answered HTTP ${status}.`, data };
  return { status: "Degraded", description: `The Clever API at ${origin} answered an unexpected HTTP ${status}; check CLEVER_API_BASE_URL.`, data };
}

/** fetch() reports "fetch failed" and hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, a TLS error...). */
function networkReason(error: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can fail.
  const { cause, message } = (error ?? {}) as { cause?: { code?: unknown; message?: unknown }; message?: unknown };
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return typeof message === "string" ? message : "unknown network error";
}
