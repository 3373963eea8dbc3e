/**
 * functions/health.ts as deployed: the health runtime is created lazily from the process's
 * services on the first request, refreshed in the background, and reads a real token keeper
 * through the durable client. Real parts throughout: devhost, Azurite, a SQLite file, the local
 * secret store and the Clever simulator.
 */
import "../../functions/health";
import "../../functions/tokenKeeper";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "../../lib/config/settings";
import { DevHost } from "../../lib/devhost";
import { CLEVER_AUTH_CHECK } from "../../lib/health/checks";
import { processHealth } from "../../lib/health/holder";
import type { HealthReport } from "../../lib/health/report";
import { createServices, processServices, type Services } from "../../lib/runtime/services";
import { CachedCredentialStore, LocalSecretStore } from "../../lib/secrets";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { policyFromSettings, TOKEN_KEEPER, tokenKeeperInstanceId } from "../../lib/tokens";
import { startAzurite, type AzuriteTables } from "../helpers/azurite";
import { waitFor } from "./helpers";

let azurite: AzuriteTables;
let host: DevHost;
let simulator: CleverSimulator;
let services: Services;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  host = await DevHost.start({ clock: "virtual" });
  simulator = new CleverSimulator({ seed: 5, users: 10, rateLimit: false, now: () => host.clock.now() });
  const { url } = await simulator.start();
  dir = mkdtempSync(join(tmpdir(), "health-wiring-"));
  const settings = loadSettings({ CLEVER_API_BASE_URL: url, CLEVER_OAUTH_BASE_URL: url, TENANT_TABLES_CONNECTION: azurite.connectionString, SQLITE_PATH: join(dir, "roster.sqlite") });
  const credentials = new CachedCredentialStore(new LocalSecretStore({ values: { CLEVER__SPRINGFIELD__CLIENT_ID: DEMO_CLIENT_ID, CLEVER__SPRINGFIELD__CLIENT_SECRET: DEMO_CLIENT_SECRET } }));
  services = createServices(settings, { credentials, now: () => host.clock.now(), cleverSleep: async () => undefined });
  processServices.use(services);
  await services.tenants.create({ id: "springfield", displayName: "Springfield", cleverDistrictId: simulator.district().id, settings: { authMode: "client-credentials" } });
  host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId("springfield"), input: { tenantId: "springfield", policy: policyFromSettings(settings) } });
  await host.runUntilIdle();
});

afterAll(async () => {
  processHealth.use(undefined);
  processServices.use(undefined);
  await host.stop();
  await services.stores.close();
  await simulator.stop();
  await azurite.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, key: string | false = false): Promise<{ status: number; body: HealthReport; text: string }> {
  const response = await host.fetch(path, { key });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as HealthReport, text };
}

test("first request creates and starts the snapshot; all real dependencies and the real keeper come up Healthy", async () => {
  expect(processHealth.current).toBeUndefined();
  // Liveness never creates (or reads) the snapshot.
  expect((await get("/api/health/live")).status).toBe(200);
  expect(processHealth.current).toBeUndefined();

  const first = await get("/api/health");
  const runtime = processHealth.current;
  expect(runtime?.snapshot.running).toBe(true);
  expect(runtime?.keepers.bound).toBe(true);
  expect(first.status).toBe(200);
  expect(first.body.status).toBe("Degraded"); // warming up: the request did not wait for the probes

  await waitFor(() => runtime!.snapshot.names.every((name) => runtime!.snapshot.record(name).checkedAt !== undefined), 10_000);
  const health = await get("/api/health");
  expect(Object.fromEntries(Object.entries(health.body.entries).map(([name, e]) => [name, e.status]))).toEqual({
    host: "Healthy",
    keyVault: "Healthy",
    sql: "Healthy",
    tables: "Healthy",
    clever: "Healthy",
    cleverAuth: "Healthy",
  });
  expect(health.status).toBe(200);
  expect(health.body.entries.cleverAuth.data).toEqual({ tenants: 1, healthy: 1, degraded: 0, unhealthy: 0 });
  expect(health.text).not.toContain("springfield");

  const auth = await get("/api/health/clever-auth", host.keys.functionKey);
  const keeper = host.getStatus(tokenKeeperInstanceId("springfield"))?.customStatus as { fingerprint: string; expiresAt: string };
  expect(auth.body.entries.springfield).toMatchObject({ status: "Healthy", data: { state: "valid", mode: "client-credentials", fingerprint: keeper.fingerprint, expiresAt: keeper.expiresAt } });
  expect(auth.text).not.toContain(DEMO_CLIENT_SECRET);

  // The same runtime serves later requests.
  await get("/api/health/ready");
  expect(processHealth.current).toBe(runtime);
});

test("a keeper that disappears shows as Unhealthy on the next background refresh", async () => {
  const runtime = processHealth.current!;
  host.terminate(tokenKeeperInstanceId("springfield"));
  await host.runUntilIdle();
  await runtime.snapshot.refresh([CLEVER_AUTH_CHECK]);
  const auth = await get("/api/health/clever-auth", host.keys.functionKey);
  expect(auth.status).toBe(503);
  expect(auth.body.entries.springfield).toMatchObject({ status: "Unhealthy", data: { state: "missing" } });
  expect((await get("/api/health/ready")).status).toBe(200);
});
