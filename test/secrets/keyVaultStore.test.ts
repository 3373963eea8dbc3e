/** The Key Vault store against the local HTTPS stand-in, through the real SecretClient. */
import {
  CachedCredentialStore,
  CredentialsNotFoundError,
  CredentialsUnavailableError,
  InvalidTenantIdError,
  KeyVaultSecretStore,
  SecretStoreConfigError,
  SecretStoreUnavailableError,
  createCredentialStore,
  secretRef,
} from "../../lib/secrets";
import { KeyVaultStandIn, type DownMode } from "../helpers/keyVaultStandIn";
import { TestClock } from "./testClock";

const TTL = 60_000;
let kv: KeyVaultStandIn;

beforeAll(async () => {
  kv = await KeyVaultStandIn.start();
});
afterAll(() => kv.close());
beforeEach(async () => {
  await kv.resetFaults();
  kv.clearRequests();
});

function seed(tenantId: string, { districtToken = true } = {}): void {
  kv.setSecret(`clever-${tenantId}-client-id`, `id-${tenantId}`);
  kv.setSecret(`clever-${tenantId}-client-secret`, `secret-${tenantId}`);
  if (districtToken) kv.setSecret(`clever-${tenantId}-district-token`, `dt-${tenantId}`);
}

function makeStore(options: { requestTimeoutMs?: number; credential?: KeyVaultStandIn["credential"] } = {}) {
  const clock = new TestClock();
  const raw = new KeyVaultSecretStore({
    vaultUrl: kv.url,
    credential: (options.credential ?? (() => kv.credential()))(),
    clientOptions: kv.clientOptions(),
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
  });
  return { clock, raw, store: new CachedCredentialStore(raw, { ttlMs: TTL, clock }) };
}

describe("reading by convention", () => {
  test("reads a tenant's credentials over HTTPS after the bearer challenge", async () => {
    seed("district-1");
    const { store } = makeStore();

    const creds = await store.getCleverCredentials("district-1");

    expect(creds.tenantId).toBe("district-1");
    expect(creds.clientId).toBe("id-district-1");
    expect(creds.clientSecret).toBe("secret-district-1");
    expect(creds.districtToken).toBe("dt-district-1");
    // First contact is the challenge probe (no Authorization), then bearer requests.
    expect(kv.requests.some((r) => !r.authorized && r.status === 401)).toBe(true);
    expect(kv.secretReads().map((r) => r.secretName).sort()).toEqual([
      "clever-district-1-client-id",
      "clever-district-1-client-secret",
      "clever-district-1-district-token",
    ]);
    // What the SDK really sends: an empty version segment and a percent-encoded api-version.
    for (const r of kv.secretReads()) {
      expect(r.path).toMatch(/^\/secrets\/clever-district-1-[a-z-]+\/$/);
      expect(r.query["api-version"]).toBeTruthy();
    }
    expect(store.health()).toMatchObject({ status: "Healthy", lastError: null, cachedTenants: 1 });
    expect(store.health().lastSuccessAt).not.toBeNull();
  });

  test("the district token is optional", async () => {
    seed("district-2", { districtToken: false });
    const creds = await makeStore().store.getCleverCredentials("district-2");
    expect(creds.clientSecret).toBe("secret-district-2");
    expect(creds.districtToken).toBeUndefined();
  });

  test("a tenant's own SQL connection is read when present, undefined when not", async () => {
    kv.setSecret("sql-district-3-connection", "Server=tcp:x;Password=pw3");
    const { store } = makeStore();
    expect((await store.getSqlConnection("district-3"))?.reveal()).toBe("Server=tcp:x;Password=pw3");
    expect(await store.getSqlConnection("district-4")).toBeUndefined();
  });

  test("the raw store writes secrets with PUT (for the token cache) and reads them back", async () => {
    const { raw } = makeStore();
    const ref = secretRef("district-5", "accessToken");
    const expiresOn = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));

    await raw.setSecret(ref, "token-value", { expiresOn, contentType: "text/plain", tags: { fingerprint: "abc" } });

    expect(kv.secretValue("clever-district-5-access-token")).toBe("token-value");
    expect(kv.secretProperties("clever-district-5-access-token")).toMatchObject({
      contentType: "text/plain",
      tags: { fingerprint: "abc" },
      exp: expiresOn.getTime() / 1000,
    });
    expect(kv.requests.some((r) => r.method === "PUT" && r.authorized && r.status === 200)).toBe(true);
    expect(await raw.getSecret(ref)).toBe("token-value");
  });
});

describe("cache", () => {
  test("a second read within the TTL makes no request; after the TTL it reads again", async () => {
    seed("cache-1");
    const { store, clock } = makeStore();

    const first = await store.getCleverCredentials("cache-1");
    expect(kv.secretReads()).toHaveLength(3);

    clock.advance(TTL - 1);
    expect(await store.getCleverCredentials("cache-1")).toBe(first);
    expect(kv.secretReads()).toHaveLength(3);

    kv.setSecret("clever-cache-1-client-secret", "rotated");
    clock.advance(1);
    const second = await store.getCleverCredentials("cache-1");
    expect(kv.secretReads()).toHaveLength(6);
    expect(second.clientSecret).toBe("rotated");
  });

  test("concurrent reads of one tenant share a single round of requests", async () => {
    seed("flight-1");
    kv.latency(50);
    const { store } = makeStore();

    const results = await Promise.all(Array.from({ length: 5 }, () => store.getCleverCredentials("flight-1")));

    expect(new Set(results).size).toBe(1);
    expect(kv.secretReads()).toHaveLength(3);
  });

  test("invalidate() forces the next read to the vault", async () => {
    seed("inval-1");
    const { store } = makeStore();
    await store.getCleverCredentials("inval-1");
    store.invalidate("inval-1");
    await store.getCleverCredentials("inval-1");
    expect(kv.secretReads()).toHaveLength(6);
  });
});

describe("Key Vault unavailable", () => {
  test.each<[DownMode, string, number | undefined]>([
    ["unavailable", "server", 503],
    ["reset", "network", undefined],
    ["refuse", "network", undefined],
  ])("down (%s) after a good read: last good credentials served, health Degraded", async (mode, reason, statusCode) => {
    const tenant = `down-${mode}`;
    seed(tenant);
    const { store, clock } = makeStore();
    const good = await store.getCleverCredentials(tenant);

    await kv.down(mode);
    clock.advance(TTL);
    const served = await store.getCleverCredentials(tenant);

    expect(served).toBe(good);
    const health = store.health();
    expect(health.status).toBe("Degraded");
    expect(health.lastError).toMatch(new RegExp(`^${reason}: Key Vault https://127\\.0\\.0\\.1:\\d+ `));
    if (statusCode) expect(health.lastError).toContain(String(statusCode));
    expect(health.lastFailureAt).not.toBeNull();

    await kv.up();
    clock.advance(TTL);
    await store.getCleverCredentials(tenant);
    expect(store.health()).toMatchObject({ status: "Healthy", lastError: null });
  });

  test("never read + down: a typed error naming the tenant and the reason; health Unhealthy", async () => {
    seed("never-1");
    await kv.down("unavailable");
    const { store } = makeStore();

    const err = await store.getCleverCredentials("never-1").catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    const e = err as CredentialsUnavailableError;
    expect(e.tenantId).toBe("never-1");
    expect(e.reason).toBe("server");
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/tenant "never-1" could not be read and no earlier copy is cached: Key Vault https:\/\/127\.0\.0\.1:\d+ answered HTTP 503/);
    expect(e.cause).toBeInstanceOf(SecretStoreUnavailableError);
    expect((e.cause as SecretStoreUnavailableError).statusCode).toBe(503);
    expect(store.health()).toMatchObject({ status: "Unhealthy", cachedTenants: 0 });
  });

  test("never read + connection refused: network reason", async () => {
    await kv.down("refuse");
    const err = await makeStore().store.getCleverCredentials("never-2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as CredentialsUnavailableError).reason).toBe("network");
    expect((err as Error).message).toContain("ECONNREFUSED");
  });

  test("a vault that hangs fails with a timeout instead of hanging the caller", async () => {
    seed("slow-1");
    kv.latency(400);
    const err = await makeStore({ requestTimeoutMs: 100 }).store.getCleverCredentials("slow-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as CredentialsUnavailableError).reason).toBe("timeout");
    expect((err as Error).message).toContain("did not answer within 100 ms");
  });

  test("a token the vault rejects: accessDenied with the role to grant", async () => {
    seed("denied-1");
    const wrongToken = () => ({ getToken: async () => ({ token: "not-the-token", expiresOnTimestamp: Date.now() + 3_600_000 }) });
    const err = await makeStore({ credential: wrongToken }).store.getCleverCredentials("denied-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as CredentialsUnavailableError).reason).toBe("accessDenied");
    expect((err as CredentialsUnavailableError).retryable).toBe(false);
    expect((err as Error).message).toContain("Key Vault Secrets User");
  });
});

describe("throttling (429)", () => {
  test("a short burst of 429s is absorbed by the SDK's retries", async () => {
    seed("throttle-1");
    kv.throttle({ times: 2, retryAfterSeconds: 0 });
    const creds = await makeStore().store.getCleverCredentials("throttle-1");
    expect(creds.clientSecret).toBe("secret-throttle-1");
    expect(kv.requests.filter((r) => r.status === 429)).toHaveLength(2);
  });

  test("persistent throttling: cached credentials served (Degraded), uncached tenant gets a throttled error", async () => {
    seed("throttle-2");
    const { store, clock } = makeStore();
    const good = await store.getCleverCredentials("throttle-2");

    kv.throttle({ retryAfterSeconds: 0 });
    clock.advance(TTL);
    expect(await store.getCleverCredentials("throttle-2")).toBe(good);
    expect(store.health().status).toBe("Degraded");
    expect(store.health().lastError).toMatch(/^throttled: .*HTTP 429/);

    const err = await store.getCleverCredentials("throttle-3").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as CredentialsUnavailableError).reason).toBe("throttled");
  });
});

describe("missing secrets (404)", () => {
  test("CredentialsNotFoundError names the tenant, the secret name and how to add it", async () => {
    kv.setSecret("clever-missing-1-client-id", "id");
    const { store } = makeStore();

    const err = await store.getCleverCredentials("missing-1").catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CredentialsNotFoundError);
    const e = err as CredentialsNotFoundError;
    expect(e.tenantId).toBe("missing-1");
    expect(e.secretName).toBe("clever-missing-1-client-secret");
    expect(e.secretNames).toEqual(["clever-missing-1-client-secret"]);
    expect(e.message).toContain(`az keyvault secret set --vault-name <vault-name> --name clever-missing-1-client-secret --value <value>`);
    // A 404 is an answer: the store is reachable.
    expect(store.health().status).toBe("Healthy");
  });

  test("all missing required secrets are named at once", async () => {
    const err = (await makeStore().store.getCleverCredentials("missing-2").catch((e: unknown) => e)) as CredentialsNotFoundError;
    expect(err.secretNames).toEqual(["clever-missing-2-client-id", "clever-missing-2-client-secret"]);
  });

  test("a secret deleted after a good read is reported, not served stale", async () => {
    seed("missing-3");
    const { store, clock } = makeStore();
    await store.getCleverCredentials("missing-3");
    kv.deleteSecret("clever-missing-3-client-secret");
    clock.advance(TTL);
    await expect(store.getCleverCredentials("missing-3")).rejects.toBeInstanceOf(CredentialsNotFoundError);
    expect(store.health().cachedTenants).toBe(0);
  });
});

describe("tenant ids", () => {
  test.each(["../x", "a?b", "A B", "", "a".repeat(64), "a/b", "a#b", "tenant_1", "-lead", "Upper", "a.b"])(
    "%j is rejected before any request",
    async (tenantId) => {
      const { store } = makeStore();
      await expect(store.getCleverCredentials(tenantId)).rejects.toBeInstanceOf(InvalidTenantIdError);
      await expect(store.getSqlConnection(tenantId)).rejects.toBeInstanceOf(InvalidTenantIdError);
      expect(kv.requests).toHaveLength(0);
    },
  );

  test("63 characters is accepted", async () => {
    const tenantId = "a".repeat(63);
    seed(tenantId);
    expect((await makeStore().store.getCleverCredentials(tenantId)).clientId).toBe(`id-${tenantId}`);
  });
});

describe("startup", () => {
  test("building a store does no network I/O, even with the default credential", async () => {
    await kv.down("refuse");
    const store = createCredentialStore({ keyVaultUrl: kv.url });
    const raw = new KeyVaultSecretStore({ vaultUrl: "https://my-vault.vault.azure.net/" });
    await kv.up();

    expect(kv.requests).toHaveLength(0);
    expect(store.health()).toMatchObject({ status: "Healthy", lastSuccessAt: null, lastError: null });
    expect(store.description).toBe(`Key Vault ${kv.url}`);
    expect(raw.vaultName).toBe("my-vault");
    expect(raw.howToAdd(secretRef("demo", "clientSecret"))).toBe("az keyvault secret set --vault-name my-vault --name clever-demo-client-secret --value <value>");
  });

  test.each(["not a url", "http://my-vault.vault.azure.net", "ftp://x"])("vault URL %j is a config error naming the field", (vaultUrl) => {
    expect(() => new KeyVaultSecretStore({ vaultUrl })).toThrow(SecretStoreConfigError);
    expect(() => new KeyVaultSecretStore({ vaultUrl })).toThrow(/^Invalid keyVaultUrl: /);
  });
});
