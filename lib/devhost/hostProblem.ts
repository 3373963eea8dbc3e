/**
 * Bodies for the errors the host itself answers (401, 404, 405, 413, 400 for a bad path, 500).
 *
 * Deliberate local improvement: the Azure Functions host answers a failed key check with 401 and
 * an empty body (AuthenticationLevelHandler / FunctionAuthorizationHandler in
 * Azure/azure-functions-host add no content), and its 404/405 come from ASP.NET routing. The
 * devhost answers RFC 9457 problem+json naming the cause and the fix instead, so a person trying
 * the app locally learns what went wrong. Product code and clients must not depend on these
 * bodies: in Azure only the status code is there.
 */
export interface HostResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function hostProblem(status: number, title: string, detail: string, headers: Record<string, string> = {}): HostResponse {
  return {
    status,
    body: { type: "about:blank", title, status, detail },
    headers: { "content-type": "application/problem+json; charset=utf-8", "cache-control": "no-store", ...headers },
  };
}

const KEY_HELP: Record<string, string> = {
  function: "send the function key (printed at startup) in the x-functions-key header or as ?code=",
  admin: "send the master key in the x-functions-key header or as ?code=",
  system: "send the durabletask_extension system key (or the master key) in the x-functions-key header or as ?code=",
};

export function unauthorized(level: string): HostResponse {
  return hostProblem(401, "Unauthorized", `This route needs a key and none, or a wrong one, was sent. Fix: ${KEY_HELP[level] ?? KEY_HELP.function}.`);
}

export function notFound(path: string): HostResponse {
  return hostProblem(404, "Not found", `No route matches ${truncate(path)}. Fix: check the path against the route list printed at startup (README.md lists the API).`);
}

export function methodNotAllowed(method: string, allowed: string[]): HostResponse {
  return hostProblem(405, "Method not allowed", `${truncate(method)} is not allowed here. Fix: use ${allowed.join(" or ")}.`, { allow: allowed.join(", ") });
}

export function tooLarge(limit: number): HostResponse {
  return hostProblem(413, "Body too large", `Request bodies are limited to ${limit} bytes. Fix: send a smaller body.`);
}

export function dotSegments(): HostResponse {
  return hostProblem(400, "Path has dot segments", "Paths may not contain '.' or '..' segments (also percent-encoded) or backslashes. Fix: send the resolved path.");
}

export function internalError(): HostResponse {
  return hostProblem(500, "Internal error", "The devhost failed while handling this request; its log has the cause.");
}

/** Echoed request text is cut short: an error body is no place for a megabyte of path. */
function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
