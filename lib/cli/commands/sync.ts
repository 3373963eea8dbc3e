/**
 * `cleversync sync --tenant <id>`: one sync to completion through the real orchestrations, with a
 * progress bar per resource and a summary table; exit code 1 when the sync fails.
 */
import { MultiBar, Presets } from "cli-progress";
import type { Command } from "commander";
import { DevHost } from "../../devhost";
import { installCoreModuleHook } from "../../devhost/moduleHook";
import { DEMO_TENANT, startLocalStack } from "../../localstack/localStack";
import { runSyncToCompletion, SyncRunOutcome } from "../../localstack/syncRunner";
import { parseIntIn } from "../options";
import { summaryTable } from "../summaryTable";

export interface SyncCommandOptions {
  tenant: string;
  full: boolean;
  db?: string;
  mssql?: string;
  users: number;
  progress: boolean;
}

export function registerSyncCommand(program: Command): Command {
  return program
    .command("sync")
    .description("Run one sync of a tenant to completion and print a summary")
    .option("--tenant <id>", "tenant to sync", DEMO_TENANT)
    .option("--full", "re-read everything instead of applying Clever events since the last sync", false)
    .option("--db <path>", "SQLite database file (default .data/cleversync.sqlite)")
    .option("--mssql <connection>", "SQL Server / Azure SQL connection string instead of SQLite")
    .option("--users <count>", "users in the simulated demo district", parseIntIn(5, 1_000_000, "users"), 2000)
    .option("--no-progress", "no progress bars (for logs and CI)")
    .action(async (options: SyncCommandOptions) => {
      process.exitCode = await runSyncCommand(options);
    });
}

export async function runSyncCommand(options: SyncCommandOptions): Promise<number> {
  if (options.db) process.env.SQLITE_PATH = options.db;
  if (options.mssql) process.env.SQL_CONNECTION = options.mssql;
  const stack = await startLocalStack({ demoUsers: options.users, print: (line) => console.error(line) });
  installCoreModuleHook();
  require("../../../functions");
  const host = await DevHost.start({ clock: "wall", onLog: (entry) => entry.level === "error" && console.error(`[${entry.functionName}] ${entry.message}`) });
  const bars = options.progress && process.stderr.isTTY ? new MultiBar({ format: " {resource} |{bar}| {records} records, {pages} pages {state}", hideCursor: true, clearOnComplete: false, stream: process.stderr }, Presets.shades_classic) : undefined;
  const barFor = new Map<string, ReturnType<MultiBar["create"]>>();
  try {
    const outcome = await runSyncToCompletion(host, stack.services, options.tenant, options.full ? "full" : "incremental", (progress) => {
      if (!bars) return;
      for (const p of progress) {
        let bar = barFor.get(p.resource);
        if (!bar) barFor.set(p.resource, (bar = bars.create(1, 0, { resource: p.resource.padEnd(9), records: 0, pages: 0, state: p.state })));
        bar.setTotal(Math.max(p.records, 1));
        bar.update(p.state === "done" ? Math.max(p.records, 1) : Math.max(p.records - 1, 0), { records: p.records, pages: p.pages, state: p.state });
      }
    });
    bars?.stop();
    printOutcome({ ...outcome, tenantId: options.tenant }, options.full ? "full" : "incremental", stack.simulator?.requestStats());
    return outcome.status.runtimeStatus === "Completed" ? 0 : 1;
  } finally {
    bars?.stop();
    await host.stop();
    await stack.stop();
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
  const held = typeof output === "object" && output?.status === "held";
  console.log(`Sync ${held ? "held" : status.runtimeStatus.toLowerCase()} in ${(outcome.durationMs / 1000).toFixed(1)} s${mode ? ` (${mode})` : ""}: instance ${outcome.instanceId}`);
  if (held) {
    for (const reason of (status.customStatus as { held?: { reasons: string[] } } | null)?.held?.reasons ?? []) console.log(`  held: ${reason}`);
    console.log(`Inserts and updates were applied; deletions wait for review: cleversync held list --tenant ${outcome.tenantId}`);
  }
  if (requests) console.log(`Clever requests: ${requests.requests}, 429s: ${requests.byStatus[429] ?? 0}`);
  if (status.runtimeStatus !== "Completed") console.log(`Error: ${typeof output === "string" ? output : JSON.stringify(status.customStatus)}`);
}
