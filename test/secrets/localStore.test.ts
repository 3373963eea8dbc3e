import { CachedCredentialStore, CredentialsNotFoundError, LocalSecretStore, createCredentialStore, secretRef } from "../../lib/secrets";

describe("local store", () => {
  const values = {
    CLEVER__DEMO__CLIENT_ID: "demo-id",
    CLEVER__DEMO__CLIENT_SECRET: "demo-secret\n", // pasted with a newline
    CLEVER__DISTRICT_7__CLIENT_ID: "d7-id",
    CLEVER__DISTRICT_7__CLIENT_SECRET: "d7-secret",
    CLEVER__DISTRICT_7__DISTRICT_TOKEN: "d7-token",
    SQL__DISTRICT_7__CONNECTION: "Data Source=.data/d7.db",
  };

  test("reads credentials from a plain object (e.g. local.settings.json Values) by convention", async () => {
    const store = createCredentialStore({ localValues: values });
    const demo = await store.getCleverCredentials("demo");
    expect([demo.clientId, demo.clientSecret, demo.districtToken]).toEqual(["demo-id", "demo-secret", undefined]);
    const d7 = await store.getCleverCredentials("district-7");
    expect([d7.clientId, d7.clientSecret, d7.districtToken]).toEqual(["d7-id", "d7-secret", "d7-token"]);
    expect((await store.getSqlConnection("district-7"))?.reveal()).toBe("Data Source=.data/d7.db");
    expect(await store.getSqlConnection("demo")).toBeUndefined();
    expect(store.health()).toMatchObject({ status: "Healthy", store: "local settings (environment variables)", cachedTenants: 2 });
  });

  test("reads process.env by default, live", async () => {
    const raw = new LocalSecretStore();
    const ref = secretRef("env-test-1", "clientSecret");
    expect(await raw.getSecret(ref)).toBeUndefined();
    process.env.CLEVER__ENV_TEST_1__CLIENT_SECRET = "from-env";
    try {
      expect(await raw.getSecret(ref)).toBe("from-env");
    } finally {
      delete process.env.CLEVER__ENV_TEST_1__CLIENT_SECRET;
    }
  });

  test("tenants are isolated: one tenant's id never reads another's settings", async () => {
    const store = createCredentialStore({ localValues: values });
    await expect(store.getCleverCredentials("district-8")).rejects.toBeInstanceOf(CredentialsNotFoundError);
  });

  test("missing or empty settings: the error names the setting and how to add it", async () => {
    const store = new CachedCredentialStore(new LocalSecretStore({ values: { CLEVER__EMPTY_1__CLIENT_ID: "id", CLEVER__EMPTY_1__CLIENT_SECRET: "  " }, description: "local.settings.json" }));
    const err = (await store.getCleverCredentials("empty-1").catch((e: unknown) => e)) as CredentialsNotFoundError;
    expect(err).toBeInstanceOf(CredentialsNotFoundError);
    expect(err.secretNames).toEqual(["CLEVER__EMPTY_1__CLIENT_SECRET"]);
    expect(err.message).toBe(
      'Credentials for tenant "empty-1" are incomplete: "CLEVER__EMPTY_1__CLIENT_SECRET" is missing or empty in local.settings.json. ' +
        'Add it: set CLEVER__EMPTY_1__CLIENT_SECRET=<value> in the environment or in local.settings.json "Values"',
    );
  });

  test("writes stay in memory and never change the settings object or process.env", async () => {
    const settings: Record<string, string> = {};
    const raw = new LocalSecretStore({ values: settings });
    const ref = secretRef("demo", "accessToken");
    await raw.setSecret(ref, "tok");
    expect(await raw.getSecret(ref)).toBe("tok");
    expect(settings).toEqual({});
    expect(process.env.CLEVER__DEMO__ACCESS_TOKEN).toBeUndefined();
  });
});
