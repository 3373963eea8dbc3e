/**
 * The token lifecycle's real parts, wired together: the devhost (virtual clock) running the
 * product's own tokenKeeper registrations, the Clever simulator over HTTP on the same clock,
 * the tenant registry on Azurite, credentials from a local secret store.
 */
import "../../functions";
import { loadSettings } from "../../lib/config/settings";
import { DevHost } from "../../lib/devhost";
import { createServices, processServices, Services } from "../../lib/runtime/services";
import { CachedCredentialStore, LocalSecretStore } from "../../lib/secrets";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FaultConfig } from "../../lib/simulator";
import { KeeperPolicy, TOKEN_KEEPER, tokenKeeperInstanceId, TokenKeeperStatus } from "../../lib/tokens";
import { startAzurite } from "../helpers/azurite";
import { createLogger } from "../../lib/telemetry";
import { recordingSink, RecordingSink } from "../telemetry/recordingSink";

export const TENANT = "springfield";

export interface TokenWorld {
  host: DevHost;
  simulator: CleverSimulator;
  services: Services;
  /** Everything the app's logger emitted (events, metrics, traces), for assertions and secret scans. */
  telemetry: RecordingSink;
  policy: KeeperPolicy;
  startKeeper(): string;
  status(): TokenKeeperStatus;
  stop(): Promise<void>;
}

export async function startTokenWorld(options: { faults?: FaultConfig; authMode?: "client-credentials" | "district-token" } = {}): Promise<TokenWorld> {
  const azurite = await startAzurite();
  const host = await DevHost.start({ clock: "virtual" });
  const simulator = new CleverSimulator({ seed: 11, users: 40, rateLimit: false, now: () => host.clock.now(), faults: options.faults });
  const { url } = await simulator.start();
  const settings = loadSettings({ CLEVER_API_BASE_URL: url, CLEVER_OAUTH_BASE_URL: url, TENANT_TABLES_CONNECTION: azurite.connectionString });
  const telemetry = recordingSink();
  const credentials = new CachedCredentialStore(
    new LocalSecretStore({ values: { CLEVER__SPRINGFIELD__CLIENT_ID: DEMO_CLIENT_ID, CLEVER__SPRINGFIELD__CLIENT_SECRET: DEMO_CLIENT_SECRET } }),
  );
  const services = createServices(settings, { credentials, now: () => host.clock.now(), cleverSleep: async () => undefined, logger: createLogger({ console: false, sinks: [telemetry] }) });
  processServices.use(services);
  await services.tenants.create({
    id: TENANT,
    displayName: "Springfield",
    cleverDistrictId: simulator.district().id,
    settings: { authMode: options.authMode ?? "client-credentials" },
  });
  const policy: KeeperPolicy = { refreshFraction: 0.75, validationIntervalMs: 60 * 60_000, backoffBaseMs: 60_000, backoffMaxMs: 30 * 60_000 };
  return {
    host,
    simulator,
    services,
    telemetry,
    policy,
    startKeeper: () => host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId(TENANT), input: { tenantId: TENANT, policy } }),
    status: () => host.getStatus(tokenKeeperInstanceId(TENANT))?.customStatus as TokenKeeperStatus,
    async stop() {
      // Let in-flight activities finish before their services go away.
      await host.runUntilIdle();
      processServices.use(undefined);
      await host.stop();
      await simulator.stop();
      await azurite.stop();
    },
  };
}
