/** Cache, single-flight, fallback and health rules, against an in-memory SecretStore. */
import {
  CachedCredentialStore,
  CredentialsUnavailableError,
  SecretStoreUnavailableError,
  type SecretRef,
  type SecretStore,
} from "../../lib/secrets";
import { TestClock } from "./testClock";

/** A SecretStore whose answers the test controls; getSecret takes its answer, then waits for `gate` when set. */
class ScriptedStore implements SecretStore {
  readonly kind = "local" as const;
  readonly description = "scripted store";
  readonly values = new Map<string, string>();
  reads = 0;
  failing = false;
  gate: Promise<void> | undefined;

  async getSecret(ref: SecretRef): Promise<string | undefined> {
    this.reads += 1;
    const [failing, value] = [this.failing, this.values.get(ref.name)];
    if (this.gate) await this.gate;
    if (failing) throw new SecretStoreUnavailableError("server", this.description, ref.name, "scripted store answered HTTP 503", { statusCode: 503 });
    return value;
  }
  async setSecret(ref: SecretRef, value: string): Promise<void> {
    this.values.set(ref.name, value);
  }
  nameOf(ref: SecretRef): string {
    return ref.name;
  }
  howToAdd(ref: SecretRef): string {
    return `add ${ref.name}`;
  }
  seed(tenant: string, secret = `secret-${tenant}`): void {
    this.values.set(`clever-${tenant}-client-id`, `id-${tenant}`);
    this.values.set(`clever-${tenant}-client-secret`, secret);
  }
}

function setup(options: { ttlMs?: number; maxStaleMs?: number } = {}) {
  const raw = new ScriptedStore();
  const clock = new TestClock();
  const store = new CachedCredentialStore(raw, { ttlMs: options.ttlMs ?? 1_000, maxStaleMs: options.maxStaleMs, clock });
  return { raw, clock, store };
}

test("the default TTL is 5 minutes", async () => {
  const raw = new ScriptedStore();
  raw.seed("t1");
  const clock = new TestClock();
  const store = new CachedCredentialStore(raw, { clock });
  await store.getCleverCredentials("t1");
  clock.advance(5 * 60_000 - 1);
  await store.getCleverCredentials("t1");
  expect(raw.reads).toBe(3);
  clock.advance(1);
  await store.getCleverCredentials("t1");
  expect(raw.reads).toBe(6);
});

test("tenants are cached separately", async () => {
  const { raw, store } = setup();
  raw.seed("t1");
  raw.seed("t2");
  const [a, b] = await Promise.all([store.getCleverCredentials("t1"), store.getCleverCredentials("t2")]);
  expect([a.clientSecret, b.clientSecret]).toEqual(["secret-t1", "secret-t2"]);
  expect(raw.reads).toBe(6);
});

test("single flight: callers arriving while a read is in flight share it, failures included", async () => {
  const { raw, store } = setup();
  raw.seed("t1");
  raw.failing = true;
  let open!: () => void;
  raw.gate = new Promise((resolve) => (open = resolve));
  const calls = Array.from({ length: 4 }, () => store.getCleverCredentials("t1").catch((e: unknown) => e));
  open();
  const results = await Promise.all(calls);
  expect(raw.reads).toBe(3);
  for (const r of results) expect(r).toBeInstanceOf(CredentialsUnavailableError);
});

test("a read that started before invalidate() does not write its old value back", async () => {
  const { raw, store } = setup();
  raw.seed("t1", "old");
  let open!: () => void;
  raw.gate = new Promise((resolve) => (open = resolve));
  const stale = store.getCleverCredentials("t1");
  store.invalidate("t1");
  raw.gate = undefined;
  raw.seed("t1", "new");
  const fresh = await store.getCleverCredentials("t1");
  open();
  expect((await stale).clientSecret).toBe("old");
  expect(fresh.clientSecret).toBe("new");
  expect((await store.getCleverCredentials("t1")).clientSecret).toBe("new");
});

test("maxStaleMs bounds how long a last good copy is served", async () => {
  const { raw, clock, store } = setup({ ttlMs: 1_000, maxStaleMs: 10_000 });
  raw.seed("t1");
  const good = await store.getCleverCredentials("t1");
  raw.failing = true;
  clock.advance(10_000);
  expect(await store.getCleverCredentials("t1")).toBe(good);
  clock.advance(1);
  await expect(store.getCleverCredentials("t1")).rejects.toBeInstanceOf(CredentialsUnavailableError);
});

test("health: Healthy before contact, Degraded with copies, Unhealthy without, Healthy again after success", async () => {
  const { raw, clock, store } = setup();
  expect(store.health()).toEqual({ status: "Healthy", store: "scripted store", lastSuccessAt: null, lastFailureAt: null, lastError: null, cachedTenants: 0 });

  raw.failing = true;
  await store.getCleverCredentials("t1").catch(() => undefined);
  expect(store.health()).toMatchObject({ status: "Unhealthy", lastError: "server: scripted store answered HTTP 503", cachedTenants: 0 });

  raw.failing = false;
  raw.seed("t1");
  clock.advance(5);
  await store.getCleverCredentials("t1");
  expect(store.health()).toMatchObject({ status: "Healthy", lastError: null, lastSuccessAt: new Date(clock.now()).toISOString() });

  raw.failing = true;
  clock.advance(1_000);
  await store.getCleverCredentials("t1");
  expect(store.health()).toMatchObject({ status: "Degraded", lastFailureAt: new Date(clock.now()).toISOString(), cachedTenants: 1 });
});

test("knownSecretValues lists the secrets held (not client ids) and forgets invalidated ones", async () => {
  const { raw, store } = setup();
  raw.seed("t1", "s1");
  raw.seed("t2", "s2");
  raw.values.set("clever-t2-district-token", "dt2");
  raw.values.set("sql-t2-connection", "Server=x;Password=p2");
  await store.getCleverCredentials("t1");
  await store.getCleverCredentials("t2");
  await store.getSqlConnection("t2");
  expect(store.knownSecretValues().sort()).toEqual(["Server=x;Password=p2", "dt2", "s1", "s2"]);
  store.invalidate("t2");
  expect(store.knownSecretValues()).toEqual(["s1"]);
  store.invalidate();
  expect(store.knownSecretValues()).toEqual([]);
});
