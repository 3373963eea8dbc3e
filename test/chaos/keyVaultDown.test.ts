/**
 * Key Vault goes down while a sync runs. The tenant's Clever credentials come from Key Vault (the
 * real KeyVaultSecretStore and SecretClient, over TLS, against the local stand-in) through the
 * CachedCredentialStore, with a zero TTL so every token refresh reads the vault again. Clever
 * revokes each token after a few requests, so the keeper must fetch new tokens — and so read the
 * credentials — while the vault is down: the last good copy keeps the sync going.
 */
import { CachedCredentialStore, KeyVaultSecretStore } from "../../lib/secrets";
import { cachedToken } from "../../lib/tokens";
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { KeyVaultStandIn, type DownMode } from "../helpers/keyVaultStandIn";
import { LARGE, startChaosWorld, syncAndSummarize, TENANT, type ChaosWorld } from "./chaosWorld";

const USERS = LARGE ? 3000 : 500;
const MODES: DownMode[] = LARGE ? ["unavailable", "reset", "refuse"] : ["unavailable", "refuse"];

let kv: KeyVaultStandIn;
let world: ChaosWorld | undefined;

beforeAll(async () => {
  kv = await KeyVaultStandIn.start({
    secrets: { [`clever-${TENANT}-client-id`]: DEMO_CLIENT_ID, [`clever-${TENANT}-client-secret`]: DEMO_CLIENT_SECRET },
  });
});
afterAll(() => kv?.close());
afterEach(async () => {
  await kv.resetFaults();
  kv.clearRequests();
  // The vault's own bearer token (Azure AD, for Key Vault) must not leak either.
  const findings = (await world?.stopAndScan([kv.token])) ?? [];
  world = undefined;
  expect(findings).toEqual([]);
});

test.each(MODES)("Key Vault %s mid-run: cached credentials keep the sync going and it ends equal", async (mode) => {
  world = await startChaosWorld({ users: USERS, pageSize: 100 });
  const credentials = new CachedCredentialStore(
    new KeyVaultSecretStore({ vaultUrl: kv.url, credential: kv.credential(), clientOptions: kv.clientOptions(), requestTimeoutMs: 2_000 }),
    { ttlMs: 0, clock: { now: () => world!.host.clock.now() } },
  );
  world.services.credentials = credentials;
  await world.services.tenants.update(TENANT, { settings: { authMode: "client-credentials" } });
  world.simulator.setFaults({ revokeTokenAfterRequests: 5 });

  // A first run with the vault up: the keeper reads the credentials from Key Vault.
  const first = await syncAndSummarize(world, "full", "run-1");
  expect(first.status.runtimeStatus).toBe("Completed");
  expect(kv.secretReads(`clever-${TENANT}-client-secret`).length).toBeGreaterThanOrEqual(1);
  expect(credentials.health()).toMatchObject({ status: "Healthy" });

  // Clever changes, then the vault goes down as the next run starts.
  const sim = world.simulator;
  const district = sim.district();
  for (let seq = 0; seq < 40; seq++) sim.update("users", district.idAt("users", seq), { email: `kv.${seq}@example.org` });
  const revokedBefore = sim.requestStats().faults.revoked;
  kv.clearRequests();
  const running = world.sync("full", "run-2");
  await kv.down(mode);
  const status = await running;

  expect(status.runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  // Tokens were replaced during the outage, so credentials were needed, and the vault was tried...
  expect(sim.requestStats().faults.revoked).toBeGreaterThan(revokedBefore);
  if (mode !== "refuse") expect(kv.requests.length).toBeGreaterThan(0);
  expect(kv.secretReads().filter((r) => r.status === 200)).toEqual([]);
  // ...and the store says it is serving a stale copy.
  expect(credentials.health()).toMatchObject({ status: "Degraded", lastError: expect.stringMatching(/Key Vault/) });
}, 60_000);

/** Key Vault down and no copy of the credentials cached, with the cached token expired: no token can be had. */
async function worldWithoutCredentials(): Promise<ChaosWorld> {
  const w = await startChaosWorld({ users: USERS, pageSize: 100 });
  // Real time an activity waits for the keeper before failing (default 30 s); durable retries follow.
  w.services.settings.TOKEN_WAIT_TIMEOUT_SECONDS = 0.3;
  w.services.credentials = new CachedCredentialStore(
    new KeyVaultSecretStore({ vaultUrl: kv.url, credential: kv.credential(), clientOptions: kv.clientOptions(), requestTimeoutMs: 2_000 }),
    { ttlMs: 0, clock: { now: () => w.host.clock.now() } },
  );
  await w.services.tenants.update(TENANT, { settings: { authMode: "client-credentials" } });
  // The cached token has just expired: the keeper must fetch one, and for that read the credentials.
  const current = (await w.services.tokenCache.get(TENANT))!;
  await w.services.tokenCache.put(TENANT, cachedToken(current.accessToken, { mode: current.mode, obtainedAt: current.obtainedAt, expiresAt: w.host.clock.now() - 1 }));
  await kv.down("unavailable");
  return w;
}

const NO_TOKEN = /No usable Clever token for tenant 'shelbyville'/;

test("Key Vault down before the credentials were ever read: the run fails with the token problem; after recovery the next run repairs", async () => {
  world = await worldWithoutCredentials();
  const failed = await syncAndSummarize(world, "full", "run-1");
  expect(failed.status.runtimeStatus).toBe("Failed");
  expect(failed.status.customStatus).toMatchObject({ phase: "failed", lastError: expect.stringMatching(NO_TOKEN) });
  expect(await world.differences()).not.toEqual([]);

  await kv.up();
  // Recovery: the token keeper's backoff (at most 30 minutes) passes and it fetches a token on its own.
  await world.host.advance(31 * 60_000);
  const repaired = await syncAndSummarize(world, "full", "run-2");
  expect(repaired.status.runtimeStatus).toBe("Completed");
  expect(repaired.run).toMatchObject({ status: "completed", error: null });
  expect(await world.differences()).toEqual([]);
}, 60_000);

// Found by this suite: planSyncRun used to call Clever before opening the run summary, so a run
// failing for want of a token left no summary and reported RunNotFoundError instead of the cause.
test("a run that fails while planning leaves a run summary naming the real cause", async () => {
  world = await worldWithoutCredentials();
  const failed = await syncAndSummarize(world, "full", "run-1");
  expect(failed.status.runtimeStatus).toBe("Failed");
  expect(String(failed.status.output)).toMatch(NO_TOKEN);
  expect(failed.run).toMatchObject({ status: "failed", error: expect.stringMatching(NO_TOKEN) });
}, 60_000);
