/**
 * The 75%-of-lifetime refresh serves any token that carries an expiry, not only the
 * client-credentials grant. Clever's district-app tokens do not expire, so an expiring entry in
 * the token list is something only a non-Clever provider sends: a small stand-in plays it here.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryTokenCache, nextRefreshAfterSuccess, refreshTenantToken } from "../../lib/tokens";

const DISTRICT = "5a0000000000000000000001";
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/oauth/tokens") {
      res.end(JSON.stringify({ data: [{ id: "tok1", created: "2026-01-01T00:00:00Z", owner: { type: "district", id: DISTRICT }, access_token: "expiring-token-1", scopes: ["read:district_admins"], expires_in: 3600 }], links: [] }));
    } else if (url.pathname === "/v3.0/districts") {
      res.end(JSON.stringify({ data: [{ data: { id: DISTRICT, name: "D" }, uri: `/v3.0/districts/${DISTRICT}` }], links: [{ rel: "self", uri: "/v3.0/districts" }] }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: "not found" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("a district token that announces an expiry is refreshed at 75% of its lifetime", async () => {
  const now = Date.UTC(2026, 0, 5, 8, 0, 0);
  const cache = new MemoryTokenCache();
  const result = await refreshTenantToken(
    {
      credentials: { getCleverCredentials: async () => ({ clientId: "app", clientSecret: "app-secret" }) },
      tenants: { get: async () => ({ cleverDistrictId: DISTRICT, settings: {} }) },
      cache,
      oauth: { baseUrl: base, now: () => now },
      apiBaseUrl: base,
      now: () => now,
    },
    { tenantId: "t1", reason: "start" },
  );
  expect(result).toMatchObject({ action: "fetched", mode: "district-token", expiresAt: new Date(now + 3_600_000).toISOString() });
  expect((await cache.get("t1"))?.expiresAt).toBe(now + 3_600_000);
  const policy = { refreshFraction: 0.75, validationIntervalMs: 3_600_000, backoffBaseMs: 60_000, backoffMaxMs: 1_800_000 };
  expect(nextRefreshAfterSuccess(policy, now, Date.parse(result.obtainedAt), Date.parse(result.expiresAt!))).toBe(now + 2_700_000);
});
