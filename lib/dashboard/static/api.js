// The dashboard talks only to the function app's own HTTP API, with the key the user entered.
// The key lives in sessionStorage (gone when the tab closes) and travels in the x-functions-key
// header, never in a URL, so it does not reach history, logs or Referer headers.

const KEY_STORAGE = "cleversync.functionKey";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const auth = {
  key: () => sessionStorage.getItem(KEY_STORAGE),
  signIn: (key) => sessionStorage.setItem(KEY_STORAGE, key),
  signOut: () => sessionStorage.removeItem(KEY_STORAGE),
  /**
   * "key": operators with the function key use the operator routes. "signin": people signed in
   * through App Service Authentication use the /api/me routes, limited to their roles' tenants.
   */
  mode: "key",
};

/** Tenant data lives under /api/me for signed-in callers; health is the same for everyone. */
function routed(path) {
  return auth.mode === "signin" && /^(overview|tenants\/)/.test(path) ? `me/${path}` : path;
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const key = auth.mode === "key" ? auth.key() : null;
  const response = await fetch(`/api/${routed(path)}`, {
    method,
    headers: { accept: "application/json", ...(key ? { "x-functions-key": key } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = { detail: text };
  }
  if (!response.ok) throw new ApiError(response.status, payload);
  return { status: response.status, body: payload, etag: response.headers.get("etag") };
}
