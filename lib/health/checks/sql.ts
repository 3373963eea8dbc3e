import type { StoreRouter } from "../../store";
import type { HealthCheck } from "../snapshot";
import { PROBE_TENANT_ID } from "./probeTenant";

export interface SqlCheckDependencies {
  stores: Pick<StoreRouter, "defaultStore">;
}

/**
 * The default SQL database: opened (and migrated, on first use, as any caller would) and asked
 * for the probe tenant's latest run, an indexed read that returns nothing.
 */
export function sqlCheck({ stores }: SqlCheckDependencies): HealthCheck {
  return async () => {
    const store = await stores.defaultStore();
    await store.listRuns(PROBE_TENANT_ID, 1);
    const name = store.dialect === "sqlite" ? "SQLite" : "SQL Server";
    return { status: "Healthy", description: `The default ${name} database answered.`, data: { dialect: store.dialect } };
  };
}
