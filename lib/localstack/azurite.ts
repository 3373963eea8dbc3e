/**
 * Azurite's Table service in this process, on 127.0.0.1: in memory for tests (no files, about
 * half a second to start), or persisted to a file for `cleversync start` so tenants survive a restart.
 *
 * Azurite has no public API for this: the deep requires below are internal to azurite 3.35
 * (pinned in package.json). If an upgrade moves them, this file is the only place to fix.
 */
import type { Server } from "node:http";

/** Azurite's well-known development account; the key is public and documented by Microsoft. */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteTables {
  /** Explicit dev-account connection string; use with `allowInsecureConnection: true`. */
  connectionString: string;
  /** Table service endpoint including the account, e.g. `http://127.0.0.1:53211/devstoreaccount1`. */
  url: string;
  accountName: string;
  accountKey: string;
  /** Stops the server and waits until its port is closed. Safe to call twice. */
  stop(): Promise<void>;
}

/** The parts of Azurite's internal TableServer we use. */
interface TableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
  /** Node http.Server wrapped by `stoppable`; internal, read only to await its 'close'. */
  httpServer: Server;
}
type TableServerClass = new (configuration: unknown) => TableServer;
type TableConfigurationClass = new (...args: unknown[]) => unknown;

export interface AzuriteOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Persist tables in this file; in memory when absent. */
  dbPath?: string;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteTables> {
  const { default: TableServerCtor } = require("azurite/dist/src/table/TableServer") as { default: TableServerClass };
  const { default: TableConfiguration } = require("azurite/dist/src/table/TableConfiguration") as { default: TableConfigurationClass };
  // Positional args (azurite 3.35): host, port (0 = ephemeral), keepAliveTimeout, metadataDBPath (unused
  // in memory), enableDebugLog, enableAccessLog, accessLogWriteStream, debugLogFilePath, loose,
  // skipApiVersionCheck (the SDK may be newer than Azurite), cert, key, pwd, oauth,
  // disableProductStyleUrl, isMemoryPersistence. Telemetry is only started by Azurite's CLI, not here.
  const inMemory = options.dbPath === undefined;
  const configuration = new TableConfiguration("127.0.0.1", options.port ?? 0, undefined, options.dbPath ?? "azurite-unused.json", false, false, undefined, undefined, false, true, "", "", "", undefined, false, inMemory);
  const server = new TableServerCtor(configuration);
  await server.start();

  const url = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT_NAME}`;
  let stopped: Promise<void> | undefined;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${url};`,
    url,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    stop() {
      // Azurite's close() returns before the port is closed (stoppable ends idle keep-alive
      // sockets asynchronously); waiting for 'close' keeps jest free of open handles.
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.httpServer.once("close", () => resolve()));
        await server.close();
        await closed;
      })();
      return stopped;
    },
  };
}
