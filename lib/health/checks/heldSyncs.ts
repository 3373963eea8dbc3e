import type { RosterStore } from "../../store";
import type { HealthCheck } from "../snapshot";

export const HELD_SYNCS_CHECK = "heldSyncs";

export interface HeldSyncsCheckDependencies {
  enabledTenantIds: () => Promise<string[]>;
  storeFor: (tenantId: string) => Promise<RosterStore>;
}

/** One tenant with a sync whose deletions wait for review. */
export interface TenantHeldHealth {
  tenantId: string;
  runId: string;
  heldAt: string;
  reasons: string[];
}

/**
 * Tenants with a held sync (deletions over a guard threshold, waiting for approve/reject) are
 * Degraded with the reason: the mirror is current for inserts and updates but keeps records Clever
 * no longer returns. Healthy when nothing is held.
 */
export function heldSyncsCheck(deps: HeldSyncsCheckDependencies): HealthCheck {
  return async () => {
    const held: TenantHeldHealth[] = [];
    for (const tenantId of (await deps.enabledTenantIds()).sort()) {
      const store = await deps.storeFor(tenantId);
      for (const run of await store.heldRuns(tenantId, { status: "held", limit: 10 })) held.push({ tenantId, runId: run.runId, heldAt: run.heldAt, reasons: run.reasons });
    }
    if (held.length === 0) return { status: "Healthy", description: "No sync is held for review.", data: { held: [] } };
    const tenants = [...new Set(held.map((h) => h.tenantId))];
    return {
      status: "Degraded",
      description: `${held.length} sync run(s) of ${tenants.length} tenant(s) hold deletions for review (${tenants.join(", ")}): ${held[0]!.reasons[0] ?? "over a guard threshold"}. Review with GET /api/tenants/{id}/held, then approve or reject.`,
      data: { held },
    };
  };
}
