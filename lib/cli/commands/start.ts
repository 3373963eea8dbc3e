/**
 * `cleversync start`: the whole app on this machine — Azurite for tables, SQLite under .data/,
 * the Clever simulator with a demo tenant when no Clever API is configured, and the devhost
 * serving the app's own functions (HTTP API, scheduler, orchestrations) on 127.0.0.1.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadLocalSettings, serveApp } from "../../devhost/serve";
import { DEMO_TENANT, startLocalStack } from "../../localstack/localStack";
import { reconcileRunSummaries, resumedSyncs, runSyncToCompletion, SyncRunOutcome, watchSyncToCompletion } from "../../localstack/syncRunner";
import { parseIntIn } from "../options";
import { summaryTable } from "../summaryTable";
import { waitForStopSignal } from "./simulate";

export interface StartOptions {
  port: number;
  users: number;
  demoSync: boolean;
}

export function registerStartCommand(program: Command): Command {
  return program
    .command("start")
    .description("Run CleverSyncSOS locally: API, scheduler and orchestrations on 127.0.0.1 (no Azure needed)")
    .option("--port <port>", "port for the functions host (0 picks a free one)", parseIntIn(0, 65535, "port"), 7071)
    .option("--users <count>", "users in the simulated demo district", parseIntIn(5, 1_000_000, "users"), 2000)
    .option("--no-demo-sync", "do not run a demo sync at start")
    .action(async (options: StartOptions) => {
      const appRoot = resolve(__dirname, "../../../..");
      loadLocalSettings(appRoot);
      const stack = await startLocalStack({ demoUsers: options.users });
      const host = await serveApp({ port: options.port, appRoot, stateFile: resolve(stack.dataDir, "durable-state.sqlite") });
      // Runs whose instance is gone or ended without closing them are closed now, with the reason.
      for (const run of await reconcileRunSummaries(host, stack.services)) console.log(`Run ${run.runId} of '${run.tenantId}' closed at start-up: ${run.error ?? "completed"}`);
      console.log("Press Ctrl+C to stop.");
      const resumed = resumedSyncs(host);
      for (const id of resumed) {
        console.log(`Resuming sync ${id} from durable state ...`);
        void watchSyncToCompletion(host, stack.services, id)
          .then((outcome) => console.log(`Resumed sync ${id} ${outcome.status.runtimeStatus.toLowerCase()}.`))
          .catch((error: unknown) => console.error(`Resumed sync ${id} could not be followed: ${error instanceof Error ? error.message : String(error)}`));
      }
      if (stack.simulator && options.demoSync && !resumed.length) {
        console.log(`Running a demo sync of tenant '${DEMO_TENANT}' ...`);
        void runSyncToCompletion(host, stack.services, DEMO_TENANT, "full")
          .then((outcome: SyncRunOutcome) => {
            console.log(summaryTable(outcome.resources));
            console.log(`Demo sync ${outcome.status.runtimeStatus.toLowerCase()} in ${(outcome.durationMs / 1000).toFixed(1)} s. Data: ${stack.settings.SQLITE_PATH}`);
            console.log(`Try: curl -H "x-functions-key: ${host.keys.functionKey}" ${host.url}/api/tenants/${DEMO_TENANT}/runs`);
          })
          .catch((error: unknown) => console.error(`Demo sync could not run: ${error instanceof Error ? error.message : String(error)}`));
      }
      const signal = await waitForStopSignal();
      await host.stop();
      await stack.stop();
      console.log(`CleverSyncSOS stopped (${signal}).`);
    });
}
