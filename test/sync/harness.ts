/**
 * A whole sync world on one machine: the devhost (virtual clock) running the product's own
 * registrations, the Clever simulator over HTTP, the tenant registry and checkpoints on Azurite,
 * and SQLite. Tests drive syncs through the real orchestrations and compare the database
 * with the simulator's ground truth record by record.
 */
import "../../functions";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "../../lib/config/settings";
import { DevHost, InstanceStatus } from "../../lib/devhost";
import { createServices, processServices, Services } from "../../lib/runtime/services";
import { CachedCredentialStore, LocalSecretStore } from "../../lib/secrets";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FaultConfig } from "../../lib/simulator";
import { ALL_RESOURCES } from "../../lib/sync/catalogue";
import { retryInputFrom } from "../../lib/sync/starter";
import { SYNC_TENANT, syncInstanceId } from "../../lib/sync/syncTenant";
import { SyncMode } from "../../lib/sync/types";
import { TOKEN_KEEPER, tokenKeeperInstanceId } from "../../lib/tokens";
import { startAzurite } from "../helpers/azurite";
import { createLogger } from "../../lib/telemetry";
import { recordingSink, RecordingSink } from "../telemetry/recordingSink";
import { compareResource } from "../helpers/compareMirror";

export const TENANT = "shelbyville";

export interface SyncWorld {
  host: DevHost;
  simulator: CleverSimulator;
  services: Services;
  /** Everything the app's logger emitted (events, metrics, traces), for assertions and secret scans. */
  telemetry: RecordingSink;
  /** Runs one sync to a terminal status (virtual time jumps over retry timers). */
  /** `school`: a school sync of that school (Clever id). */
  sync(mode: SyncMode, runId: string, school?: string): Promise<InstanceStatus>;
  /** Record-by-record differences between the database and the simulator (empty when equal). */
  differences(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSyncWorld(options: { users: number; seed?: number; faults?: FaultConfig; pageSize?: number; apiVersion?: "v3.0" | "v3.1" }): Promise<SyncWorld> {
  const azurite = await startAzurite();
  const host = await DevHost.start({ clock: "virtual" });
  const simulator = new CleverSimulator({ seed: options.seed ?? 21, users: options.users, rateLimit: false, now: () => host.clock.now(), faults: options.faults });
  const { url } = await simulator.start();
  const dir = mkdtempSync(join(tmpdir(), "cleversync-sync-"));
  const settings = loadSettings({
    CLEVER_API_BASE_URL: url,
    CLEVER_OAUTH_BASE_URL: url,
    TENANT_TABLES_CONNECTION: azurite.connectionString,
    SQLITE_PATH: join(dir, "roster.sqlite"),
    SYNC_PAGE_SIZE: String(options.pageSize ?? 1000),
    SYNC_RETRY_FIRST_INTERVAL_SECONDS: "1",
    CLEVER_API_VERSION: options.apiVersion,
  });
  const telemetry = recordingSink();
  const credentials = new CachedCredentialStore(
    new LocalSecretStore({ values: { CLEVER__SHELBYVILLE__CLIENT_ID: DEMO_CLIENT_ID, CLEVER__SHELBYVILLE__CLIENT_SECRET: DEMO_CLIENT_SECRET } }),
  );
  const services = createServices(settings, { credentials, now: () => host.clock.now(), cleverSleep: async () => undefined, logger: createLogger({ console: false, sinks: [telemetry] }) });
  processServices.use(services);
  await services.tenants.create({ id: TENANT, displayName: "Shelbyville", cleverDistrictId: simulator.district().id });
  const policy = { refreshFraction: 0.75, validationIntervalMs: 3_600_000, backoffBaseMs: 60_000, backoffMaxMs: 1_800_000 };
  host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId(TENANT), input: { tenantId: TENANT, policy } });
  await host.runUntilIdle();

  return {
    host,
    simulator,
    services,
    telemetry,
    async sync(mode, runId, school) {
      const id = host.startNew(SYNC_TENANT, { instanceId: syncInstanceId(TENANT, runId), input: { tenantId: TENANT, runId, mode, ...(school ? { school } : {}), retry: retryInputFrom(settings) } });
      // The token keeper's timers are hours away; stop before them so only the sync's retries advance time.
      return host.runToCompletion(id, { maxVirtualMs: 30 * 60_000 });
    },
    async differences() {
      const store = await services.stores.storeFor(TENANT);
      const problems: string[] = [];
      for (const resource of ALL_RESOURCES) problems.push(...(await compareResource(simulator, store, TENANT, resource, options.apiVersion)));
      return problems;
    },
    async stop() {
      // Let in-flight activities finish before their services go away.
      await host.runUntilIdle();
      processServices.use(undefined);
      await host.stop();
      await simulator.stop();
      await services.stores.close();
      await azurite.stop();
    },
  };
}

