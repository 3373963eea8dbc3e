/**
 * `cleversync tenants add|list|remove` and `cleversync status <tenant>`: the local registry
 * (Azurite under .data/, or the configured Tables account) and the tenant's recent runs.
 */
import type { Command } from "commander";
import { startLocalStack } from "../../localstack/localStack";
import { assertValidTenantId } from "../../secrets";

async function withStack<T>(work: (stack: Awaited<ReturnType<typeof startLocalStack>>) => Promise<T>): Promise<T> {
  const stack = await startLocalStack({ print: () => undefined });
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command("tenants").description("Manage tenants (districts) in the registry");
  tenants
    .command("list")
    .description("List tenants")
    .action(() =>
      withStack(async ({ services }) => {
        for (const t of await services.tenants.list()) {
          console.log(`${t.id.padEnd(24)} ${t.enabled ? "enabled " : "disabled"} ${t.cleverDistrictId} ${t.syncSchedule.padEnd(16)} ${t.displayName}`);
        }
      }),
    );
  tenants
    .command("add <id>")
    .description("Register a tenant; its Clever credentials go to Key Vault or the environment by naming convention")
    .requiredOption("--name <displayName>", "display name")
    .requiredOption("--district <cleverDistrictId>", "the district's 24-character Clever id")
    .option("--schedule <ncrontab>", "sync schedule (six-field NCRONTAB, UTC)")
    .option("--auth-mode <mode>", "district-token (default) or client-credentials")
    .option("--disabled", "register without scheduling syncs", false)
    .action((id: string, options: { name: string; district: string; schedule?: string; authMode?: string; disabled: boolean }) =>
      withStack(async ({ services }) => {
        const tenant = await services.tenants.create({
          id,
          displayName: options.name,
          cleverDistrictId: options.district,
          enabled: !options.disabled,
          ...(options.schedule ? { syncSchedule: options.schedule } : {}),
          settings: options.authMode ? { authMode: options.authMode } : {},
        });
        console.log(`Added tenant '${tenant.id}'. Credentials: clever-${tenant.id}-client-id / clever-${tenant.id}-client-secret in Key Vault, or CLEVER__${tenant.id.toUpperCase().replace(/-/g, "_")}__CLIENT_ID / __CLIENT_SECRET locally.`);
      }),
    );
  tenants
    .command("remove <id>")
    .description("Remove a tenant and its checkpoints (synced rows stay in SQL)")
    .action((id: string) =>
      withStack(async ({ services }) => {
        await services.tenants.remove(id);
        await services.checkpoints.clear(id);
        console.log(`Removed tenant '${id}'.`);
      }),
    );
  program
    .command("status <tenant>")
    .description("Recent sync runs and row counts of a tenant")
    .action((tenantId: string) =>
      withStack(async ({ services }) => {
        assertValidTenantId(tenantId);
        await services.tenants.get(tenantId);
        const store = await services.stores.storeFor(tenantId);
        const counts = await store.counts(tenantId);
        console.log(`Rows (live / deleted): ${Object.entries(counts).map(([r, c]) => `${r} ${c.live}/${c.deleted}`).join(", ")}`);
        for (const run of await store.listRuns(tenantId, 10)) {
          console.log(`${run.startedAt}  ${run.mode.padEnd(11)} ${run.status.padEnd(9)} ${run.runId}${run.error ? `  error: ${run.error}` : ""}`);
          // Why the run was full or incremental, and whether Clever's Events API could be read (lib/sync/planning.ts).
          const plan = (run.counts as { plan?: { reason?: string; eventsUnavailable?: string | null } } | null | undefined)?.plan;
          if (plan?.reason) console.log(`    why ${run.mode}: ${plan.reason}${plan.eventsUnavailable ? `; incremental sync unavailable: ${plan.eventsUnavailable}` : ""}`);
        }
      }),
    );
}
