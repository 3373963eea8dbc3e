/**
 * The dashboard in a real browser (headless Chromium) against the devhost over real HTTP, with the
 * simulator as Clever: sign in with the function key, see the tenants, start a sync and watch it
 * complete, act on a tenant, read health — and an axe-core accessibility check on every page.
 * Screenshots go to a temp folder (printed once), never into the repository.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

const SHOTS = join(tmpdir(), "cleversync-dashboard-screenshots");
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let world: SyncWorld;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  console.log(`dashboard screenshots: ${SHOTS}`);
  world = await startSyncWorld({ users: 300 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("request", (request) => requests.push(request.url()));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const dashboardUrl = () => `${world.host.url}/api/dashboard`;

async function signIn(target: Page): Promise<void> {
  await target.goto(dashboardUrl());
  await target.getByLabel("Function key").fill(world.host.keys.functionKey);
  await target.getByRole("button", { name: "Sign in" }).click();
  await target.getByRole("heading", { name: "Tenants" }).waitFor();
}

/** axe-core's WCAG 2 A/AA rules; evaluate() runs outside the page's CSP, which forbids injected scripts. */
async function seriousAccessibilityViolations(target: Page): Promise<string[]> {
  await target.evaluate(AXE_SOURCE);
  const result = await target.evaluate(async () => {
    const g = globalThis as unknown as { document: unknown; axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } };
    return g.axe.run(g.document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}, ${v.nodes.length} node(s))`);
}

describe("without a key", () => {
  test("a visitor gets the sign-in form, never a tenant id; the data API refuses them", async () => {
    const anonymous = await context.browser()!.newPage();
    await anonymous.goto(dashboardUrl());
    expect(new URL(anonymous.url()).pathname).toBe("/api/dashboard/");
    await anonymous.getByLabel("Function key").waitFor();
    expect(await anonymous.content()).not.toContain(TENANT);
    expect(await seriousAccessibilityViolations(anonymous)).toEqual([]);
    await anonymous.screenshot({ path: join(SHOTS, "sign-in.png") });
    const overview = await fetch(`${world.host.url}/api/overview`);
    expect(overview.status).toBe(401);
    expect(await overview.text()).not.toContain(TENANT);
    await anonymous.close();
  });

  test("assets carry a strict content security policy; unknown files are 404 and traversal reaches nothing", async () => {
    const index = await fetch(`${dashboardUrl()}/`);
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("x-frame-options")).toBe("DENY");
    expect((await fetch(`${dashboardUrl()}/nope.js`)).status).toBe(404);
    expect((await fetch(`${dashboardUrl()}/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${dashboardUrl()}/app.js`)).headers.get("content-type")).toMatch(/^text\/javascript/);
  });
});

describe("signed in with the function key", () => {
  beforeAll(async () => {
    await signIn(page);
  });

  test("all tenants at a glance: state, token keeper with fingerprint, schedule, counts", async () => {
    const row = page.getByRole("row", { name: /Shelbyville/ });
    await row.waitFor();
    const keeper = await world.host.fetch(`/runtime/webhooks/durabletask/instances/${encodeURIComponent(`token:${TENANT}`)}`, { key: world.host.keys.masterKey }).then((r) => r.json() as Promise<{ customStatus: { fingerprint: string } }>);
    await expect(row.textContent()).resolves.toContain(keeper.customStatus.fingerprint);
    await expect(row.textContent()).resolves.toContain("Enabled");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "tenants.png"), fullPage: true });
  });

  test("start a full sync from the page and watch its progress reach completed", async () => {
    await page.getByRole("link", { name: "Shelbyville" }).click();
    await page.getByRole("heading", { name: /Shelbyville/ }).waitFor();
    await page.getByLabel("Sync mode").selectOption("full");
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByText(/Started full sync sync:shelbyville:/).waitFor();
    const progress = page.locator("section[aria-labelledby=progress-title]");
    await progress.getByText("Completed", { exact: true }).waitFor({ timeout: 60_000 });
    await expect(progress.textContent()).resolves.toMatch(/users/);
    await page.getByRole("table").getByText("completed").first().waitFor();
    expect(await world.differences()).toEqual([]);
    expect(await page.locator("figure.chart svg rect").count()).toBeGreaterThan(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "tenant-after-sync.png"), fullPage: true });
  });

  test("refresh the token and disable, then enable, the tenant", async () => {
    await page.getByRole("button", { name: "Refresh token" }).click();
    await page.getByText("Asked the token keeper to refresh the token now.").waitFor();
    await page.getByRole("button", { name: "Disable tenant" }).click();
    await page.getByRole("button", { name: "Enable tenant" }).waitFor();
    expect((await world.services.tenants.get(TENANT)).enabled).toBe(false);
    await page.getByRole("button", { name: "Enable tenant" }).click();
    await page.getByRole("button", { name: "Disable tenant" }).waitFor();
    expect((await world.services.tenants.get(TENANT)).enabled).toBe(true);
  });

  test("a held deletion: reviewed on the page, approved with a note, and every action is in the audit log", async () => {
    // 30% of the district's users vanish from Clever: the next full sync holds their deletion.
    const store = await world.services.stores.storeFor(TENANT);
    const before = (await store.counts(TENANT)).users;
    const gone: string[] = [];
    for await (const user of world.simulator.groundTruth("users")) if (gone.length < 90) gone.push(user.id);
    for (const id of gone) world.simulator.remove("users", id);
    expect((await world.sync("full", "zz-held")).output).toMatchObject({ status: "held" });

    await page.getByRole("link", { name: "Held deletions" }).click();
    const run = page.getByRole("region", { name: /Shelbyville: run zz-held/ });
    await page.getByRole("heading", { name: "Held deletions" }).waitFor();
    await run.waitFor();
    await expect(run.textContent()).resolves.toMatch(new RegExp(`users: 90 of ${before.live} \\(\\d+%\\) would be deleted`));
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "held.png"), fullPage: true });
    await run.getByLabel("Note (optional)").fill("checked with the SIS");
    await run.getByRole("button", { name: "Approve deletions" }).click();
    await page.getByText(/Run zz-held approved by function-key: 90 record\(s\) deleted/).waitFor();
    expect((await store.counts(TENANT)).users).toEqual({ live: before.live - 90, deleted: before.deleted + 90 });

    await page.getByRole("link", { name: "Audit log" }).click();
    const log = page.getByRole("table");
    await log.getByText("held.approve").waitFor();
    const text = (await log.textContent()) ?? "";
    for (const action of ["held.approve", "sync.start", "token.refresh", "tenant.disable", "tenant.enable"]) expect(text).toContain(action);
    expect(text).toContain("checked with the SIS");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "audit.png"), fullPage: true });
  });

  test("health: each check with its description and duration", async () => {
    await page.getByRole("link", { name: "Health" }).click();
    await page.getByRole("heading", { name: "Health" }).waitFor();
    const table = page.getByRole("table");
    await table.getByRole("rowheader", { name: "sql" }).waitFor();
    expect(await table.getByRole("row").count()).toBeGreaterThan(2);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "health.png"), fullPage: true });
  });

  test("readable on a phone: no sideways scrolling on the tenants page", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const small = await phone.newPage();
    await signIn(small);
    await small.getByRole("row", { name: /Shelbyville/ }).waitFor();
    const overflow = await small.evaluate(() => {
      const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await small.screenshot({ path: join(SHOTS, "tenants-phone.png"), fullPage: true });
    await phone.close();
  });

  test("the key never appeared in a URL the browser requested", () => {
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((url) => url.includes(world.host.keys.functionKey))).toEqual([]);
  });
});

/**
 * In Azure, App Service Authentication signs people in with Entra ID and injects the verified
 * `x-ms-client-principal` header; that platform piece cannot run here, so the browser context adds
 * the header itself (the one mocked edge) while the app trusts it only with WEBSITE_AUTH_ENABLED.
 */
describe("signed in through App Service Authentication (Entra ID app roles)", () => {
  const OTHER = "otherville";
  const setAuth = (on: boolean) => {
    (world.services.settings as { WEBSITE_AUTH_ENABLED: boolean }).WEBSITE_AUTH_ENABLED = on;
  };
  const principal = (roles: string[]) =>
    Buffer.from(JSON.stringify({ auth_typ: "aad", name_typ: "name", role_typ: "roles", claims: [{ typ: "name", val: "Dana Reyes" }, ...roles.map((val) => ({ typ: "roles", val }))] })).toString("base64");
  const signedIn = async (roles: string[]) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "x-ms-client-principal": principal(roles) } });
    return { ctx, tab: await ctx.newPage() };
  };

  beforeAll(async () => {
    await world.services.tenants.create({ id: OTHER, displayName: "Otherville", cleverDistrictId: world.simulator.district().id, enabled: false });
    setAuth(true);
  });
  afterAll(() => setAuth(false));

  test("without a sign-in the page offers Entra ID sign-in (and the key) and shows no tenant", async () => {
    const anonymous = await browser.newPage();
    await anonymous.goto(dashboardUrl());
    const link = anonymous.getByRole("link", { name: "Sign in with Microsoft Entra ID" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe("/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fdashboard%2F");
    await anonymous.getByLabel("Function key").waitFor();
    const html = await anonymous.content();
    expect(html).not.toContain(TENANT);
    expect(html).not.toContain(OTHER);
    await anonymous.close();
  });

  test("a tenant viewer sees only that tenant, read-only", async () => {
    const { ctx, tab } = await signedIn([`CleverSync.Viewer.${TENANT}`]);
    await tab.goto(dashboardUrl());
    await tab.getByRole("row", { name: /Shelbyville/ }).waitFor();
    expect(await tab.content()).not.toContain("Otherville");
    await tab.getByRole("link", { name: "Shelbyville" }).click();
    await tab.getByText("Read-only: your role lets you view this tenant, not change it.").waitFor();
    expect(await tab.getByRole("button", { name: /Sync now|Refresh token|Disable tenant/ }).count()).toBe(0);
    // The API behind the page refuses the viewer's writes too, whatever the page shows.
    const refused = await tab.evaluate(async (tenant) => (await fetch(`/api/me/tenants/${tenant}/token/refresh`, { method: "POST" })).status, TENANT);
    expect(refused).toBe(403);
    expect(await seriousAccessibilityViolations(tab)).toEqual([]);
    await tab.screenshot({ path: join(SHOTS, "viewer-tenant.png"), fullPage: true });
    await ctx.close();
  });

  test("an operator sees every tenant and every action; a disabled tenant is shown as such", async () => {
    const { ctx, tab } = await signedIn(["CleverSync.Operator"]);
    await tab.goto(dashboardUrl());
    await tab.getByRole("row", { name: /Otherville/ }).waitFor();
    await expect(tab.getByRole("row", { name: /Otherville/ }).textContent()).resolves.toContain("Disabled");
    await tab.getByRole("link", { name: "Shelbyville" }).click();
    await tab.getByRole("button", { name: "Refresh token" }).click();
    await tab.getByText("Asked the token keeper to refresh the token now.").waitFor();
    await tab.getByRole("button", { name: "Sync now" }).waitFor();
    await ctx.close();
  });
});
