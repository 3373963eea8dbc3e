/**
 * `cleversync tenants add|list|remove` and `cleversync status <tenant>`: the local registry
 * (Azurite under .data/, or the configured Tables account) and the tenant's recent runs.
 * While `cleversync start` holds the data directory, they go through its API instead (one writer).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { lockHolder } from "../../localstack/dataDirLock";
import { startLocalStack } from "../../localstack/localStack";
import { assertValidTenantId } from "../../secrets";
import type { Tenant } from "../../tenants";
import { callApp, RunningApp, runningAppOf } from "../appClient";
import { textTable } from "../table";

type Stack = Awaited<ReturnType<typeof startLocalStack>>;

/** Through the running app when one holds the data directory, else on the directory itself. */
async function withApp<T>(viaApi: (app: RunningApp) => Promise<T>, direct: (stack: Stack) => Promise<T>): Promise<T> {
  const app = runningAppOf(lockHolder(resolve(".data")));
  if (app) {
    console.error(`(through the running app, PID ${app.pid}, at ${app.url})`);
    return viaApi(app);
  }
  const stack = await startLocalStack({ print: () => undefined, lockFor: "tenants" });
  try {
    return await direct(stack);
  } finally {
    await stack.stop();
  }
}

function tenantRows(tenants: readonly Pick<Tenant, "id" | "enabled" | "cleverDistrictId" | "syncSchedule" | "displayName">[]): string {
  return textTable(
    ["id", "state", "Clever district id", "schedule (UTC)", "name"],
    tenants.map((t) => [t.id, t.enabled ? "enabled" : "disabled", t.cleverDistrictId, t.syncSchedule, t.displayName]),
  );
}

function credentialsHint(id: string): string {
  return `Credentials: clever-${id}-client-id / clever-${id}-client-secret in Key Vault, or CLEVER__${id.toUpperCase().replace(/-/g, "_")}__CLIENT_ID / __CLIENT_SECRET locally.`;
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command("tenants").description("Manage tenants (districts) in the registry");
  tenants
    .command("list")
    .description("List tenants")
    .action(() =>
      withApp(
        async (app) => console.log(tenantRows((await callApp<{ tenants: Tenant[] }>(app, "GET", "tenants")).body.tenants)),
        async ({ services }) => console.log(tenantRows(await services.tenants.list())),
      ),
    );
  tenants
    .command("add <id>")
    .description("Register a tenant; its Clever credentials go to Key Vault or the environment by naming convention")
    .requiredOption("--name <displayName>", "display name")
    .requiredOption("--district <cleverDistrictId>", "the district's 24-character Clever id")
    .option("--schedule <ncrontab>", "sync schedule (six-field NCRONTAB, UTC)")
    .option("--auth-mode <mode>", "district-token (default) or client-credentials")
    .option("--disabled", "register without scheduling syncs", false)
    .action((id: string, options: { name: string; district: string; schedule?: string; authMode?: string; disabled: boolean }) => {
      const fields = {
        displayName: options.name,
        cleverDistrictId: options.district,
        enabled: !options.disabled,
        ...(options.schedule ? { syncSchedule: options.schedule } : {}),
        settings: options.authMode ? { authMode: options.authMode } : {},
      };
      return withApp(
        async (app) => {
          assertValidTenantId(id);
          const existing = await callApp(app, "GET", `tenants/${id}`).catch(() => undefined);
          if (existing) throw new Error(`Tenant "${id}" already exists. Fix: pick another id, or remove it first (cleversync tenants remove ${id}).`);
          await callApp(app, "PUT", `tenants/${id}`, fields);
          console.log(`Added tenant '${id}'. ${credentialsHint(id)}`);
        },
        async ({ services }) => {
          const tenant = await services.tenants.create({ id, ...fields });
          console.log(`Added tenant '${tenant.id}'. ${credentialsHint(tenant.id)}`);
        },
      );
    });
  tenants
    .command("remove <id>")
    .description("Remove a tenant and its checkpoints (synced rows stay in SQL)")
    .action((id: string) =>
      withApp(
        async (app) => {
          assertValidTenantId(id);
          await callApp(app, "DELETE", `tenants/${id}`);
          console.log(`Removed tenant '${id}'.`);
        },
        async ({ services }) => {
          await services.tenants.remove(id);
          await services.checkpoints.clear(id);
          console.log(`Removed tenant '${id}'.`);
        },
      ),
    );
  program
    .command("status <tenant>")
    .description("Recent sync runs and row counts of a tenant")
    .action((tenantId: string) => {
      assertValidTenantId(tenantId);
      type RunRow = { startedAt: string; mode: string; status: string; runId: string; error?: string | null; counts?: Record<string, unknown> | null };
      // "why": why the run was full or incremental, and whether Clever's Events API could be read (lib/sync/planning.ts).
      const why = (run: RunRow) => {
        const plan = (run.counts as { plan?: { reason?: string; eventsUnavailable?: string | null } } | null | undefined)?.plan;
        return plan?.reason ? `${plan.reason}${plan.eventsUnavailable ? `; incremental sync unavailable: ${plan.eventsUnavailable}` : ""}` : "";
      };
      const runsTable = (runs: readonly RunRow[]) =>
        textTable(["started (UTC)", "mode", "status", "run id", "error", "why"], runs.map((r) => [r.startedAt, r.mode, r.status, r.runId, r.error ?? "", why(r)]));
      return withApp(
        async (app) => {
          const { body } = await callApp<{ runs: RunRow[] }>(app, "GET", `tenants/${tenantId}/runs?limit=10`);
          console.log(runsTable(body.runs));
        },
        async ({ services }) => {
          await services.tenants.get(tenantId);
          const store = await services.stores.storeFor(tenantId);
          const counts = await store.counts(tenantId);
          console.log(textTable(["resource", "live rows", "deleted rows"], Object.entries(counts).map(([r, c]) => [r, String(c.live), String(c.deleted)]), [1, 2]));
          console.log("");
          console.log(runsTable(await store.listRuns(tenantId, 10)));
        },
      );
    });
}
