import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DASHBOARD_STATIC_DIR, loadDashboardAssets } from "../../lib/dashboard/assets";
import { nextSlot } from "../../lib/dashboard/overview";
import { dashboardAssetResponse } from "../../lib/dashboard/page";

describe("dashboard assets", () => {
  test("serves only known files of the static folder (one level of subfolders), by name, never by path", () => {
    const dir = mkdtempSync(join(tmpdir(), "dash-assets-"));
    mkdirSync(join(dir, "views"));
    mkdirSync(join(dir, "views", "deeper"));
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "views", "a.js"), "export {}");
    writeFileSync(join(dir, "views", "deeper", "b.js"), "export {}");
    writeFileSync(join(dir, "notes.txt"), "not servable");
    expect([...loadDashboardAssets(dir).keys()].sort()).toEqual(["index.html", "views/a.js"]);
  });

  test("the shipped folder holds the page and every module it imports", () => {
    const assets = loadDashboardAssets(DASHBOARD_STATIC_DIR);
    const imports = [...assets.entries()]
      .filter(([name]) => name.endsWith(".js"))
      .flatMap(([name, asset]) => [...asset.body.toString("utf8").matchAll(/from "(\.\.?\/[^"]+)"/g)].map((m) => new URL(m[1]!, `http://x/${name}`).pathname.slice(1)));
    for (const name of ["index.html", "app.js", "style.css", ...imports]) expect(assets.has(name)).toBe(true);
  });

  test("root without a slash redirects; ETags answer 304; unknown files 404 as problem+json", () => {
    const assets = loadDashboardAssets();
    expect(dashboardAssetResponse(assets, { path: undefined, urlPath: "/api/dashboard", ifNoneMatch: null })).toMatchObject({ status: 308, headers: { location: "/api/dashboard/" } });
    const index = dashboardAssetResponse(assets, { path: "", urlPath: "/api/dashboard/", ifNoneMatch: null });
    expect(index.status).toBe(200);
    const etag = (index.headers as Record<string, string>).etag;
    expect(dashboardAssetResponse(assets, { path: "", urlPath: "/api/dashboard/", ifNoneMatch: etag }).status).toBe(304);
    const missing = dashboardAssetResponse(assets, { path: "../package.json", urlPath: "/api/dashboard/../package.json", ifNoneMatch: null });
    expect(missing.status).toBe(404);
    expect((missing.headers as Record<string, string>)["content-type"]).toMatch(/problem\+json/);
  });
});

describe("next scheduled run", () => {
  test("is the first NCRONTAB slot strictly after now, in UTC", () => {
    expect(nextSlot("0 0 */6 * * *", new Date("2026-03-01T05:59:59Z")).toISOString()).toBe("2026-03-01T06:00:00.000Z");
    expect(nextSlot("0 0 */6 * * *", new Date("2026-03-01T06:00:00Z")).toISOString()).toBe("2026-03-01T12:00:00.000Z");
  });
});
