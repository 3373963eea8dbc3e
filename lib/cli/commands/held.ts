/**
 * `cleversync held list|approve|reject --tenant <id>` and `cleversync quarantine list --tenant <id>`:
 * review a tenant's held runs and quarantined records straight in its SQL database (the SQLite
 * file, --db, or --mssql). No registry or Functions host is needed; decisions are audited as
 * "cli:<os user>".
 */
import type { Command } from "commander";
import { userInfo } from "node:os";
import { loadSettings } from "../../config/settings";
import { defaultStoreTarget } from "../../runtime/services";
import { assertValidTenantId } from "../../secrets";
import { createRosterStore, type RosterStore } from "../../store";
import { decideHeld, listHeld } from "../../sync/heldReview";

interface StoreOptions {
  tenant: string;
  db?: string;
  mssql?: string;
}

async function withStore<T>(options: StoreOptions, work: (store: RosterStore) => Promise<T>): Promise<T> {
  assertValidTenantId(options.tenant);
  const settings = loadSettings({ ...process.env, ...(options.db ? { SQLITE_PATH: options.db } : {}), ...(options.mssql ? { SQL_CONNECTION: options.mssql } : {}) } as Record<string, string>);
  const store = createRosterStore(defaultStoreTarget(settings));
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}

const storeOptions = (command: Command): Command =>
  command
    .option("--tenant <id>", "tenant", "demo")
    .option("--db <path>", "SQLite database file (default .data/cleversync.sqlite)")
    .option("--mssql <connection>", "SQL Server / Azure SQL connection string instead of SQLite");

function cliActor(): string {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (containers): the audit entry still says it came from the CLI.
  }
  return `cli:${name}`;
}

export function registerHeldCommands(program: Command): void {
  const held = program.command("held").description("Review syncs whose deletions the guard held");
  storeOptions(held.command("list").description("List held runs with what they would delete"))
    .option("--all", "include approved and rejected runs", false)
    .action((options: StoreOptions & { all: boolean }) =>
      withStore(options, async (store) => {
        const runs = await listHeld(store, options.tenant, options.all ? {} : { status: "held" });
        if (runs.length === 0) console.log(`No ${options.all ? "" : "pending "}held runs for tenant '${options.tenant}'.`);
        for (const run of runs) {
          console.log(`${run.runId}  ${run.status}  held ${run.heldAt}${run.decidedBy ? `  ${run.status} by ${run.decidedBy} at ${run.decidedAt}` : ""}`);
          for (const reason of run.reasons) console.log(`  - ${reason}`);
          for (const [resource, counts] of Object.entries(run.resources)) {
            const sample = run.samples[resource as keyof typeof run.samples];
            console.log(`  ${resource}: would delete ${counts.wouldDelete} of ${counts.live} (updated ${counts.updated})${counts.enrollmentsHeld ? `, ${counts.enrollmentsHeld} section(s) with held enrollment removals` : ""}${sample?.length ? `; e.g. ${sample.slice(0, 3).join(", ")}` : ""}`);
          }
        }
      }),
    );
  for (const decision of ["approve", "reject"] as const) {
    storeOptions(held.command(`${decision} <runId>`).description(decision === "approve" ? "Apply a held run's deletions" : "Keep the records a held run would delete"))
      .option("--note <text>", "why (kept in the audit log)")
      .action((runId: string, options: StoreOptions & { note?: string }) =>
        withStore(options, async (store) => {
          const result = await decideHeld({ store, now: Date.now, leaseTtlMs: loadSettings().SYNC_LEASE_SECONDS * 1000 }, options.tenant, runId, { decision, actor: cliActor(), note: options.note });
          const deleted = Object.entries(result.deleted).map(([r, n]) => `${n} ${r}`);
          console.log(
            `Run ${runId} of tenant '${options.tenant}' ${result.status} by ${result.decidedBy}.` +
              (result.status === "approved" ? ` Soft-deleted: ${deleted.length ? deleted.join(", ") : "nothing"}${result.enrollmentsDeleted ? `, ${result.enrollmentsDeleted} enrollments` : ""}.` : " Records kept."),
          );
        }),
      );
  }

  const quarantine = program.command("quarantine").description("Records Clever sent that failed validation");
  storeOptions(quarantine.command("list").description("List quarantined records with the reason, newest first"))
    .option("--run <runId>", "only this run")
    .option("--limit <n>", "at most this many", (v) => Number(v), 50)
    .action((options: StoreOptions & { run?: string; limit: number }) =>
      withStore(options, async (store) => {
        const entries = await store.quarantined(options.tenant, { runId: options.run, limit: options.limit });
        if (entries.length === 0) console.log(`No quarantined records for tenant '${options.tenant}'.`);
        for (const e of entries) console.log(`${e.quarantinedAt}  ${e.resource.padEnd(9)} ${(e.cleverId ?? "(no id)").padEnd(24)} run ${e.runId}: ${e.reason}`);
      }),
    );
  storeOptions(quarantine.command("purge").description("Delete quarantined records older than the retention (QUARANTINE_RETENTION_DAYS, default 90)"))
    .option("--older-than-days <n>", "retention in days (default: QUARANTINE_RETENTION_DAYS)", (v) => Number(v))
    .action((options: StoreOptions & { olderThanDays?: number }) =>
      withStore(options, async (store) => {
        const days = options.olderThanDays ?? loadSettings().QUARANTINE_RETENTION_DAYS;
        if (!Number.isInteger(days) || days < 0) throw new Error(`--older-than-days: must be a whole number of days, got ${options.olderThanDays}. Fix: e.g. --older-than-days 90`);
        const purged = await store.purgeQuarantine(options.tenant, new Date(Date.now() - days * 86_400_000).toISOString());
        console.log(`Purged ${purged} quarantined record(s) of tenant '${options.tenant}' older than ${days} day(s).`);
      }),
    );
}
