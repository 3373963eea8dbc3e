/**
 * Each dependency check against the real part: Azurite for Tables, a SQLite file for SQL, the Key
 * Vault stand-in (up and down), the Clever simulator over HTTP, and closed ports / stub servers
 * for "down". Checks run through a snapshot, as in production, so thrown errors and deadlines
 * turn into entries the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleverCheck, keyVaultCheck, sqlCheck, tablesCheck, PROBE_TENANT_ID } from "../../lib/health/checks";
import { HealthSnapshot, type HealthCheck } from "../../lib/health/snapshot";
import { loadSettings } from "../../lib/config/settings";
import { createServices, TablesNotConfiguredError } from "../../lib/runtime/services";
import { CachedCredentialStore, KeyVaultSecretStore, LocalSecretStore } from "../../lib/secrets";
import { CleverSimulator } from "../../lib/simulator";
import { StoreRouter } from "../../lib/store";
import { TenantRegistry } from "../../lib/tenants";
import { startAzurite, type AzuriteTables } from "../helpers/azurite";
import { KeyVaultStandIn } from "../helpers/keyVaultStandIn";
import { closedPort, stubServer } from "./helpers";

/** Runs one check through a snapshot and returns its entry. */
async function run(check: HealthCheck, timeoutMs = 3_000) {
  const snapshot = new HealthSnapshot({ checks: { check }, timeoutMs });
  await snapshot.refresh();
  return snapshot.record("check").entry;
}

describe("tables", () => {
  let azurite: AzuriteTables;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite.stop());

  test("Healthy when Azurite answers (the probe row does not exist)", async () => {
    const registry = new TenantRegistry({ connectionString: azurite.connectionString, allowInsecureConnection: true });
    expect(await run(tablesCheck({ tenants: () => registry }))).toMatchObject({ status: "Healthy", description: "The tenant registry (Azure Tables) answered." });
  });

  test("Unhealthy when nothing listens on the Tables port", async () => {
    const port = await closedPort();
    const registry = new TenantRegistry({ connectionString: azurite.connectionString.replace(/:\d+\//, `:${port}/`), allowInsecureConnection: true });
    // The SDK retries a refused connection for about 5 s; a deadline past that shows its error and
    // leaves no retry timer running after the test.
    const entry = await run(tablesCheck({ tenants: () => registry }), 10_000);
    expect(entry).toMatchObject({ status: "Unhealthy", description: expect.stringContaining("ECONNREFUSED") });
    expect(JSON.stringify(entry)).not.toContain(azurite.accountKey);
  });

  test("Unhealthy with the fix when no Tables account is configured", async () => {
    const services = createServices(loadSettings({}));
    const entry = await run(tablesCheck({ tenants: () => services.tenants }));
    expect(entry).toMatchObject({ status: "Unhealthy", description: expect.stringContaining(new TablesNotConfiguredError().name) });
    expect(entry.description).toContain("TENANT_TABLES_CONNECTION");
  });
});

describe("sql", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "health-sql-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("Healthy when the default SQLite file opens and answers", async () => {
    const stores = new StoreRouter({ defaultTarget: { kind: "sqlite", filename: join(dir, "roster.sqlite") } });
    try {
      expect(await run(sqlCheck({ stores }))).toMatchObject({ status: "Healthy", description: "The default SQLite database answered.", data: { dialect: "sqlite" } });
      // The probe only reads: nothing is written for the probe tenant.
      expect(await (await stores.defaultStore()).listRuns(PROBE_TENANT_ID, 10)).toEqual([]);
    } finally {
      await stores.close();
    }
  });

  test("Unhealthy when the database cannot be opened", async () => {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "x");
    const stores = new StoreRouter({ defaultTarget: { kind: "sqlite", filename: join(blocker, "roster.sqlite") } });
    try {
      expect(await run(sqlCheck({ stores }))).toMatchObject({ status: "Unhealthy", description: expect.stringMatching(/^StoreUnavailableError: /) });
    } finally {
      await stores.close();
    }
  });
});

describe("keyVault", () => {
  let kv: KeyVaultStandIn;
  beforeAll(async () => {
    kv = await KeyVaultStandIn.start();
  });
  afterAll(() => kv.close());
  afterEach(() => kv.resetFaults());

  function credentials(): CachedCredentialStore {
    const raw = new KeyVaultSecretStore({ vaultUrl: kv.url, credential: kv.credential(), clientOptions: kv.clientOptions(), requestTimeoutMs: 2_000 });
    return new CachedCredentialStore(raw);
  }

  test("Healthy when Key Vault answers (the probe secret is missing: an answer, not an outage)", async () => {
    const store = credentials();
    kv.clearRequests();
    const entry = await run(keyVaultCheck({ credentials: store }));
    expect(entry).toMatchObject({ status: "Healthy", description: `Key Vault ${kv.url} answered.`, data: { store: "keyVault", cachedTenants: 0 } });
    expect(kv.secretReads().map((r) => r.secretName)).toEqual(expect.arrayContaining([`clever-${PROBE_TENANT_ID}-client-id`]));
    expect(kv.secretReads().every((r) => r.status === 404)).toBe(true);
  });

  test("Degraded, naming the cause and the fix, when Key Vault is down and nothing is cached (the app still serves; issue 16)", async () => {
    const store = credentials();
    await kv.down("refuse");
    const entry = await run(keyVaultCheck({ credentials: store }));
    expect(entry).toMatchObject({ status: "Degraded", description: expect.stringMatching(/is failing .*ECONNREFUSED.*no credentials are cached: syncs cannot start/), data: { store: "keyVault", cachedTenants: 0 } });
  });

  test("Degraded when Key Vault is down but cached credentials are served; Healthy again when it is back", async () => {
    kv.setSecret("clever-district-1-client-id", "id-1");
    kv.setSecret("clever-district-1-client-secret", "client-secret-value-1");
    const store = credentials();
    await store.getCleverCredentials("district-1");
    await kv.down("unavailable");
    const degraded = await run(keyVaultCheck({ credentials: store }));
    expect(degraded).toMatchObject({ status: "Degraded", data: { cachedTenants: 1 } });
    expect(JSON.stringify(degraded)).not.toContain("client-secret-value-1");
    await kv.up();
    expect((await run(keyVaultCheck({ credentials: store }))).status).toBe("Healthy");
  });

  test("the local store is Healthy and says no Key Vault is configured", async () => {
    const store = new CachedCredentialStore(new LocalSecretStore({ values: {} }));
    expect(await run(keyVaultCheck({ credentials: store }))).toMatchObject({ status: "Healthy", description: expect.stringContaining("no Key Vault is configured"), data: { store: "local" } });
  });
});

describe("clever", () => {
  test("Healthy when the simulator answers /v3.0/districts with 401 (no credentials sent)", async () => {
    const simulator = new CleverSimulator({ seed: 3, users: 5, rateLimit: false });
    const { url } = await simulator.start();
    try {
      const entry = await run(cleverCheck({ apiBaseUrl: url }));
      expect(entry).toMatchObject({ status: "Healthy", data: { origin: url, httpStatus: 401 } });
      expect(simulator.requestStats().byStatus[401]).toBe(1);
    } finally {
      await simulator.stop();
    }
  });

  test("Unhealthy when nothing listens (closed port)", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(await run(cleverCheck({ apiBaseUrl: url }))).toMatchObject({ status: "Unhealthy", description: `The Clever API at ${url} could not be reached: ECONNREFUSED.` });
  });

  test.each([
    [503, "Unhealthy"],
    [500, "Unhealthy"],
    [429, "Degraded"],
    [404, "Degraded"],
    [200, "Healthy"],
  ])("HTTP %i → %s", async (status, expected) => {
    const stub = await stubServer(status);
    try {
      expect((await run(cleverCheck({ apiBaseUrl: `${stub.url}/` }))).status).toBe(expected);
    } finally {
      await stub.close();
    }
  });

  test("a Clever origin that never answers is Unhealthy at the deadline, and the request is aborted", async () => {
    const stub = await stubServer("hang");
    try {
      const entry = await run(cleverCheck({ apiBaseUrl: stub.url }), 200);
      expect(entry).toMatchObject({ status: "Unhealthy", description: "CheckTimeoutError: The check check did not answer within 200 ms." });
      expect(stub.requests).toBe(1);
    } finally {
      await stub.close();
    }
  });
});
