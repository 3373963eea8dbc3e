/** Secret values must never show up in errors, logs, JSON or health. */
import { inspect } from "node:util";
import {
  CachedCredentialStore,
  CleverCredentials,
  CredentialsNotFoundError,
  CredentialsUnavailableError,
  KeyVaultSecretStore,
  LocalSecretStore,
  SecretValue,
} from "../../lib/secrets";
import { KeyVaultStandIn } from "../helpers/keyVaultStandIn";
import { TestClock } from "./testClock";

const SECRET = "s3cr3t-VALUE-never-log-7731";
const TOKEN = "dt-VALUE-never-log-4402";
const CONNECTION = "Server=tcp:db;Password=pw-VALUE-never-log-9917";

/** Every way a value commonly leaks into a log line. */
function renderings(value: unknown): string[] {
  const out = [String(value), `${value as string}`, JSON.stringify(value) ?? "", inspect(value, { depth: 10, showHidden: true }), inspect({ wrapped: value }, { depth: 10 })];
  if (value instanceof Error) out.push(value.stack ?? "", JSON.stringify({ ...value }), inspect(value.cause, { depth: 10, showHidden: true }));
  if (value && typeof value === "object") out.push(JSON.stringify({ ...value }), Object.keys(value).join(","));
  return out;
}

function expectNoSecrets(value: unknown): void {
  for (const text of renderings(value)) {
    for (const secret of [SECRET, TOKEN, CONNECTION]) expect(text).not.toContain(secret);
  }
}

describe("credentials objects", () => {
  const creds = new CleverCredentials({ tenantId: "demo", clientId: "client-id-1", clientSecret: SECRET, districtToken: TOKEN });

  test("print as redacted, keep the values reachable by name", () => {
    expectNoSecrets(creds);
    expect(JSON.stringify(creds)).toBe('{"tenantId":"demo","clientId":"client-id-1","clientSecret":"[redacted]","districtToken":"[redacted]"}');
    expect(String(creds)).toBe("CleverCredentials(tenantId=demo, clientId=client-id-1, clientSecret=[redacted], districtToken=[redacted])");
    expect(inspect(creds)).toContain("clientSecret: '[redacted]'");
    expect(creds.clientSecret).toBe(SECRET);
    expect(creds.districtToken).toBe(TOKEN);
    expect(creds.secretValues()).toEqual([SECRET, TOKEN]);
    expect(structuredClone(creds)).not.toHaveProperty("clientSecret", SECRET);
  });

  test("a SecretValue prints as redacted", () => {
    const value = new SecretValue(CONNECTION);
    expectNoSecrets(value);
    expect(value.reveal()).toBe(CONNECTION);
  });
});

describe("errors, health and the store itself", () => {
  let kv: KeyVaultStandIn;
  beforeAll(async () => {
    kv = await KeyVaultStandIn.start({
      secrets: {
        "clever-demo-client-id": "client-id-1",
        "clever-demo-client-secret": SECRET,
        "clever-demo-district-token": TOKEN,
        "sql-demo-connection": CONNECTION,
        // Half-configured tenant: the secret exists but the id does not.
        "clever-half-client-secret": SECRET,
      },
    });
  });
  afterAll(() => kv.close());

  function makeStore(clock = new TestClock()) {
    const raw = new KeyVaultSecretStore({ vaultUrl: kv.url, credential: kv.credential(), clientOptions: kv.clientOptions() });
    return new CachedCredentialStore(raw, { ttlMs: 1_000, clock });
  }

  test("not-found error for a tenant whose secret exists but id does not", async () => {
    const err = await makeStore().getCleverCredentials("half").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsNotFoundError);
    expectNoSecrets(err);
  });

  test("outage: the store's error, the fallback's health and the store object stay clean", async () => {
    const clock = new TestClock();
    const store = makeStore(clock);
    const creds = await store.getCleverCredentials("demo");
    await store.getSqlConnection("demo");
    expect(store.knownSecretValues().sort()).toEqual([CONNECTION, SECRET, TOKEN].sort());

    await kv.down("unavailable");
    try {
      clock.advance(1_000);
      expect(await store.getCleverCredentials("demo")).toBe(creds);
      const err = await store.getCleverCredentials("other").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CredentialsUnavailableError);
      expectNoSecrets(err);
      expectNoSecrets(store.health());
      expectNoSecrets(store);
      expectNoSecrets(creds);
    } finally {
      await kv.up();
    }
  });

  test("the local store's errors stay clean too", async () => {
    const store = new CachedCredentialStore(new LocalSecretStore({ values: { CLEVER__HALF__CLIENT_SECRET: SECRET } }));
    const err = await store.getCleverCredentials("half").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsNotFoundError);
    expectNoSecrets(err);
    expectNoSecrets(store);
  });
});
