/**
 * The per-tenant run lease, as the sync sees it: one run writes a tenant's rows at a time, whoever
 * started it (API, scheduler, CLI, another process on the same database). The lease row lives in
 * the tenant's SQL database (RosterStore.acquireLease), so every starter and every writer passes
 * the same check. Taken by the starter before the orchestration exists, re-taken by the planning
 * activity before the first write, renewed on every page, released when the run finishes.
 */
import { TypedError } from "../errors/typedError";
import type { RosterStore, SyncLease } from "../store";

/** A sync of this tenant is already running: one at a time per tenant (HTTP 409). */
export class SyncAlreadyRunningError extends TypedError {
  readonly code = "SYNC_ALREADY_RUNNING";
  readonly httpStatus = 409;
  constructor(
    readonly tenantId: string,
    readonly instanceId: string,
    readonly expiresAt?: string,
  ) {
    super(`A sync of tenant '${tenantId}' is already running as instance '${instanceId}'. Wait for it to finish, or terminate it first${expiresAt ? ` (its lease expires at ${expiresAt} unless renewed)` : ""}.`);
  }
}

/** This run no longer holds its tenant's lease (it expired and another run took it): stop before writing. */
export class SyncLeaseLostError extends TypedError {
  readonly code = "SYNC_LEASE_LOST";
  constructor(
    readonly tenantId: string,
    readonly runId: string,
    readonly holder: string | null,
  ) {
    super(
      `Sync run ${runId} of tenant '${tenantId}' lost its lease${holder ? ` to ${holder}` : ""}; it stopped without deleting anything. Fix: raise SYNC_LEASE_SECONDS if runs pause longer than the lease (long retry waits), then sync again.`,
    );
  }
}

export interface LeaseDependencies {
  store: RosterStore;
  now: () => number;
  leaseTtlMs: number;
}

/** Takes (or re-takes, for the same run) the tenant's lease; throws SyncAlreadyRunningError when another run holds it. */
export async function takeLease(deps: LeaseDependencies, tenantId: string, runId: string, instanceId: string | null): Promise<SyncLease> {
  const result = await deps.store.acquireLease(tenantId, { runId, instanceId, now: new Date(deps.now()).toISOString(), ttlMs: deps.leaseTtlMs });
  if (!result.acquired) throw new SyncAlreadyRunningError(tenantId, result.holder.instanceId ?? `run ${result.holder.runId}`, result.holder.expiresAt);
  return result.lease;
}

/**
 * Renews the lease of a running run at most every `everyMs` (default a tenth of the lease), and
 * stops the run with SyncLeaseLostError once another run holds it.
 */
export class RunLease {
  private renewedAt = -Infinity;
  constructor(
    private readonly deps: LeaseDependencies,
    private readonly tenantId: string,
    private readonly runId: string,
    private readonly everyMs = Math.max(1000, Math.floor(deps.leaseTtlMs / 10)),
  ) {}

  async renew(force = false): Promise<void> {
    const now = this.deps.now();
    if (!force && now - this.renewedAt < this.everyMs) return;
    if (!(await this.deps.store.renewLease(this.tenantId, this.runId, new Date(now).toISOString(), this.deps.leaseTtlMs))) {
      const holder = await this.deps.store.currentLease(this.tenantId).catch(() => undefined);
      throw new SyncLeaseLostError(this.tenantId, this.runId, holder ? (holder.instanceId ?? `run ${holder.runId}`) : null);
    }
    this.renewedAt = now;
  }
}
