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
import { activitySpans, type ActivitySpan } from "./spans";

export const BENCH_TENANT = "bench";

export interface WorldParams {
  simulatorUrl: string;
  tablesConnection: string;
  districtId: string;
  /** Holds the SQLite file; fresh per district size. */
  dataDir: string;
  /** Tenants registered besides the bench tenant (multi-tenant and API scenarios), each with its district. */
  tenants?: BenchTenant[];
  /** "per-tenant": each tenant's roster in its own SQLite file under dataDir (default: one shared file, as the product does). */
  database?: "shared" | "per-tenant";
}

export interface BenchTenant {
  id: string;
  districtId: string;
}

/** One run of one tenant, timed from the scenario's start to the run's terminal status. */
export interface TenantRun {
  tenant: string;
  runtimeStatus: string;
  seconds: number;
  records: number;
  error?: string;
}

export interface ManySyncResult {
  seconds: number;
  cpuSeconds: number;
  memory: { peakRssMb: number; rssMb: number };
  runs: TenantRun[];
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
  /** Each activity of the run and of its resources' sub-orchestrations, from the durable histories. */
  activities: ActivitySpan[];
  /** V8 heap still in use after the sync and a full GC (needs --expose-gc): what the process retained. */
  retainedHeapMb: number | null;
  error?: string;
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

/** Every tenant of the scenario: the bench tenant first, then the extra ones. */
function tenantsOf(params: WorldParams): BenchTenant[] {
  return [{ id: BENCH_TENANT, districtId: params.districtId }, ...(params.tenants ?? []).filter((t) => t.id !== BENCH_TENANT)];
}

/** The local stack of `cleversync start`/`sync`, pointed at the services process, with the scenario's tenants registered. */
async function startStack(params: WorldParams): Promise<LocalStack> {
  const { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } = require("../simulator") as typeof import("../simulator");
  const { startLocalStack } = require("../localstack/localStack") as typeof import("../localstack/localStack");
  const { secretRef } = require("../secrets/names") as typeof import("../secrets/names");
  // Credentials come from the environment (local secret store), as for `cleversync sync`: one app,
  // authorized by every simulated district (the simulator's default), as a vendor's app is.
  for (const tenant of tenantsOf(params)) {
    process.env[secretRef(tenant.id, "clientId").envName] = DEMO_CLIENT_ID;
    process.env[secretRef(tenant.id, "clientSecret").envName] = DEMO_CLIENT_SECRET;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, CLEVER_API_BASE_URL: params.simulatorUrl, CLEVER_OAUTH_BASE_URL: params.simulatorUrl, TENANT_TABLES_CONNECTION: params.tablesConnection };
  // Always the embedded SQLite under the case's data directory, whatever the shell says.
  for (const name of ["SQL_CONNECTION", "SQLITE_PATH", "KEY_VAULT_URL", "AzureWebJobsStorage", "TENANT_TABLES_ENDPOINT"]) delete env[name];
  const stack = await startLocalStack({ dataDir: params.dataDir, env, print: () => undefined });
  if (params.database === "per-tenant") {
    // The product routes a tenant to a database of its own only for SQL Server (a connection
    // secret, lib/runtime/services.ts); this stands in for that with one SQLite file per tenant,
    // so tenants syncing at once do not share one connection.
    const { StoreRouter } = require("../store/router") as typeof import("../store/router");
    const { defaultStoreTarget } = require("../runtime/services") as typeof import("../runtime/services");
    const base = defaultStoreTarget(stack.services.settings);
    await stack.services.stores.close();
    stack.services.stores = new StoreRouter({
      defaultTarget: base,
      resolveTenantTarget: async (tenantId) => (base.kind === "sqlite" ? { ...base, filename: resolve(params.dataDir, `${tenantId}.sqlite`) } : undefined),
    });
  }
  for (const tenant of tenantsOf(params)) {
    if (!(await stack.services.tenants.find(tenant.id))) {
      await stack.services.tenants.create({ id: tenant.id, displayName: `Benchmark district ${tenant.id} (simulated)`, cleverDistrictId: tenant.districtId });
    }
  }
  return stack;
}

/** Starts `token:{tenant}` as the scheduler would and waits until the shared cache holds its token. */
async function warmTokenKeeper(host: DevHost, stack: LocalStack, tenantId = BENCH_TENANT): Promise<number> {
  const { policyFromSettings, TOKEN_KEEPER, tokenKeeperInstanceId } = require("../tokens") as typeof import("../tokens");
  const started = performance.now();
  host.startNew(TOKEN_KEEPER, { instanceId: tokenKeeperInstanceId(tenantId), input: { tenantId, policy: policyFromSettings(stack.services.settings), reason: "start" } });
  const deadline = Date.now() + 30_000;
  while (!(await stack.services.tokenCache.get(tenantId))) {
    if (Date.now() > deadline) throw new Error(`the token keeper of tenant '${tenantId}' got no token within 30 s`);
    await sleep(2);
  }
  return Math.round(performance.now() - started) / 1000;
}

/** Starts a sync of `tenantId` as the scheduler does (`syncTenant` with the settings' retry). */
function startSync(host: DevHost, stack: LocalStack, tenantId: string, mode: SyncMode, label: string): string {
  const { retryInputFrom } = require("../sync/starter") as typeof import("../sync/starter");
  const { runIdFor, SYNC_TENANT, syncInstanceId } = require("../sync/syncTenant") as typeof import("../sync/syncTenant");
  const runId = runIdFor(new Date(), label);
  return host.startNew(SYNC_TENANT, { instanceId: syncInstanceId(tenantId, runId), input: { tenantId, runId, mode, retry: retryInputFrom(stack.services.settings) } });
}

const TERMINAL = ["Completed", "Failed", "Terminated"];

/** Polls the in-memory status every 5 ms (costs nothing, bounds the timing error) until the run ends. */
async function waitForRun(host: DevHost, instanceId: string): Promise<NonNullable<ReturnType<DevHost["getStatus"]>>> {
  let status = host.getStatus(instanceId)!;
  while (!TERMINAL.includes(status.runtimeStatus)) {
    await sleep(5);
    status = host.getStatus(instanceId)!;
  }
  return status;
}

function runError(status: NonNullable<ReturnType<DevHost["getStatus"]>>): string | undefined {
  if (status.runtimeStatus === "Completed") return undefined;
  return typeof status.output === "string" ? status.output : JSON.stringify(status.customStatus);
}

function recordsOf(status: NonNullable<ReturnType<DevHost["getStatus"]>>): number {
  const records = (status.output as { records?: unknown } | undefined)?.records;
  return typeof records === "number" ? records : 0;
}

/** Spans of a run and of its sub-orchestrations (each resource's `syncResourceRun`). */
function spansOf(host: DevHost, instanceId: string): ActivitySpan[] {
  type History = Array<Record<string, unknown>>;
  return activitySpans(host.history(instanceId) as unknown as History, (child) => (host.getStatus(child) ? (host.history(child) as unknown as History) : undefined));
}

async function digestTenant(stack: LocalStack, tenantId: string): Promise<RosterDigest> {
  const { ALL_RESOURCES } = require("../sync/catalogue") as typeof import("../sync/catalogue");
  const store = await stack.services.stores.storeFor(tenantId);
  const out: RosterDigest = {};
  for (const resource of ALL_RESOURCES) {
    out[resource] = await digestOf(
      (async function* () {
        for await (const row of store.rows(tenantId, resource)) yield JSON.parse(row.raw);
      })(),
    );
  }
  return out;
}

function loadFunctions(): void {
  const { installCoreModuleHook } = require("../devhost/moduleHook") as typeof import("../devhost/moduleHook");
  installCoreModuleHook();
  require(resolve(__dirname, "../../functions"));
}

const logErrors = (entry: { level: string; functionName: string; message: string }) => {
  if (entry.level === "error") console.error(`[bench ${entry.functionName}] ${entry.message}`);
};

export function runAppProcess(): void {
  let stack: LocalStack | undefined;
  let host: DevHost | undefined;
  const runStarts = new Map<string, number>();

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
      stack = await startStack(params);
      loadFunctions();
      host = await DevHost.start({ clock: "wall", onLog: logErrors });
      // Steady state, as in a running host: the tenant's token keeper already holds a token. (A
      // fresh `cleversync sync` process pays for starting it inside its first activity; reported apart.)
      const tokenWarmupSeconds = await warmTokenKeeper(host, stack);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const instanceId = startSync(host, stack, BENCH_TENANT, params.mode, `bench-${params.mode}`);
      const status = await waitForRun(host, instanceId);
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = cpuSecondsSince(cpu);
      const memory = memoryNow();
      const output = (status.output ?? {}) as { mode?: string; records?: number; counts?: Record<string, { pages?: number }> };
      const pages = Object.values(output.counts ?? {}).reduce((sum, c) => sum + (typeof c?.pages === "number" ? c.pages : 0), 0);
      return {
        mode: output.mode ?? params.mode,
        runtimeStatus: status.runtimeStatus,
        seconds,
        records: recordsOf(status),
        pages,
        counts: output.counts ?? {},
        cpuSeconds,
        memory,
        tokenWarmupSeconds,
        activities: spansOf(host, instanceId),
        retainedHeapMb: retainedHeapMb(),
        error: runError(status),
      };
    },

    /**
     * Full syncs of every tenant of `params.tenants` in this one process: all started together
     * (`concurrent`), or one after another. Token keepers are warm before the clock starts.
     */
    async syncMany(raw): Promise<ManySyncResult> {
      const params = raw as WorldParams & { concurrent: boolean };
      const { DevHost } = require("../devhost") as typeof import("../devhost");
      stack = await startStack(params);
      loadFunctions();
      host = await DevHost.start({ clock: "wall", onLog: logErrors });
      const tenants = (params.tenants ?? []).map((t) => t.id);
      for (const tenant of tenants) await warmTokenKeeper(host, stack, tenant);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const runOne = async (tenant: string): Promise<TenantRun> => {
        const status = await waitForRun(host!, startSync(host!, stack!, tenant, "full", `bench-multi`));
        return { tenant, runtimeStatus: status.runtimeStatus, seconds: (performance.now() - started) / 1000, records: recordsOf(status), error: runError(status) };
      };
      const runs: TenantRun[] = [];
      if (params.concurrent) runs.push(...(await Promise.all(tenants.map(runOne))));
      else for (const tenant of tenants) runs.push(await runOne(tenant));
      return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu), memory: memoryNow(), runs };
    },

    /** Digest of the live rows of every resource of a tenant (default: the bench tenant), to compare with ground truth. */
    async digest(raw): Promise<RosterDigest> {
      const { tenant = BENCH_TENANT } = (raw ?? {}) as { tenant?: string };
      return digestTenant(stack!, tenant);
    },

    /** Serves the app's functions on loopback for the load tests; the bench tenant's token keeper runs. */
    async serve(raw): Promise<{ url: string; keeper: unknown; functionKey: string }> {
      const params = raw as WorldParams;
      const { DevHost } = require("../devhost") as typeof import("../devhost");
      const { tokenKeeperInstanceId } = require("../tokens") as typeof import("../tokens");
      stack = await startStack(params);
      loadFunctions();
      // As `serveApp` does, without timer triggers: a scheduler tick must not start a sync mid-measurement.
      host = await DevHost.start({ clock: "wall", port: 0, routePrefix: "api", onLog: logErrors });
      for (const tenant of tenantsOf(params)) await warmTokenKeeper(host, stack, tenant.id);
      const keeperId = tokenKeeperInstanceId(BENCH_TENANT);
      const deadline = Date.now() + 15_000;
      let keeper = host.getStatus(keeperId)?.customStatus as { state?: string } | undefined;
      while (keeper?.state !== "valid" && Date.now() < deadline) {
        await sleep(20);
        keeper = host.getStatus(keeperId)?.customStatus as { state?: string } | undefined;
      }
      // `authLevel: "function"` routes (the tenant API) take the host's function key (hostAuth.ts).
      return { url: host.url, keeper, functionKey: host.keys.functionKey };
    },

    /** In the served process: starts a full sync of `tenant` and answers at once with its instance id. */
    startSync(raw): { instanceId: string } {
      const { tenant } = raw as { tenant: string };
      const instanceId = startSync(host!, stack!, tenant, "full", "bench-api");
      runStarts.set(instanceId, performance.now());
      return { instanceId };
    },

    /** Waits for a run started by `startSync` to end. */
    async waitSync(raw): Promise<TenantRun> {
      const { instanceId, tenant } = raw as { instanceId: string; tenant: string };
      const status = await waitForRun(host!, instanceId);
      const seconds = (performance.now() - (runStarts.get(instanceId) ?? performance.now())) / 1000;
      return { tenant, runtimeStatus: status.runtimeStatus, seconds, records: recordsOf(status), error: runError(status) };
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
