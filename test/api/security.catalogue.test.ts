/**
 * The access catalogue of issue 15 ("a key for one thing opens only that thing"). Each entry is a
 * request that the landed API answered with success and that must now be refused (or answered
 * without the leak), run against the devhost over real HTTP — with the product's own
 * registrations, the real DurableClient, Azurite and the Clever simulator. Raw requests go
 * through node:http so paths reach the server exactly as written (fetch would resolve `..`).
 *
 *   C1  isolation bypass through an instance id with `/`, `..`, `%`     → 400, nothing of the other tenant
 *   C2  durable management API without a key (both doors)             → 401
 *   C3  POST .../sync handed out the system key in its payload          → own tenant-scoped status URL, no key
 *   C4  `..` as a tenant id routed to POST /api/sync                    → 400, nothing started
 *   C5  a storm of concurrent starts answered 500                       → only 202 / 409
 *   C6  host-level 401/404/405/413 without problem+json; `__proto__`    → problem+json naming field and fix
 *   C7  per-tenant access for signed-in callers (Entra app roles)       → own tenants only
 *   C8  every route under /api and /runtime refuses a missing or wrong key, except the health probes
 */
import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SYNC_TENANT } from "../../lib/sync/syncTenant";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

const OTHER = "otherville";
const otherRun = `sync:${OTHER}:20260101T000000Z`;
let world: SyncWorld;

beforeAll(async () => {
  world = await startSyncWorld({ users: 40 });
  // The other tenant has no Clever credentials here, so it is disabled (nothing syncs it) and its
  // run is terminated at once: it only has to exist for the bypass to try to read it.
  await world.services.tenants.create({ id: OTHER, displayName: "Otherville", cleverDistrictId: world.simulator.district().id, enabled: false });
  world.host.startNew(SYNC_TENANT, { instanceId: otherRun, input: { tenantId: OTHER, runId: "20260101T000000Z", mode: "full" } });
  world.host.terminate(otherRun, "catalogue fixture");
  await world.host.runUntilIdle();
}, 60_000);
afterAll(async () => {
  await world.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** A request sent byte for byte as written (no URL normalization on the client side). */
function raw(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const { hostname, port } = new URL(world.host.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Record<string, unknown> = {};
        try {
          json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const keys = () => world.host.keys;
const withKey = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({ "x-functions-key": key, ...extra });
const NO_HEADERS: Record<string, string> = {};

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status).toBe(status);
  expect(String(answer.headers["content-type"])).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status, title: expect.any(String), detail: expect.stringMatching(/fix/i) });
}

function expectNoHostKey(text: string): void {
  for (const key of [keys().masterKey, keys().systemKey]) expect(text).not.toContain(key);
}

async function syncInstances(): Promise<string[]> {
  return world.host.engine.listInstances({ instanceIdPrefix: "sync:" }).map((s) => s.instanceId);
}

describe("C1 instance ids are validated strictly (isolation bypass)", () => {
  // The first two read another tenant's instance on the landed code (200); the last two are
  // hardening (they were 404 there): no `%` or `..` ever reaches the durable client either.
  test.each([
    ["a sync run of another tenant", TENANT, `sync:${TENANT}:x/../../instances/${otherRun}`, otherRun],
    ["another tenant's token keeper", OTHER, `sync:${OTHER}:x/../../instances/token:${TENANT}`, `token:${TENANT}`],
    ["a percent sign", TENANT, `sync:${TENANT}:20260101T000000Z%2F..`, "%2F"],
    ["two dots", TENANT, `sync:${TENANT}:a..b`, "a..b"],
    ["a trailing dot", TENANT, `sync:${TENANT}:a.`, "a."],
  ])("%s: refused with 400 naming instanceId, and nothing of the other tenant comes back", async (_case, tenant, id, victim) => {
    const answer = await raw("GET", `/api/tenants/${tenant}/sync/${encodeURIComponent(id)}`, { headers: withKey(keys().functionKey) });
    expectProblem(answer, 400);
    expect(answer.json.issues).toEqual([expect.objectContaining({ field: "instanceId" })]);
    expect(answer.text).not.toContain(victim);
  });

  test("a well-formed id of another tenant is 404, like a run that does not exist", async () => {
    expectProblem(await raw("GET", `/api/tenants/${TENANT}/sync/${encodeURIComponent(otherRun)}`, { headers: withKey(keys().functionKey) }), 404);
    // Run ids with milliseconds and a suffix are well-formed (404 here: no such run).
    expectProblem(await raw("GET", `/api/tenants/${TENANT}/sync/${encodeURIComponent(`sync:${TENANT}:20260101T000000.123Z-api-0a1b2c`)}`, { headers: withKey(keys().functionKey) }), 404);
  });
});

describe("C2 the durable management API needs the system key on every door", () => {
  test.each([
    ["GET", "/durabletask/instances"],
    ["GET", "/durabletask/instances/"],
    ["GET", `/durabletask/instances/${encodeURIComponent(otherRun)}`],
    ["POST", `/durabletask/orchestrators/${SYNC_TENANT}/${encodeURIComponent(`sync:${OTHER}:20990101T000000Z`)}`],
    ["POST", `/durabletask/instances/${encodeURIComponent(`token:${TENANT}`)}/terminate?reason=x`],
    ["GET", "/runtime/webhooks/durabletask/instances"],
    ["POST", `/runtime/webhooks/durabletask/orchestrators/${SYNC_TENANT}`],
  ])("%s %s: 401 problem+json without a key, with the function key or a wrong key; nothing started", async (method, path) => {
    const before = await syncInstances();
    for (const headers of [NO_HEADERS, withKey(keys().functionKey), withKey("wrong"), { authorization: `Basic ${Buffer.from("durabletask:wrong").toString("base64")}` }]) {
      const answer = await raw(method, path, { headers, body: method === "POST" ? "{}" : undefined });
      expectProblem(answer, 401);
      expect(answer.text).not.toContain(OTHER);
    }
    expect(await syncInstances()).toEqual(before);
  });

  test("the system key and the master key open it, as in Azure", async () => {
    for (const key of [keys().systemKey, keys().masterKey]) {
      expect((await raw("GET", "/runtime/webhooks/durabletask/instances", { headers: withKey(key) })).status).toBe(200);
      expect((await raw("GET", `/durabletask/instances/${encodeURIComponent(otherRun)}?code=${key}`)).status).toBe(200);
    }
  });
});

describe("C3 starting a sync hands out no key", () => {
  test("202 with the run id and its tenant-scoped status URL, which the caller's own key reads", async () => {
    const started = await raw("POST", `/api/tenants/${TENANT}/sync`, { headers: withKey(keys().functionKey, { "content-type": "application/json" }), body: '{"mode":"incremental"}' });
    expect(started.status).toBe(202);
    expectNoHostKey(started.text);
    expectNoHostKey(JSON.stringify(started.headers));
    expect(started.text).not.toContain("/runtime/webhooks");
    const id = started.json.id as string;
    expect(started.json).toEqual({ id, tenantId: TENANT, statusQueryGetUri: `${world.host.url}/api/tenants/${TENANT}/sync/${encodeURIComponent(id)}` });
    expect(started.headers.location).toBe(started.json.statusQueryGetUri);
    const status = await raw("GET", new URL(started.json.statusQueryGetUri as string).pathname, { headers: withKey(keys().functionKey) });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ instanceId: id, runtimeStatus: expect.any(String) });
    await world.host.runToCompletion(id, { maxVirtualMs: 30 * 60_000 });
  });
});

describe("C4 dot segments never reach another route", () => {
  test.each(["/api/tenants/../sync", "/api/tenants/%2e%2e/sync", "/api/tenants/%2E%2E/sync", "/api/tenants/./../sync", "/api/tenants/..\\sync"])(
    "POST %s: 400 problem+json and no sync starts",
    async (path) => {
      const before = await syncInstances();
      expectProblem(await raw("POST", path, { headers: withKey(keys().functionKey) }), 400);
      await world.host.runUntilIdle();
      expect(await syncInstances()).toEqual(before);
    },
  );
});

describe("C5 concurrent starts are answered 202 or 409, never 500", () => {
  test("120 concurrent POST /api/sync and POST /api/tenants/{id}/sync", async () => {
    await world.host.runUntilIdle();
    const requests = Array.from({ length: 120 }, (_, i) =>
      raw("POST", i % 2 ? "/api/sync" : `/api/tenants/${TENANT}/sync`, { headers: withKey(keys().functionKey) }),
    );
    const answers = await Promise.all(requests);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 202 && s !== 409)).toEqual([]);
    for (const conflict of answers.filter((a) => a.status === 409)) expect(conflict.json.instanceId).toMatch(/^sync:[a-z]+:/);
    await world.host.runUntilIdle();
  });
});

describe("C6 host-level errors are problem+json too", () => {
  test("401, 404, 405 and 413 from the host name the cause and the fix", async () => {
    expectProblem(await raw("GET", "/api/tenants"), 401);
    expectProblem(await raw("GET", "/api/no-such-route", { headers: withKey(keys().functionKey) }), 404);
    expectProblem(await raw("GET", "/nowhere"), 404);
    const wrongMethod = await raw("PATCH", `/api/tenants/${TENANT}`, { headers: withKey(keys().functionKey) });
    expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.allow).toMatch(/GET/);
    expectProblem(await raw("PUT", `/api/tenants/${TENANT}`, { headers: withKey(keys().functionKey), body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20) }), 413);
    expectProblem(await raw("POST", "/admin/functions/scheduler", { headers: withKey(keys().masterKey), body: "{not json" }), 400);
  });

  test("a __proto__ key in a tenant body is named as an unknown field with a fix", async () => {
    const body = `{"displayName":"X","cleverDistrictId":"${"0".repeat(24)}","__proto__":{"enabled":false}}`;
    const answer = await raw("PUT", "/api/tenants/proto-test", { headers: withKey(keys().functionKey, { "content-type": "application/json" }), body });
    expectProblem(answer, 400);
    expect(answer.text).not.toContain("undefined");
    expect(answer.json.issues).toEqual([{ field: "__proto__", problem: "is not a known field", fix: expect.stringMatching(/^remove it/) }]);
  });
});

/** The header App Service Authentication injects for a signed-in caller (base64 JSON claims). */
function principal(roles: string[], name = "vendor@example.com"): string {
  const role = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
  const claims = [{ typ: "preferred_username", val: name }, ...roles.map((val) => ({ typ: role, val }))];
  return Buffer.from(JSON.stringify({ auth_typ: "aad", name_typ: "preferred_username", role_typ: role, claims })).toString("base64");
}

describe("C7 signed-in callers reach only their tenants", () => {
  const setAuth = (on: boolean) => {
    // WEBSITE_AUTH_ENABLED is set by App Service itself; flipping the loaded setting stands in for deploying behind it.
    (world.services.settings as { WEBSITE_AUTH_ENABLED: boolean }).WEBSITE_AUTH_ENABLED = on;
  };
  afterEach(() => setAuth(false));

  test("without App Service Authentication a forged client principal opens nothing", async () => {
    const forged = { "x-ms-client-principal": principal(["CleverSync.Operator"]) };
    expectProblem(await raw("GET", "/api/me/tenants", { headers: forged }), 401);
    expectProblem(await raw("GET", `/api/me/tenants/${TENANT}/runs`, { headers: forged }), 401);
  });

  test("a tenant role opens that tenant and no other; the list shows only its tenants", async () => {
    setAuth(true);
    const vendor = { "x-ms-client-principal": principal([`CleverSync.Tenant.${TENANT}`]) };
    const mine = await raw("GET", "/api/me/tenants", { headers: vendor });
    expect(mine.status).toBe(200);
    expect((mine.json.tenants as { id: string }[]).map((t) => t.id)).toEqual([TENANT]);
    expect(mine.text).not.toContain(OTHER);
    expect((await raw("GET", `/api/me/tenants/${TENANT}/runs`, { headers: vendor })).status).toBe(200);
    expect((await raw("GET", `/api/me/tenants/${TENANT}`, { headers: vendor })).status).toBe(200);
    const before = await syncInstances();
    for (const [method, path] of [
      ["GET", `/api/me/tenants/${OTHER}`],
      ["GET", `/api/me/tenants/${OTHER}/runs`],
      ["POST", `/api/me/tenants/${OTHER}/sync`],
      ["GET", `/api/me/tenants/${OTHER}/sync/${encodeURIComponent(otherRun)}`],
      ["GET", "/api/me/tenants/no-such-tenant/runs"],
    ]) {
      const answer = await raw(method, path, { headers: vendor });
      expectProblem(answer, 403);
    }
    expect(await syncInstances()).toEqual(before);
    // A vendor's identity is no key: the operator routes still refuse it.
    expectProblem(await raw("GET", `/api/tenants/${TENANT}/runs`, { headers: vendor }), 401);
  });

  test("a vendor starts and reads its own tenant's sync through its routes", async () => {
    setAuth(true);
    await world.host.runUntilIdle();
    const vendor = { "x-ms-client-principal": principal([`CleverSync.Tenant.${TENANT}`]) };
    const started = await raw("POST", `/api/me/tenants/${TENANT}/sync`, { headers: vendor });
    expect(started.status).toBe(202);
    expect(started.json.statusQueryGetUri).toBe(`${world.host.url}/api/me/tenants/${TENANT}/sync/${encodeURIComponent(started.json.id as string)}`);
    const status = await raw("GET", new URL(started.json.statusQueryGetUri as string).pathname, { headers: vendor });
    expect(status.status).toBe(200);
    expect((await world.host.runToCompletion(started.json.id as string, { maxVirtualMs: 30 * 60_000 })).runtimeStatus).toBe("Completed");
  });

  test("the operator role opens every tenant; a principal without roles opens none; a garbled one is 401", async () => {
    setAuth(true);
    const operator = await raw("GET", "/api/me/tenants", { headers: { "x-ms-client-principal": principal(["CleverSync.Operator"]) } });
    expect((operator.json.tenants as { id: string }[]).map((t) => t.id).sort()).toEqual([OTHER, TENANT].sort());
    const nobody = await raw("GET", "/api/me/tenants", { headers: { "x-ms-client-principal": principal([]) } });
    expect(nobody.json.tenants).toEqual([]);
    expectProblem(await raw("GET", `/api/me/tenants/${TENANT}/runs`, { headers: { "x-ms-client-principal": principal([]) } }), 403);
    expectProblem(await raw("GET", "/api/me/tenants", { headers: { "x-ms-client-principal": "not base64 json" } }), 401);
  });
});

/** A concrete path for a route template: every parameter gets a plausible value. */
function concrete(route: string): string {
  return `/${route}`
    .replace("{tenantId}", TENANT)
    .replace("{instanceId}", encodeURIComponent(`sync:${TENANT}:20260101T000000Z`))
    .replace(/\{[^}]+\}/g, "x");
}

/**
 * The anonymous health probes README documents: the only routes a missing key may reach. A new
 * anonymous route belongs here only together with a README row saying it needs no key.
 */
const ANONYMOUS_PROBES = ["api/health", "api/health/live", "api/health/ready"];
/** The dashboard's static shell: anonymous because it holds no tenant data (its data routes need a key). */
const ANONYMOUS_PAGES = ["api/dashboard/{*path}"];

describe("C8 every route refuses a missing or wrong key, except the documented health probes", () => {
  test("each /api route: no key, a wrong key and the system key are all refused with 401 problem+json", async () => {
    const routes = world.host.httpRoutes();
    expect(routes.length).toBeGreaterThan(10);
    const checked: string[] = [];
    for (const route of routes) {
      if (ANONYMOUS_PROBES.includes(route.route) || ANONYMOUS_PAGES.includes(route.route)) {
        expect(route.authLevel).toBe("anonymous");
        continue;
      }
      for (const method of route.methods) {
        for (const headers of [NO_HEADERS, withKey("wrong"), withKey(keys().systemKey), { "x-ms-client-principal": principal(["CleverSync.Operator"]) }]) {
          const answer = await raw(method, concrete(route.route), { headers });
          expect({ route: `${method} ${route.route}`, status: answer.status }).toEqual({ route: `${method} ${route.route}`, status: 401 });
          expectProblem(answer, 401);
        }
        checked.push(`${method} ${route.route}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(["GET api/health/clever-auth", "POST api/sync", "GET api/tenants", "GET api/me/tenants"]));
  });

  test("the probes answer without a key", async () => {
    for (const probe of ANONYMOUS_PROBES) expect([200, 503]).toContain((await raw("GET", `/${probe}`)).status);
  });

  test("the dashboard's anonymous shell and assets never name a tenant", async () => {
    for (const path of ["/api/dashboard/", "/api/dashboard/app.js", "/api/dashboard/views/tenants.js", "/api/dashboard/nope"]) {
      const answer = await raw("GET", path);
      expect([200, 404]).toContain(answer.status);
      expect(answer.text).not.toContain(TENANT);
    }
  });

  test("each /runtime and RPC path: no key, a wrong key and the function key are refused", async () => {
    const paths = ["instances", "instances/x", "instances/x/raiseEvent/e", "instances/x/terminate", "instances/x/suspend", "instances/x/resume", "instances/x/rewind", "orchestrators/syncTenant", "entities/e/k"];
    for (const base of ["/runtime/webhooks/durabletask/", "/durabletask/"]) {
      for (const path of paths) {
        for (const method of ["GET", "POST", "DELETE"]) {
          for (const headers of [NO_HEADERS, withKey("wrong"), withKey(keys().functionKey)]) {
            expectProblem(await raw(method, base + path, { headers }), 401);
          }
        }
      }
    }
    expectProblem(await raw("POST", "/admin/functions/scheduler", { headers: withKey(keys().functionKey) }), 401);
  });

  test("README lists exactly the code's anonymous routes as needing no key, and clever-auth as needing one", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    const rows = readme.split("\n").filter((line) => /^\| `(GET|POST|PUT|DELETE)/.test(line));
    const documented = new Map<string, string>();
    for (const row of rows) {
      const cells = row.replace(/\\\|/g, "/").split("|").map((c) => c.trim());
      const key = cells[cells.length - 2];
      for (const match of cells[1].matchAll(/`(?:[A-Z/]+ )?(\/api\/[^` ?]+)/g)) documented.set(match[1].replace(/^\//, ""), key);
    }
    const normalize = (route: string) => route.replace(/\{(\w+)\}/g, "{$1}");
    for (const route of world.host.httpRoutes()) {
      const key = documented.get(normalize(route.route));
      expect({ route: route.route, documented: key !== undefined }).toEqual({ route: route.route, documented: true });
      const expected = route.authLevel === "function" ? "function key" : route.route.startsWith("api/me/") ? "sign-in" : "none";
      expect({ route: route.route, key }).toEqual({ route: route.route, key: expected });
    }
  });
});
