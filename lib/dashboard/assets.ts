/**
 * The dashboard's static files (HTML, ES modules, CSS) as the function app serves them. They live
 * in `static/` beside this module — copied into dist/ by `npm run build` — and are read once, so
 * a request never touches the disk. Only names found in that folder are served: a request path is
 * a map key, never a file path, so `..` and friends cannot reach anything else.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export const DASHBOARD_STATIC_DIR = join(__dirname, "static");

/** Reads every servable file of the folder (one level of subfolders, e.g. views/). */
export function loadDashboardAssets(dir = DASHBOARD_STATIC_DIR): ReadonlyMap<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  const visit = (folder: string, prefix: string, depth: number) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory() && depth > 0) visit(join(folder, entry.name), `${prefix}${entry.name}/`, depth - 1);
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || !contentType) continue;
      const body = readFileSync(join(folder, entry.name));
      assets.set(`${prefix}${entry.name}`, { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` });
    }
  };
  visit(dir, "", 1);
  return assets;
}
