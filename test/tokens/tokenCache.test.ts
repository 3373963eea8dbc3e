import { KeyVaultSecretStore } from "../../lib/secrets";
import { cachedToken, MemoryTokenCache, SecretStoreTokenCache } from "../../lib/tokens";
import { KeyVaultStandIn } from "../helpers/keyVaultStandIn";

const token = () => cachedToken("tok-" + "x".repeat(40), { mode: "client-credentials", obtainedAt: 1_000, expiresAt: 3_601_000 });

test("the Key Vault token cache round-trips a token through the clever-{tenant}-access-token secret", async () => {
  const vault = await KeyVaultStandIn.start();
  try {
    const cache = new SecretStoreTokenCache(new KeyVaultSecretStore({ vaultUrl: vault.url, credential: vault.credential(), clientOptions: vault.clientOptions() }));
    expect(await cache.get("t1")).toBeUndefined();
    const stored = token();
    await cache.put("t1", stored);
    const read = await cache.get("t1");
    expect(read).toMatchObject({ fingerprint: stored.fingerprint, mode: "client-credentials", obtainedAt: 1_000, expiresAt: 3_601_000 });
    expect(read!.accessToken).toBe(stored.accessToken);
    expect(vault.secretProperties("clever-t1-access-token")).toMatchObject({ tags: { fingerprint: stored.fingerprint, mode: "client-credentials" } });
    // Another tenant's cache entry is a different secret.
    expect(await cache.get("t2")).toBeUndefined();
  } finally {
    await vault.close();
  }
});

test("cached tokens never serialize their bearer value", () => {
  const stored = token();
  expect(JSON.stringify(stored)).not.toContain("tok-");
  expect(Object.keys(stored)).not.toContain("accessToken");
});

test("the memory cache is per tenant", async () => {
  const cache = new MemoryTokenCache();
  await cache.put("a", token());
  expect(await cache.get("b")).toBeUndefined();
  expect((await cache.get("a"))?.mode).toBe("client-credentials");
});
