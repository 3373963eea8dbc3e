import type { DurableClient } from "durable-functions";
import { CLEVER_AUTH_CHECK } from "./checks";
import { KeeperReaderSlot, readKeeperStatuses } from "./keeperStatus";
import type { HealthSnapshot } from "./snapshot";

/** What the health endpoints read: the snapshot, and the slot its keeper check reads through. */
export interface HealthRuntime {
  snapshot: HealthSnapshot;
  keepers: KeeperReaderSlot;
}

/**
 * The process's one health runtime: created on the first health request (so a bad setting fails
 * that request, not app start-up) and started then. Tests install their own with `use`.
 */
export class HealthHolder {
  #runtime: HealthRuntime | undefined;
  /** Whether the holder created (and so must stop) the current runtime. */
  #owned = false;

  get(create: () => HealthRuntime): HealthRuntime {
    if (!this.#runtime) {
      const runtime = create();
      runtime.snapshot.start();
      this.#runtime = runtime;
      this.#owned = true;
    }
    return this.#runtime;
  }

  /** The runtime in use, if any (never creates one). */
  get current(): HealthRuntime | undefined {
    return this.#runtime;
  }

  /** Installs a runtime the caller starts and stops (tests), or clears it; stops one the holder made. */
  use(runtime: HealthRuntime | undefined): void {
    if (this.#owned) this.#runtime?.snapshot.stop();
    this.#runtime = runtime;
    this.#owned = false;
  }
}

export const processHealth = new HealthHolder();

/** A durable client, or a way to get one only when it is needed (df.getClient over the invocation's context). */
export type DurableClientSource = Pick<DurableClient, "getStatusBy"> | (() => Pick<DurableClient, "getStatusBy">);

/**
 * Points the keeper check at a durable client. The first binding also refreshes that one check in
 * the background (not awaited), so token state does not wait a whole interval after a cold start.
 * Once bound, a lazy source is never called: building a DurableClient (durable-functions getClient:
 * clone the binding data, validate every webhook URL, create an axios instance) is the larger part
 * of a health request's cost, and the binding data it is built from is the same for every
 * invocation in a host process (the extension's base URLs and system key), so the first client serves.
 * An eager client still replaces the previous one, as before.
 */
export function bindDurableClient(runtime: HealthRuntime, source: DurableClientSource): void {
  if (typeof source === "function" && runtime.keepers.bound) return;
  const client = typeof source === "function" ? source() : source;
  const first = runtime.keepers.bind(() => readKeeperStatuses(client));
  if (first && runtime.snapshot.running && runtime.snapshot.names.includes(CLEVER_AUTH_CHECK)) void runtime.snapshot.refresh([CLEVER_AUTH_CHECK]);
}
