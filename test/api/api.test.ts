import { DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

let world: SyncWorld;
const seen: string[] = [];
beforeAll(async () => {
  world = await startSyncWorld({ users: 300 });
});
afterAll(async () => {
  await world.stop();
});

/** Calls the API with the function key and remembers every response body for the secret scan. */
async function call(path: string, init: RequestInit & { key?: string | false } = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await world.host.fetch(path, { key: world.host.keys.functionKey, ...init });
  const text = await response.text();
  seen.push(text);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

const districtId = () => world.simulator.district().id;

describe("tenant administration", () => {
  test("PUT creates, GET reads with an ETag, a stale If-Match is refused", async () => {
    const created = await call("/api/tenants/capital-city", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ displayName: "Capital City", cleverDistrictId: districtId(), enabled: false }) });
    expect(created.status).toBe(201);
    const etag = created.headers.get("etag")!;
    const read = await call("/api/tenants/capital-city");
    expect(read).toMatchObject({ status: 200, body: { id: "capital-city", displayName: "Capital City", enabled: false } });
    const updated = await call("/api/tenants/capital-city", { method: "PUT", headers: { "if-match": etag }, body: JSON.stringify({ displayName: "Capital City USD", cleverDistrictId: districtId(), enabled: false }) });
    expect(updated.status).toBe(200);
    const stale = await call("/api/tenants/capital-city", { method: "PUT", headers: { "if-match": etag }, body: JSON.stringify({ displayName: "Lost update", cleverDistrictId: districtId() }) });
    expect(stale.status).toBe(412);
    const list = await call("/api/tenants");
    expect((list.body.tenants as { id: string }[]).map((t) => t.id)).toEqual(expect.arrayContaining(["capital-city", TENANT]));
    expect((await call("/api/tenants/capital-city", { method: "DELETE" })).status).toBe(204);
    expect((await call("/api/tenants/capital-city")).status).toBe(404);
  });

  test.each([
    ["unknown field", "/api/tenants/t-a", { displayName: "A", cleverDistrictId: "0".repeat(24), colour: "red" }, 400, "colour"],
    ["wrong type", "/api/tenants/t-b", { displayName: 42, cleverDistrictId: "0".repeat(24) }, 400, "displayName"],
    ["bad district id", "/api/tenants/t-c", { displayName: "C", cleverDistrictId: "not-hex" }, 400, "cleverDistrictId"],
    ["upper-case tenant id", "/api/tenants/BAD", { displayName: "B", cleverDistrictId: "0".repeat(24) }, 400, "tenantId"],
    ["injection in the tenant id", `/api/tenants/${encodeURIComponent("x'; DROP TABLE users--")}`, { displayName: "X", cleverDistrictId: "0".repeat(24) }, 400, "tenantId"],
    ["encoded path traversal", "/api/tenants/..%2F..%2Fetc", { displayName: "X", cleverDistrictId: "0".repeat(24) }, 400, "tenantId"],
    ["id differs from the URL", "/api/tenants/t-d", { id: "other", displayName: "D", cleverDistrictId: "0".repeat(24) }, 400, "id"],
  ])("bad input (%s) gets a 4xx naming the field, and nothing is written", async (_case, path, body, status, field) => {
    const response = await call(path, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(response.body.issues ?? response.body)).toContain(field);
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    const tenantIds = ((await call("/api/tenants")).body.tenants as { id: string }[]).map((t) => t.id);
    expect(tenantIds).toEqual([TENANT]);
  });

  test("bodies that are not JSON, too large, or not an object are refused", async () => {
    expect((await call("/api/tenants/t-e", { method: "PUT", headers: { "content-type": "application/json" }, body: "{not json" })).status).toBe(400);
    expect((await call("/api/tenants/t-e", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ displayName: "x".repeat(70_000) }) })).status).toBe(413);
    expect((await call("/api/tenants/t-e", { method: "PUT", headers: { "content-type": "text/plain" }, body: "hello" })).status).toBe(400);
    expect((await call("/api/tenants/t-e", { method: "PUT", body: "[1,2]", headers: { "content-type": "application/json" } })).status).toBe(400);
  });

  test("the API needs the function key", async () => {
    expect((await call("/api/tenants", { key: false })).status).toBe(401);
  });
});

describe("syncs", () => {
  test("POST starts a sync (202 + check-status payload), a second one conflicts (409), status and runs report it", async () => {
    world.simulator.updateFaults({ latencyMs: 40 }); // keeps the first run going while the second request arrives
    const started = await call(`/api/tenants/${TENANT}/sync`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode: "full" }) });
    expect(started.status).toBe(202);
    const instanceId = started.body.id as string;
    expect(instanceId).toMatch(new RegExp(`^sync:${TENANT}:\\d{8}T\\d{6}\\.\\d{3}Z-api-[0-9a-f]{6}$`));
    expect(started.body.statusQueryGetUri).toBe(`${world.host.url}/api/tenants/${TENANT}/sync/${encodeURIComponent(instanceId)}`);

    const conflict = await call(`/api/tenants/${TENANT}/sync`, { method: "POST" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.instanceId).toBe(instanceId);

    let status = await call(`/api/tenants/${TENANT}/sync/${encodeURIComponent(instanceId)}`);
    for (let i = 0; i < 400 && status.body.runtimeStatus !== "Completed"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await call(`/api/tenants/${TENANT}/sync/${encodeURIComponent(instanceId)}`);
    }
    world.simulator.clearFaults();
    expect(status.body).toMatchObject({ runtimeStatus: "Completed", progress: { phase: "completed", mode: "full" } });
    expect(await world.differences()).toEqual([]);

    const runs = await call(`/api/tenants/${TENANT}/runs?limit=5`);
    expect((runs.body.runs as { runId: string; status: string }[])[0]).toMatchObject({ status: "completed" });
  });

  test("a tenant cannot read another tenant's run; unknown tenants are 404; bad bodies 400", async () => {
    expect((await call(`/api/tenants/other/sync/${encodeURIComponent(`sync:${TENANT}:x`)}`)).status).toBe(404);
    expect((await call("/api/tenants/nobody/sync", { method: "POST" })).status).toBe(404);
    const bad = await call(`/api/tenants/${TENANT}/sync`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode: "everything" }) });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ field: "mode" })]);
    expect((await call(`/api/tenants/${TENANT}/runs?limit=abc`)).status).toBe(400);
  });

  test("a school sync: the school is validated (400/404 problem+json naming the field), then only that school is synced", async () => {
    const post = (body: unknown) => call(`/api/tenants/${TENANT}/sync`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const body of [{ mode: "full", school: "not-a-clever-id" }, { mode: "full", school: 42 }, { mode: "incremental", school: "0123456789abcdef01234567" }]) {
      const bad = await post(body);
      expect([JSON.stringify(body), bad.status]).toEqual([JSON.stringify(body), 400]);
      expect(bad.headers.get("content-type")).toContain("application/problem+json");
      expect(bad.body.issues).toEqual([expect.objectContaining({ field: "school" })]);
    }
    const unknown = await post({ mode: "full", school: "0123456789abcdef01234567" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(unknown.body.issues).toEqual([expect.objectContaining({ field: "school", fix: expect.stringContaining("full sync") })]);

    let school: string | undefined;
    for await (const record of world.simulator.groundTruth("schools")) school ??= record.id;
    const started = await post({ mode: "full", school });
    expect(started.status).toBe(202);
    const instanceId = started.body.id as string;
    let status = await call(`/api/tenants/${TENANT}/sync/${encodeURIComponent(instanceId)}`);
    for (let i = 0; i < 400 && !["Completed", "Failed"].includes(status.body.runtimeStatus as string); i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await call(`/api/tenants/${TENANT}/sync/${encodeURIComponent(instanceId)}`);
    }
    expect(status.body).toMatchObject({ runtimeStatus: "Completed", progress: { phase: "completed", mode: "full", school }, result: { school } });
    expect(Object.keys((status.body.result as { counts: object }).counts).sort()).toEqual(["schools", "sections", "users"]);
  });

  test("POST /api/sync starts every enabled tenant; token refresh raises refreshNow", async () => {
    const all = await call("/api/sync", { method: "POST" });
    expect(all.status).toBe(202);
    expect((all.body.started as { tenantId: string }[]).map((s) => s.tenantId)).toEqual([TENANT]);
    await world.host.runUntilIdle();
    const refresh = await call(`/api/tenants/${TENANT}/token/refresh`, { method: "POST" });
    expect(refresh).toMatchObject({ status: 202, body: { instanceId: `token:${TENANT}` } });
  });

  test("no response ever carried a secret", async () => {
    const token = (await world.services.tokenCache.get(TENANT))!.accessToken;
    const everything = seen.join("\n");
    expect(everything).not.toContain(DEMO_CLIENT_SECRET);
    expect(everything).not.toContain(token);
  });
});
