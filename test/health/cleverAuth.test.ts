/** Per-tenant token health from keeper custom status: the classification rules and the durable reader. */
import { cleverAuthCheck, FAILURES_BEFORE_UNHEALTHY, tenantTokenHealth, type CleverAuthData } from "../../lib/health/checks";
import { KeeperReaderSlot, parseKeeperStatus, readKeeperStatuses, type KeeperState } from "../../lib/health/keeperStatus";
import type { TokenKeeperStatus } from "../../lib/tokens";

const NOW = Date.parse("2030-01-01T12:00:00Z");
const inOneHour = new Date(NOW + 3_600_000).toISOString();
const anHourAgo = new Date(NOW - 3_600_000).toISOString();

function keeper(tenantId: string, status: Partial<TokenKeeperStatus> | undefined, runtimeStatus = "Running"): KeeperState {
  return {
    tenantId,
    runtimeStatus,
    status: status && {
      tenantId,
      state: "valid",
      mode: "client-credentials",
      fingerprint: "0123456789ab",
      expiresAt: inOneHour,
      nextRefreshAt: inOneHour,
      lastRefreshedAt: anHourAgo,
      consecutiveFailures: 0,
      lastError: null,
      ...status,
    },
  };
}

describe("tenantTokenHealth", () => {
  test.each<[string, string, string, KeeperState | undefined]>([
    ["valid token", "Healthy", "valid", keeper("t", {})],
    ["valid district token (no expiry)", "Healthy", "valid", keeper("t", { expiresAt: null, mode: "district-token" })],
    ["valid but expired: the keeper is stuck", "Unhealthy", "valid", keeper("t", { expiresAt: anHourAgo })],
    ["failing, token still valid, few failures", "Degraded", "failing", keeper("t", { state: "failing", consecutiveFailures: FAILURES_BEFORE_UNHEALTHY - 1, lastError: "HTTP 503" })],
    ["failing, token still valid, many failures", "Unhealthy", "failing", keeper("t", { state: "failing", consecutiveFailures: FAILURES_BEFORE_UNHEALTHY })],
    ["failing, token expired", "Unhealthy", "failing", keeper("t", { state: "failing", consecutiveFailures: 1, expiresAt: anHourAgo })],
    ["failing, no expiry known, few failures", "Degraded", "failing", keeper("t", { state: "failing", consecutiveFailures: 1, expiresAt: null, fingerprint: null, mode: null })],
    ["suspended keeper, token still valid", "Degraded", "valid", keeper("t", {}, "Suspended")],
    ["suspended keeper, token expired", "Unhealthy", "valid", keeper("t", { expiresAt: anHourAgo }, "Suspended")],
    ["keeper running, no report yet", "Degraded", "starting", keeper("t", undefined)],
    ["no keeper", "Unhealthy", "missing", undefined],
  ])("%s → %s (%s)", (_case, status, tokenState, state) => {
    const health = tenantTokenHealth("t", state, NOW);
    expect(health).toMatchObject({ tenantId: "t", status, state: tokenState });
    expect(health.description.length).toBeGreaterThan(0);
  });

  test("no keeper while a local app is still starting its keepers → Degraded (starting), not Unhealthy", () => {
    expect(tenantTokenHealth("t", undefined, NOW, true)).toMatchObject({ status: "Degraded", state: "starting", description: expect.stringContaining("token:t") });
    expect(tenantTokenHealth("t", keeper("t", { expiresAt: anHourAgo }), NOW, true).status).toBe("Unhealthy");
  });

  test("carries the keeper's metadata, never more", () => {
    const health = tenantTokenHealth("t", keeper("t", { state: "failing", consecutiveFailures: 2, lastError: "invalid_client" }), NOW);
    expect(Object.keys(health).sort()).toEqual(
      ["consecutiveFailures", "description", "expiresAt", "fingerprint", "lastError", "lastRefreshedAt", "mode", "nextRefreshAt", "runtimeStatus", "state", "status", "tenantId"].sort(),
    );
    expect(health.description).toContain("invalid_client");
  });
});

describe("cleverAuthCheck", () => {
  test("one entry per enabled tenant, the worst status overall; keepers of other tenants are ignored", async () => {
    const check = cleverAuthCheck({
      enabledTenantIds: async () => ["b-district", "a-district", "c-district"],
      readKeeperStatuses: async () => [keeper("a-district", {}), keeper("b-district", { state: "failing", consecutiveFailures: 1 }), keeper("disabled-one", {})],
      now: () => NOW,
    });
    const result = await check(new AbortController().signal);
    const { tenants } = result.data as unknown as CleverAuthData;
    expect(tenants.map((t) => [t.tenantId, t.status])).toEqual([
      ["a-district", "Healthy"],
      ["b-district", "Degraded"],
      ["c-district", "Unhealthy"],
    ]);
    expect(result).toMatchObject({ status: "Unhealthy", description: "3 enabled tenant(s): 1 healthy, 1 degraded, 1 unhealthy." });
  });

  test("no enabled tenants is Healthy", async () => {
    const check = cleverAuthCheck({ enabledTenantIds: async () => [], readKeeperStatuses: async () => [], now: () => NOW });
    expect(await check(new AbortController().signal)).toMatchObject({ status: "Healthy", description: "No enabled tenants.", data: { tenants: [] } });
  });

  test("Degraded (not Unhealthy) until a durable client is bound; reads through the latest binding after", async () => {
    const slot = new KeeperReaderSlot();
    const check = cleverAuthCheck({ enabledTenantIds: async () => ["a"], readKeeperStatuses: () => slot.read(), now: () => NOW });
    expect(await check(new AbortController().signal)).toMatchObject({ status: "Degraded", description: expect.stringContaining("No durable client has been bound yet") });
    expect(slot.bind(async () => [])).toBe(true);
    expect(slot.bind(async () => [keeper("a", {})])).toBe(false);
    expect((await check(new AbortController().signal)).status).toBe("Healthy");
  });

  test("a failing tenant list or keeper read is an error (the snapshot makes it Unhealthy)", async () => {
    const check = cleverAuthCheck({
      enabledTenantIds: async () => {
        throw new Error("tables down");
      },
      readKeeperStatuses: async () => [],
      now: () => NOW,
    });
    await expect(check(new AbortController().signal)).rejects.toThrow("tables down");
  });
});

describe("readKeeperStatuses", () => {
  test("asks for live instances only, keeps token:* ones, parses custom status (object or JSON text)", async () => {
    const filters: unknown[] = [];
    const valid = keeper("a", {}).status;
    const client = {
      getStatusBy: async (filter: unknown) => {
        filters.push(filter);
        return [
          { instanceId: "token:a", runtimeStatus: "Running", customStatus: valid },
          { instanceId: "token:b", runtimeStatus: "Running", customStatus: JSON.stringify({ ...valid, tenantId: "b" }) },
          { instanceId: "token:c", runtimeStatus: "Pending", customStatus: null },
          { instanceId: "token:d", runtimeStatus: "Running", customStatus: { state: "weird" } },
          { instanceId: "sync:a:run-1", runtimeStatus: "Running", customStatus: { phase: "users" } },
        ];
      },
    } as unknown as Parameters<typeof readKeeperStatuses>[0];
    const states = await readKeeperStatuses(client);
    expect(filters).toEqual([{ runtimeStatus: ["Running", "Pending", "ContinuedAsNew", "Suspended"] }]);
    expect(states).toEqual([
      { tenantId: "a", runtimeStatus: "Running", status: valid },
      { tenantId: "b", runtimeStatus: "Running", status: { ...valid, tenantId: "b" } },
      { tenantId: "c", runtimeStatus: "Pending", status: undefined },
      { tenantId: "d", runtimeStatus: "Running", status: undefined },
    ]);
  });

  test("parseKeeperStatus rejects what is not a keeper status", () => {
    expect(parseKeeperStatus("{not json")).toBeUndefined();
    expect(parseKeeperStatus(42)).toBeUndefined();
    expect(parseKeeperStatus({ tenantId: "a" })).toBeUndefined();
  });
});
