/**
 * `cleversync start`: the whole app on this machine — Azurite for tables, SQLite under .data/,
 * the Clever simulator with a demo tenant when no Clever API is configured, and the devhost
 * serving the app's own functions (HTTP API, scheduler, orchestrations) on 127.0.0.1.
 *
 * It holds the data directory's lock for as long as it runs, exits non-zero naming the cause when
 * start-up fails (stopping whatever had started), and watches that its data directory survives.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { DevHost } from "../../devhost";
import { loadLocalSettings, serveApp } from "../../devhost/serve";
import { CLEVER_AUTH_CHECK } from "../../health/checks";
import { processHealth } from "../../health/holder";
import { DataDirLockedError } from "../../localstack/dataDirLock";
import { DEMO_TENANT, LocalStack, startLocalStack } from "../../localstack/localStack";
import { reconcileRunSummaries, resumedSyncs, runSyncToCompletion, SyncRunOutcome, watchSyncToCompletion } from "../../localstack/syncRunner";
import { callApp, RunningApp } from "../appClient";
import { parseIntIn } from "../options";
import { tokenKeeperInstanceId } from "../../tokens";
import { portHolder } from "../portHolder";
import { EXIT, graceFor, handleStopSignals } from "../shutdown";
import { summaryTable } from "../summaryTable";

export interface StartOptions {
  port: number;
  users: number;
  demoSync: boolean;
}

/** How often `start` checks that its data directory (and lock) still exist. */
const DATA_DIR_WATCH_MS = 2_000;
/** How long start waits for new token keepers' first report before refreshing health. */
const KEEPER_FIRST_REPORT_WAIT_MS = 5_000;

export function registerStartCommand(program: Command): Command {
  return program
    .command("start")
    .description("Run CleverSyncSOS locally: API, scheduler and orchestrations on 127.0.0.1 (no Azure needed)")
    .option("--port <port>", "port for the functions host (0 picks a free one)", parseIntIn(0, 65535, "port"), 7071)
    .option("--users <count>", "users in the simulated demo district", parseIntIn(5, 1_000_000, "users"), 2000)
    .option("--no-demo-sync", "do not run a demo sync at start")
    .action(async (options: StartOptions) => {
      process.exitCode = await runStart(options);
    });
}

function portInUseMessage(port: number): string {
  const holder = port > 0 ? portHolder(port) : undefined;
  const who = holder ? (holder.isCleversync ? ` by another cleversync (PID ${holder.pid}: ${holder.command})` : ` by PID ${holder.pid} (${holder.command})`) : " by another process";
  return `Port ${port} on 127.0.0.1 is already in use${who}. Fix: pass --port <another port> (e.g. --port ${port + 1}), or --port 0 to pick a free one${holder ? `, or stop PID ${holder.pid}` : ""}.`;
}

/**
 * Makes sure the token keeper of every enabled tenant runs now, through the app's own API (the
 * route that ensures a keeper), rather than at the scheduler's next tick: on a fresh data directory
 * (or after the durable state was lost) no keeper runs, and health would report every tenant's
 * token missing for up to five minutes. A keeper resumed from durable state just refreshes once.
 */
async function ensureKeepers(stack: LocalStack, host: DevHost, app: RunningApp): Promise<void> {
  const tenants = await stack.services.tenants.list({ enabledOnly: true });
  for (const tenant of tenants) await callApp(app, "POST", `tenants/${tenant.id}/token/refresh`);
  if (tenants.length) console.log(`Token keepers ensured for ${tenants.length} enabled tenant(s).`);
  // Health shows their first report now rather than at its next refresh (up to 30 s later).
  const until = Date.now() + KEEPER_FIRST_REPORT_WAIT_MS;
  while (Date.now() < until && tenants.some((t) => !host.getStatus(tokenKeeperInstanceId(t.id))?.customStatus)) await new Promise((r) => setTimeout(r, 100));
  await processHealth.current?.snapshot.refresh([CLEVER_AUTH_CHECK]).catch(() => undefined);
}

export async function runStart(options: StartOptions): Promise<number> {
  const appRoot = resolve(__dirname, "../../../..");
  loadLocalSettings(appRoot);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ demoUsers: options.users, lockFor: "start" });
  } catch (error) {
    console.error(`cleversync start: ${error instanceof DataDirLockedError ? error.message : `could not start: ${error instanceof Error ? error.message : String(error)}`}`);
    return EXIT.failed;
  }
  if (!stack.settings.SQL_CONNECTION) {
    // A local file that cannot be opened is a mistake in SQLITE_PATH: say so now, not at the first sync.
    try {
      await stack.services.stores.defaultStore();
    } catch (error) {
      await stack.stop();
      console.error(`cleversync start: SQLITE_PATH (${stack.settings.SQLITE_PATH}) cannot be used: ${error instanceof Error ? error.message : String(error)}. Fix: point SQLITE_PATH at a file in a writable directory, or unset it to use .data/cleversync.sqlite.`);
      return EXIT.failed;
    }
  }
  let stopping = false;
  let host: DevHost;
  try {
    host = await serveApp({ port: options.port, appRoot, stateFile: resolve(stack.dataDir, "durable-state.sqlite"), print: (line) => !stopping && console.log(line) });
  } catch (error) {
    await stack.stop();
    const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    console.error(`cleversync start: ${inUse ? portInUseMessage(options.port) : `could not serve: ${error instanceof Error ? error.message : String(error)}`}`);
    return EXIT.failed;
  }
  stack.lock?.update({ url: host.url, functionKey: host.keys.functionKey });
  // Runs whose instance is gone or ended without closing them are closed now, with the reason.
  for (const run of await reconcileRunSummaries(host, stack.services)) console.log(`Run ${run.runId} of '${run.tenantId}' closed at start-up: ${run.error ?? "completed"}`);
  const watch = setInterval(() => {
    if (stack.lock && !stack.lock.intact()) {
      clearInterval(watch);
      // Health answers Unhealthy from now on (the check reads the same lock).
      void processHealth.current?.snapshot.refresh(["dataDirectory"]).catch(() => undefined);
      console.error(
        `\n!!! The data directory ${stack.dataDir} (or its lock file) was deleted while CleverSyncSOS runs.\n` +
          "!!! Tenants, checkpoints and synced rows written from now on may be lost, and another process could take the directory.\n" +
          "!!! Fix: stop this app (Ctrl-C) and start it again.\n",
      );
    }
  }, DATA_DIR_WATCH_MS);
  watch.unref();

  const done = new Promise<number>((resolveDone) => {
    const signals = handleStopSignals(async (signal) => {
      stopping = true;
      clearInterval(watch);
      // Work in flight gets a short grace to reach its next stored step; then the host stops
      // (HTTP, timers, durable store) and the next start resumes from what was stored.
      await graceFor(host.engine.whenIdle());
      await host.stop();
      await stack.stop();
      console.log(`CleverSyncSOS stopped (${signal}).`);
      resolveDone(EXIT.ok);
      return EXIT.ok;
    });
    console.log(`Dashboard: ${host.url}/api/dashboard/ (sign in with the function key above)`);
    console.log("Press Ctrl+C to stop.");
    const resumed = resumedSyncs(host);
    for (const id of resumed) {
      console.log(`Resuming sync ${id} from durable state ...`);
      void watchSyncToCompletion(host, stack.services, id)
        .then((outcome) => !signals.stopping && console.log(`Resumed sync ${id} ${outcome.status.runtimeStatus.toLowerCase()}.`))
        .catch((error: unknown) => !signals.stopping && console.error(`Resumed sync ${id} could not be followed: ${error instanceof Error ? error.message : String(error)}`));
    }
    const demoSync = Boolean(stack.simulator && options.demoSync && !resumed.length);
    void ensureKeepers(stack, host, { url: host.url, functionKey: host.keys.functionKey, pid: process.pid })
      // Without a demo sync, one scheduler tick now: a slot that came due while the app was down
      // runs at once (once: the scheduler finds slots already run in the SQL run history).
      .then(() => (demoSync || signals.stopping ? undefined : host.invokeFunction("scheduler")))
      .catch((error: unknown) => !signals.stopping && console.error(`Token keepers could not be started now (the scheduler retries within 5 minutes): ${error instanceof Error ? error.message : String(error)}`));
    if (demoSync) {
      console.log(`Running a demo sync of tenant '${DEMO_TENANT}' ...`);
      void runSyncToCompletion(host, stack.services, DEMO_TENANT, "full")
        .then((outcome: SyncRunOutcome) => {
          if (signals.stopping) return;
          console.log(summaryTable(outcome.resources));
          console.log(`Demo sync ${outcome.status.runtimeStatus.toLowerCase()} in ${(outcome.durationMs / 1000).toFixed(1)} s. Data: ${stack.settings.SQLITE_PATH}`);
          console.log(`Try: curl -H "x-functions-key: ${host.keys.functionKey}" ${host.url}/api/tenants/${DEMO_TENANT}/runs`);
        })
        .catch((error: unknown) => !signals.stopping && console.error(`Demo sync could not run: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
  return done;
}
