/**
 * Token keeper state as health reads it: one entry per running `token:{tenantId}` instance with its
 * custom status (TokenKeeperStatus), validated, because custom status is plain JSON from durable
 * storage and may come from an older deployment.
 */
import { OrchestrationRuntimeStatus, type DurableClient } from "durable-functions";
import { z } from "zod";
import { tokenKeeperInstanceId, type TokenKeeperStatus } from "../tokens";

export interface KeeperState {
  tenantId: string;
  /** Durable runtime status of the instance: Running, Pending, ContinuedAsNew, Suspended. */
  runtimeStatus: string;
  /** Undefined until the keeper's first refresh reports, or when its status is unreadable. */
  status?: TokenKeeperStatus;
}

/** Reads the state of every running token keeper. */
export type KeeperStatusReader = () => Promise<KeeperState[]>;

const KEEPER_PREFIX = tokenKeeperInstanceId("");
/** States in which an instance still exists and may act; finished keepers count as missing. */
const LIVE_STATUSES = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.ContinuedAsNew, OrchestrationRuntimeStatus.Suspended];

const keeperStatusSchema = z.object({
  tenantId: z.string(),
  state: z.enum(["valid", "failing"]),
  mode: z.string().nullable(),
  fingerprint: z.string().nullable(),
  expiresAt: z.string().nullable(),
  nextRefreshAt: z.string(),
  lastRefreshedAt: z.string().nullable(),
  consecutiveFailures: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
});

export function parseKeeperStatus(customStatus: unknown): TokenKeeperStatus | undefined {
  let value = customStatus;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const parsed = keeperStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Keeper state through a DurableClient: live instances, filtered by the `token:` prefix here
 * because the client's filter has no prefix option. Live instances only, so finished sync runs
 * (which pile up) are not listed.
 */
export async function readKeeperStatuses(client: Pick<DurableClient, "getStatusBy">): Promise<KeeperState[]> {
  const instances = await client.getStatusBy({ runtimeStatus: LIVE_STATUSES });
  return instances
    .filter((instance) => typeof instance.instanceId === "string" && instance.instanceId.startsWith(KEEPER_PREFIX))
    .map((instance) => ({ tenantId: instance.instanceId.slice(KEEPER_PREFIX.length), runtimeStatus: String(instance.runtimeStatus), status: parseKeeperStatus(instance.customStatus) }));
}

export class KeeperReaderNotBoundError extends Error {
  override readonly name = "KeeperReaderNotBoundError";
  constructor() {
    super("No durable client has been bound yet: token keeper state is read through the client a health request brings.");
  }
}

/**
 * Where the cleverAuth check gets keeper state. A DurableClient only exists inside an invocation
 * that declares the binding, so HTTP handlers (re)bind a reader over their client here; the
 * background refresh then uses the latest one.
 */
export class KeeperReaderSlot {
  #reader: KeeperStatusReader | undefined;

  /** Installs a reader; returns true when this is the first one. */
  bind(reader: KeeperStatusReader): boolean {
    const first = this.#reader === undefined;
    this.#reader = reader;
    return first;
  }

  get bound(): boolean {
    return this.#reader !== undefined;
  }

  read(): Promise<KeeperState[]> {
    return this.#reader ? this.#reader() : Promise.reject(new KeeperReaderNotBoundError());
  }
}
