/**
 * One benchmark scenario of the app, in its own process (see ipc.ts): the floor (CleverClient
 * reading every page, writing nothing), a sync through the real orchestrations on a wall-clock
 * devhost into SQLite (what `cleversync sync` does), or the app served for the health load test.
 * Modules are loaded inside the handlers, so the floor process never loads the app.
 */
import { resolve } from "node:path";
import type { DevHost } from "../devhost";
import type { LocalStack } from "../localstack/localStack";
import type { SyncMode } from "../sync/types";
import { digestOf, type RosterDigest } from "./digest";
import { memoryNow, serveChild } from "./ipc";

export const BENCH_TENANT = "bench";

export interface WorldParams {
  simulatorUrl: string;
  tablesConnection: string;
  districtId: string;
  /** Holds the SQLite file; fresh per district size. */
  dataDir: string;
}

export interface FloorResult {
  seconds: number;
  records: number;
  pages: number;
  bytes: number;
  cpuSeconds: number;
  memory: { peakRssMb: number; rssMb: number };
}

export interface SyncResult {
  mode: string;
  runtimeStatus: string;
  seconds: number;
  records: number;
  pages: number;
  counts: Record<string, unknown>;
  cpuSeconds: number;
  memory: { peakRssMb: number; rssMb: number };
  /** Starting the token keeper and getting the first token, before the timed run. */
  tokenWarmupSeconds: number;
  /** Each activity of the run, from the durable history: where the time went. */
  activities: Array<{ name: string; resource?: string; startMs: number; ms: number }>;
  /** V8 heap still in use after the sync and a full GC (needs --expose-gc): what the process retained. */
  retainedHeapMb: number | null;
  error?: string;
}

/** Activity spans from a durable history (TaskScheduled → TaskCompleted/TaskFailed), relative to the run's start. */
function activitySpans(history: Array<Record<string, unknown>>): SyncResult["activities"] {
  const start = Date.parse(String(history[0]?.Timestamp ?? 0));
  const scheduled = new Map<number, { name: string; resource?: string; at: number }>();
  const spans: SyncResult["activities"] = [];
  for (const event of history) {
    const at = Date.parse(String(event.Timestamp));
    if (event.EventType === 4) {
      let resource: string | undefined;
      try {
        resource = (JSON.parse(String(event.Input ?? "{}")) as { resource?: string }).resource;
      } catch {
        // no input
      }
      scheduled.set(Number(event.EventId), { name: String(event.Name), resource, at });
    } else if (event.EventType === 5 || event.EventType === 6) {
      const task = scheduled.get(Number(event.TaskScheduledId));
      if (task) spans.push({ name: task.name + (event.EventType === 6 ? " (failed)" : ""), resource: task.resource, startMs: task.at - start, ms: at - task.at });
    }
  }
  return spans;
}

function retainedHeapMb(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000) / 1000;
}

/** The local stack of `cleversync start`/`sync`, pointed at the services process, with the bench tenant registered. */
async function startStack(params: WorldParams): Promise<LocalStack> {
  const { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } = require("../simulator") as typeof import("../simulator");
  const { startLocalStack } = require("../localstack/localStack") as typeof import("../localstack/localStack");
  // Credentials come from the environment (local secret store), as for `cleversync sync`.
  process.env.CLEVER__BENCH__CLIENT_ID = DEMO_CLIENT_ID;
  process.env.CLEVER__BENCH__CLIENT_SECRET = DEMO_CLIENT_SECRET;
  const env: NodeJS.ProcessEnv = { ...process.env, CLEVER_API_BASE_URL: params.simulatorUrl, CLEVER_OAUTH_BASE_URL: params.simulatorUrl, TENANT_TABLES_CONNECTION: params.tablesConnection };
  // Always the embedded SQLite under the case's data directory, whatever the shell says.
  for (const name of ["SQL_CONNECTION", "SQLITE_PATH", "KEY_VAULT_URL", "AzureWebJobsStorage", "TENANT_TABLES_ENDPOINT"]) delete env[name];
  const stack = await startLocalStack({ dataDir: params.dataDir, env, print: () => undefined });
  if (!(await stack.services.tenants.find(BENCH_TENANT))) {
    await stack.services.tenants.create({ id: BENCH_TENANT, displayName: "Benchmark district (simulated)", cleverDistrictId: params.districtId });
  }
  return stack;
}

/** Starts `token:bench` as the scheduler would and waits until the shared cache holds its token. */
async function warmTokenKeeper(host: DevHost, stack: LocalStack): Promise<number> {
  const { policyFromSettings, TOKEN_KEEPER, tokenKeeperInstanceId } = require("../tokens") as typeof import("../tokens");
  const started = performance.now();
  host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId(BENCH_TENANT), input: { tenantId: BENCH_TENANT, policy: policyFromSettings(stack.services.settings), reason: "start" } });
  const deadline = Date.now() + 30_000;
  while (!(await stack.services.tokenCache.get(BENCH_TENANT))) {
    if (Date.now() > deadline) throw new Error("the bench tenant's token keeper got no token within 30 s");
    await sleep(2);
  }
  return Math.round(performance.now() - started) / 1000;
}

function loadFunctions(): void {
  const { installCoreModuleHook } = require("../devhost/moduleHook") as typeof import("../devhost/moduleHook");
  installCoreModuleHook();
  require(resolve(__dirname, "../../functions"));
}

export function runAppProcess(): void {
  let stack: LocalStack | undefined;
  let host: DevHost | undefined;

  serveChild({
    /** Reads every page of every resource, phase by phase as the sync does (parallel within a phase). */
    async floor(raw): Promise<FloorResult> {
      const params = raw as { simulatorUrl: string; pageSize: number };
      const { CleverClient, listDistrictTokens, staticTokenProvider } = require("../clever") as typeof import("../clever");
      const { SYNC_PHASES } = require("../sync/catalogue") as typeof import("../sync/catalogue");
      const { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } = require("../simulator") as typeof import("../simulator");
      const cpu = process.cpuUsage();
      const started = performance.now();
      const [token] = await listDistrictTokens({ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }, { baseUrl: params.simulatorUrl });
      const client = new CleverClient({ baseUrl: params.simulatorUrl, tokenProvider: staticTokenProvider(token!.accessToken), pageSize: params.pageSize });
      let records = 0;
      let pages = 0;
      let bytes = 0;
      try {
        for (const phase of SYNC_PHASES) {
          await Promise.all(
            phase.map(async (resource) => {
              for await (const page of client.pages(resource)) {
                records += page.records.length;
                bytes += page.bytes;
                pages++;
              }
            }),
          );
        }
      } finally {
        await client.close();
      }
      const seconds = (performance.now() - started) / 1000;
      return { seconds, records, pages, bytes, cpuSeconds: cpuSecondsSince(cpu), memory: memoryNow() };
    },

    /** One sync to a terminal status through the real orchestrations, timed from start to end. */
    async sync(raw): Promise<SyncResult> {
      const params = raw as WorldParams & { mode: SyncMode };
      const { DevHost } = require("../devhost") as typeof import("../devhost");
      const { retryInputFrom } = require("../sync/starter") as typeof import("../sync/starter");
      const { runIdFor, SYNC_TENANT, syncInstanceId } = require("../sync/syncTenant") as typeof import("../sync/syncTenant");
      stack = await startStack(params);
      loadFunctions();
      host = await DevHost.start({ clock: "wall", onLog: (entry) => entry.level === "error" && console.error(`[bench ${entry.functionName}] ${entry.message}`) });
      const settings = stack.services.settings;
      // Steady state, as in a running host: the tenant's token keeper already holds a token. (A
      // fresh `cleversync sync` process pays for starting it inside its first activity; reported apart.)
      const tokenWarmupSeconds = await warmTokenKeeper(host, stack);
      const runId = runIdFor(new Date(), `bench-${params.mode}`);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const instanceId = host.startNew(SYNC_TENANT, {
        instanceId: syncInstanceId(BENCH_TENANT, runId),
        input: { tenantId: BENCH_TENANT, runId, mode: params.mode, retry: retryInputFrom(settings) },
      });
      let status = host.getStatus(instanceId)!;
      // The devhost keeps status in memory: a 5 ms poll costs nothing and bounds the timing error.
      while (!["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) {
        await sleep(5);
        status = host.getStatus(instanceId)!;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = cpuSecondsSince(cpu);
      const memory = memoryNow();
      const output = (status.output ?? {}) as { mode?: string; records?: number; counts?: Record<string, { pages?: number }> };
      const pages = Object.values(output.counts ?? {}).reduce((sum, c) => sum + (typeof c?.pages === "number" ? c.pages : 0), 0);
      return {
        mode: output.mode ?? params.mode,
        runtimeStatus: status.runtimeStatus,
        seconds,
        records: output.records ?? 0,
        pages,
        counts: output.counts ?? {},
        cpuSeconds,
        memory,
        tokenWarmupSeconds,
        activities: activitySpans(host.history(instanceId) as unknown as Array<Record<string, unknown>>),
        retainedHeapMb: retainedHeapMb(),
        error: status.runtimeStatus === "Completed" ? undefined : typeof status.output === "string" ? status.output : JSON.stringify(status.customStatus),
      };
    },

    /** Digest of the live rows of every resource (after `sync`), to compare with ground truth. */
    async digest(): Promise<RosterDigest> {
      const { ALL_RESOURCES } = require("../sync/catalogue") as typeof import("../sync/catalogue");
      const store = await stack!.services.stores.storeFor(BENCH_TENANT);
      const out: RosterDigest = {};
      for (const resource of ALL_RESOURCES) {
        out[resource] = await digestOf(
          (async function* () {
            for await (const row of store.rows(BENCH_TENANT, resource)) yield JSON.parse(row.raw);
          })(),
        );
      }
      return out;
    },

    /** Serves the app's functions on loopback for the health load test; the tenant's token keeper runs. */
    async serve(raw): Promise<{ url: string; keeper: unknown }> {
      const params = raw as WorldParams;
      const { DevHost } = require("../devhost") as typeof import("../devhost");
      const { tokenKeeperInstanceId } = require("../tokens") as typeof import("../tokens");
      stack = await startStack(params);
      loadFunctions();
      // As `serveApp` does, without timer triggers: a scheduler tick must not start a sync mid-measurement.
      host = await DevHost.start({ clock: "wall", port: 0, routePrefix: "api", onLog: (entry) => entry.level === "error" && console.error(`[bench ${entry.functionName}] ${entry.message}`) });
      await warmTokenKeeper(host, stack);
      const keeperId = tokenKeeperInstanceId(BENCH_TENANT);
      const deadline = Date.now() + 15_000;
      let keeper = host.getStatus(keeperId)?.customStatus as { state?: string } | undefined;
      while (keeper?.state !== "valid" && Date.now() < deadline) {
        await sleep(20);
        keeper = host.getStatus(keeperId)?.customStatus as { state?: string } | undefined;
      }
      return { url: host.url, keeper };
    },

    /**
     * The calibration for the health numbers: a bare node:http server answering every request
     * with the app's own health body. What Node itself allows on this machine under the same load.
     */
    async serveStatic(raw): Promise<{ url: string }> {
      const { body, status } = raw as { body: string; status: number };
      const { createServer } = require("node:http") as typeof import("node:http");
      const server = createServer((_req, res) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
        res.end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as import("node:net").AddressInfo;
      return { url: `http://127.0.0.1:${port}` };
    },

    memory() {
      return memoryNow();
    },

    async stop() {
      await host?.stop();
      await stack?.stop();
      host = undefined;
      stack = undefined;
    },
  });
}
