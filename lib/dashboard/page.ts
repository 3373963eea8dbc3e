/**
 * GET /api/dashboard/{*path}: the dashboard's shell and assets. Anonymous on purpose: the shell
 * holds no tenant data (every number on the page comes from the API, with the caller's key or
 * principal), so an unauthenticated request sees a sign-in form and nothing else.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { problem } from "../api/problem";
import { loadDashboardAssets, type DashboardAsset } from "./assets";

/**
 * Script and styles from this origin only, no inline code, no framing, API calls to this origin
 * only: an injected string in a tenant name cannot run, and the page cannot be clickjacked.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export interface AssetRequest {
  /** The catch-all route parameter: undefined or "" for the dashboard's root. */
  path: string | undefined;
  /** The request URL's path, to tell /api/dashboard from /api/dashboard/. */
  urlPath: string;
  ifNoneMatch: string | null;
}

export function dashboardAssetResponse(assets: ReadonlyMap<string, DashboardAsset>, request: AssetRequest): HttpResponseInit {
  const name = request.path ? request.path : "index.html";
  // Relative asset URLs in index.html resolve against the folder: /api/dashboard needs its slash.
  if (!request.path && !request.urlPath.endsWith("/")) return { status: 308, headers: { location: `${request.urlPath}/`, ...DASHBOARD_SECURITY_HEADERS } };
  const asset = assets.get(name);
  if (!asset) {
    const response = problem(404, "Not found", `The dashboard has no file '${name}'. Fix: open the dashboard at its root (/api/dashboard/).`);
    return { ...response, headers: { ...response.headers, ...DASHBOARD_SECURITY_HEADERS } };
  }
  const headers = { "content-type": asset.contentType, etag: asset.etag, "cache-control": "no-cache", ...DASHBOARD_SECURITY_HEADERS };
  if (request.ifNoneMatch === asset.etag) return { status: 304, headers };
  return { status: 200, headers, body: asset.body };
}

/** The HTTP handler: assets are read from disk on the first request, then served from memory. */
export function serveDashboard(load: () => ReadonlyMap<string, DashboardAsset> = loadDashboardAssets): (request: HttpRequest) => Promise<HttpResponseInit> {
  let assets: ReadonlyMap<string, DashboardAsset> | undefined;
  return async (request) =>
    dashboardAssetResponse((assets ??= load()), { path: request.params.path, urlPath: new URL(request.url).pathname, ifNoneMatch: request.headers.get("if-none-match") });
}
