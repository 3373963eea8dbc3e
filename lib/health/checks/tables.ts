import type { TenantRegistry } from "../../tenants";
import type { HealthCheck } from "../snapshot";
import { PROBE_TENANT_ID } from "./probeTenant";

export interface TablesCheckDependencies {
  /** A getter: building the registry throws when no Tables account is configured, which is a finding. */
  tenants: () => Pick<TenantRegistry, "find">;
}

/** The tenant registry on Azure Tables (Azurite locally): one point read of a row that does not exist. */
export function tablesCheck({ tenants }: TablesCheckDependencies): HealthCheck {
  return async () => {
    await tenants().find(PROBE_TENANT_ID);
    return { status: "Healthy", description: "The tenant registry (Azure Tables) answered.", data: {} };
  };
}
