import { makeDirectory } from "../store/makeDirectory";
import { resolve } from "node:path";
import { loadSettings, Settings } from "../config/settings";
import { createServices, processServices, Services } from "../runtime/services";
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SEED } from "../simulator";
import { AzuriteTables, startAzurite } from "./azurite";
import { acquireDataDirLock, DataDirLock } from "./dataDirLock";

export const DEMO_TENANT = "demo";

export interface LocalStackOptions {
  /** Where local state lives (SQLite, Azurite tables). Default `.data` in the working directory. */
  dataDir?: string;
  /** Users in the simulated demo district. */
  demoUsers?: number;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
  /** Where SQL_CONNECTION came from, named on the start line (e.g. "--mssql env:MY_SQL"). */
  sqlSource?: string;
  /**
   * Hold the data directory's lock for this command (see dataDirLock.ts): a second writer is
   * refused naming the holder. Absent: no lock (tests and benches with their own directories).
   */
  lockFor?: string;
}

export interface LocalStack {
  settings: Settings;
  /** The local data directory (SQLite, Azurite tables, the devhost's durable state). */
  dataDir: string;
  services: Services;
  /** Present when no Clever API was configured: the demo district is simulated. */
  simulator?: CleverSimulator;
  /** Present with `lockFor`. */
  lock?: DataDirLock;
  stop(): Promise<void>;
}

/**
 * Everything the app needs on one machine, chosen by settings: Azurite for tables unless a
 * Tables connection is configured, the Clever simulator with a demo tenant unless a Clever API
 * is configured, SQLite under the data directory unless SQL_CONNECTION is set.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? ".data");
  const overrides: Record<string, string> = {};
  const stops: (() => Promise<void>)[] = [];
  makeDirectory(dataDir);
  const lock = options.lockFor ? acquireDataDirLock(dataDir, options.lockFor) : undefined;
  if (lock) stops.push(async () => lock.release());
  try {
    return { ...(await startParts(env, print, dataDir, options, overrides, stops, lock)), lock };
  } catch (error) {
    // Whatever started must stop, or the process would hang on its open sockets.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

async function startParts(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  dataDir: string,
  options: LocalStackOptions,
  overrides: Record<string, string>,
  stops: (() => Promise<void>)[],
  lock: DataDirLock | undefined,
): Promise<LocalStack> {

  let azurite: AzuriteTables | undefined;
  if (!env.TENANT_TABLES_CONNECTION && !env.TENANT_TABLES_ENDPOINT && !env.AzureWebJobsStorage) {
    azurite = await startAzurite({ dbPath: resolve(dataDir, "azurite-tables.json") });
    stops.push(() => azurite!.stop());
    overrides.TENANT_TABLES_CONNECTION = azurite.connectionString;
    print(`Tables (tenants, checkpoints): Azurite at ${azurite.url}, stored in ${resolve(dataDir, "azurite-tables.json")}`);
  }

  let simulator: CleverSimulator | undefined;
  if (!env.CLEVER_API_BASE_URL) {
    simulator = new CleverSimulator({ seed: DEMO_SEED, users: options.demoUsers ?? 2000 });
    const { url } = await simulator.start();
    stops.push(() => simulator!.stop());
    overrides.CLEVER_API_BASE_URL = url;
    overrides.CLEVER_OAUTH_BASE_URL = url;
    // The demo tenant's credentials, for the local credential store (environment by convention).
    env.CLEVER__DEMO__CLIENT_ID ??= DEMO_CLIENT_ID;
    env.CLEVER__DEMO__CLIENT_SECRET ??= DEMO_CLIENT_SECRET;
    print(`Clever: no CLEVER_API_BASE_URL set, so a simulated district (${options.demoUsers ?? 2000} users) serves at ${url}`);
  }
  if (!env.SQLITE_PATH && !env.SQL_CONNECTION) overrides.SQLITE_PATH = resolve(dataDir, "cleversync.sqlite");

  const settings = loadSettings({ ...env, ...overrides });
  // With the lock held, health reports the directory's loss (deleted while running) as Unhealthy.
  const services = createServices(settings, lock ? { localData: { dir: dataDir, intact: () => lock.intact(), startedAt: Date.now() } } : {});
  processServices.use(services);
  print(settings.SQL_CONNECTION ? `SQL: SQL Server (connection string from ${options.sqlSource ?? "SQL_CONNECTION"})` : `SQL: SQLite at ${settings.SQLITE_PATH}`);

  if (simulator) {
    const existing = await services.tenants.find(DEMO_TENANT);
    if (!existing) {
      await services.tenants.create({ id: DEMO_TENANT, displayName: "Demo district (simulated)", cleverDistrictId: simulator.district().id });
      print(`Registered the demo tenant '${DEMO_TENANT}'.`);
    } else if (existing.cleverDistrictId !== simulator.district().id) {
      await services.tenants.update(DEMO_TENANT, { cleverDistrictId: simulator.district().id });
    }
  }

  return {
    settings,
    dataDir,
    services,
    simulator,
    async stop() {
      processServices.use(undefined);
      await services.stores.close();
      for (const stop of stops.reverse()) await stop();
    },
  };
}
