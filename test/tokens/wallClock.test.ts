import "../../functions";
import { loadSettings } from "../../lib/config/settings";
import { DevHost } from "../../lib/devhost";
import { createServices, processServices } from "../../lib/runtime/services";
import { CachedCredentialStore, LocalSecretStore } from "../../lib/secrets";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from "../../lib/simulator";
import { TOKEN_KEEPER, tokenKeeperInstanceId } from "../../lib/tokens";
import { startAzurite } from "../helpers/azurite";
import { createLogger } from "../../lib/telemetry";

/**
 * Served on the wall clock, as `cleversync start` runs it: the keeper authenticates as soon as it
 * starts. `MEASURE=1` prints the start→token time (the seed goal is under 5 s); the test itself
 * asserts behaviour only.
 */
test("on the wall clock the token keeper authenticates right after it starts", async () => {
  const azurite = await startAzurite();
  const simulator = new CleverSimulator({ seed: 5, users: 20 });
  const { url } = await simulator.start();
  const host = await DevHost.start({ clock: "wall" });
  try {
    const settings = loadSettings({ CLEVER_API_BASE_URL: url, CLEVER_OAUTH_BASE_URL: url, TENANT_TABLES_CONNECTION: azurite.connectionString });
    const credentials = new CachedCredentialStore(new LocalSecretStore({ values: { CLEVER__WALL__CLIENT_ID: DEMO_CLIENT_ID, CLEVER__WALL__CLIENT_SECRET: DEMO_CLIENT_SECRET } }));
    const services = createServices(settings, { credentials, logger: createLogger({ console: false }) });
    processServices.use(services);
    await services.tenants.create({ id: "wall", displayName: "Wall", cleverDistrictId: simulator.district().id });
    const policy = { refreshFraction: 0.75, validationIntervalMs: 3_600_000, backoffBaseMs: 60_000, backoffMaxMs: 1_800_000 };
    const started = performance.now();
    host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId("wall"), input: { tenantId: "wall", policy } });
    let token;
    while (!(token = await services.tokenCache.get("wall")) && performance.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
    const elapsedMs = performance.now() - started;
    if (process.env.MEASURE) console.log(`token keeper start → token in cache: ${elapsedMs.toFixed(1)} ms`);
    expect(token?.mode).toBe("district-token");
    expect(host.getStatus(tokenKeeperInstanceId("wall"))?.runtimeStatus).toBe("Running");
  } finally {
    processServices.use(undefined);
    await host.stop();
    await simulator.stop();
    await azurite.stop();
  }
});
