/**
 * `cleversync sync --tenant <id>`: one sync to completion through the real orchestrations, with a
 * progress bar per resource and a summary table; exit code 1 when the sync fails.
 */
import type { Command } from "commander";
import { DevHost } from "../../devhost";
import { installCoreModuleHook } from "../../devhost/moduleHook";
import { DEMO_TENANT, startLocalStack } from "../../localstack/localStack";
import { preflightSync } from "../../localstack/preflight";
import { runSyncToCompletion, SyncRunOutcome } from "../../localstack/syncRunner";
import { applyMssqlOption } from "../connectionSource";
import { createSyncProgress, expectedTotals, SyncProgress } from "../progress";
import { callApp, RunningApp, runningAppOf } from "../appClient";
import { EXIT, graceFor, handleStopSignals } from "../shutdown";
import { lockHolder } from "../../localstack/dataDirLock";
import type { ResourceResult } from "../../sync/types";
import { resolve } from "node:path";
import { parseIntIn } from "../options";
import { summaryTable } from "../summaryTable";
import { SCHOOL_ID_PATTERN, SchoolToSyncError } from "../../sync/schoolScope";

export interface SyncCommandOptions {
  tenant: string;
  full: boolean;
  /** A school sync: only this school's records (Clever id); needs --full. */
  school?: string;
  db?: string;
  /** `env:NAME`, or true to use the SQL_CONNECTION setting. Never the connection string itself. */
  mssql?: string | boolean;
  users: number;
  progress: boolean;
}

export function registerSyncCommand(program: Command): Command {
  return program
    .command("sync")
    .description("Run one sync of a tenant to completion and print a summary")
    .option("--tenant <id>", "tenant to sync", DEMO_TENANT)
    .option("--full", "re-read everything instead of applying Clever events since the last sync", false)
    .option("--school <clever id>", "with --full: sync only this school's sections and users; only its records can be deleted")
    .option("--db <path>", "SQLite database file (default .data/cleversync.sqlite)")
    .option("--mssql [source]", "SQL Server / Azure SQL instead of SQLite: env:NAME reads the connection string from environment variable NAME; without a value, the SQL_CONNECTION setting")
    .option("--users <count>", "users in the simulated demo district", parseIntIn(5, 1_000_000, "users"), 2000)
    .option("--no-progress", "no progress bars (for logs and CI)")
    .action(async (options: SyncCommandOptions) => {
      process.exitCode = await runSyncCommand(options);
    });
}

export async function runSyncCommand(options: SyncCommandOptions): Promise<number> {
  if (options.school !== undefined) {
    if (!options.full) throw new Error("--school: a school sync is always full. Fix: add --full (cleversync sync --tenant <id> --full --school <clever id>).");
    if (!SCHOOL_ID_PATTERN.test(options.school)) throw new SchoolToSyncError(400, `'${options.school.slice(0, 64)}' is not a Clever id (24 hexadecimal digits)`, "pass the school's Clever id, e.g. from the schools table of the mirror");
  }
  const app = runningAppOf(lockHolder(resolve(".data")));
  if (app) {
    if (options.db || options.mssql !== undefined) throw new Error(`The app running here (PID ${app.pid}) syncs into its own database, so --db/--mssql cannot apply. Fix: leave them out to sync through it, or stop it first.`);
    return syncThroughApp(app, options);
  }
  if (options.db) process.env.SQLITE_PATH = options.db;
  const sqlSource = options.mssql === undefined || options.mssql === false ? undefined : applyMssqlOption(options.mssql, process.env);
  const stack = await startLocalStack({ demoUsers: options.users, print: (line) => console.error(line), sqlSource, lockFor: "sync" });
  // Filled in as they start; a stop signal may come at any point.
  const parts: { host?: DevHost; bars?: SyncProgress } = {};
  const signals = handleStopSignals(async (signal) => {
    parts.bars?.stop();
    if (parts.host) await graceFor(parts.host.engine.whenIdle());
    await parts.host?.stop();
    await stack.stop();
    console.error(`Sync interrupted (${signal}); the next sync resumes from the last page checkpoint of each resource.`);
    return signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
  });
  try {
    await preflightSync(stack.services, options.tenant, { print: (line) => console.error(line), sqlSource });
  } catch (error) {
    signals.dispose();
    await stack.stop();
    throw error;
  }
  installCoreModuleHook();
  require("../../../functions");
  const host = (parts.host = await DevHost.start({ clock: "wall", onLog: (entry) => entry.level === "error" && !signals.stopping && console.error(`[${entry.functionName}] ${entry.message}`) }));
  // Bar totals: what the last full run synced per resource.
  const progress = (parts.bars = options.progress && process.stderr.isTTY ? createSyncProgress(process.stderr, await expectedTotals(await stack.services.stores.storeFor(options.tenant), options.tenant)) : undefined);
  try {
    const outcome = await runSyncToCompletion(host, stack.services, options.tenant, options.full ? "full" : "incremental", (update) => progress?.update(update), options.school);
    progress?.stop();
    if (signals.stopping) return EXIT.interrupted;
    printOutcome({ ...outcome, tenantId: options.tenant }, options.full ? "full" : "incremental", stack.simulator?.requestStats());
    return outcome.status.runtimeStatus === "Completed" ? EXIT.ok : EXIT.failed;
  } finally {
    signals.dispose();
    progress?.stop();
    await host.stop();
    await stack.stop();
  }
}

const TERMINAL = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

/** `cleversync start` holds the data directory: start the sync through its API and follow it. */
async function syncThroughApp(app: RunningApp, options: SyncCommandOptions): Promise<number> {
  console.error(`Syncing through the running app (PID ${app.pid}) at ${app.url}.`);
  const started = Date.now();
  const { body } = await callApp<{ id: string }>(app, "POST", `tenants/${options.tenant}/sync`, { mode: options.full ? "full" : "incremental", ...(options.school ? { school: options.school } : {}) });
  const instanceId = body.id;
  const signals = handleStopSignals(async () => {
    console.error(`Stopped following; the sync ${instanceId} goes on in the running app.`);
    return EXIT.interrupted;
  });
  try {
    for (;;) {
      const { body: status } = await callApp<{ runtimeStatus: string; progress: unknown; result: { mode?: string; counts?: Record<string, unknown> } | null }>(app, "GET", `tenants/${options.tenant}/sync/${encodeURIComponent(instanceId)}`);
      if (TERMINAL.has(status.runtimeStatus)) {
        const resources = Object.values(status.result?.counts ?? {}).filter((c): c is ResourceResult => typeof (c as ResourceResult)?.resource === "string");
        if (resources.length) console.log(summaryTable(resources));
        console.log(`Sync ${status.runtimeStatus.toLowerCase()} in ${((Date.now() - started) / 1000).toFixed(1)} s${status.result?.mode ? ` (${status.result.mode})` : ""}: instance ${instanceId}`);
        if (status.runtimeStatus !== "Completed") console.log(`Error: ${JSON.stringify(status.progress)}`);
        return status.runtimeStatus === "Completed" ? EXIT.ok : EXIT.failed;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    signals.dispose();
  }
}

function printOutcome(outcome: SyncRunOutcome & { tenantId: string }, requested: string, requests?: { requests: number; byStatus: Record<number, number> }): void {
  const { status } = outcome;
  console.log(summaryTable(outcome.resources));
  const output = status.output as {
    mode?: string;
    reason?: string;
    status?: string;
    records?: number;
    counts?: { events?: { events: number; upserted: number; deleted: number; quarantined: number } };
  } | string | null;
  const mode = typeof output === "object" && output?.mode ? output.mode : "";
  const events = typeof output === "object" ? output?.counts?.events : undefined;
  if (events) console.log(`Clever events applied: ${events.events} (${events.upserted} upserted, ${events.deleted} deleted, ${events.quarantined} quarantined)`);
  if (typeof output === "object" && output?.reason && mode === "full" && requested !== "full") console.log(`Full sync because ${output.reason}`);
  const school = typeof output === "object" ? (output as { school?: string } | null)?.school : undefined;
  if (school) console.log(`School sync: only school ${school}'s sections and users were read, and only its records could be deleted`);
  const held = typeof output === "object" && output?.status === "held";
  console.log(`Sync ${held ? "held" : status.runtimeStatus.toLowerCase()} in ${(outcome.durationMs / 1000).toFixed(1)} s${mode ? ` (${mode})` : ""}: instance ${outcome.instanceId}`);
  if (held) {
    for (const reason of (status.customStatus as { held?: { reasons: string[] } } | null)?.held?.reasons ?? []) console.log(`  held: ${reason}`);
    console.log(`Inserts and updates were applied; deletions wait for review: cleversync held list --tenant ${outcome.tenantId}`);
  }
  if (requests) console.log(`Clever requests: ${requests.requests}, 429s: ${requests.byStatus[429] ?? 0}`);
  if (status.runtimeStatus !== "Completed") console.log(`Error: ${typeof output === "string" ? output : JSON.stringify(status.customStatus)}`);
}
