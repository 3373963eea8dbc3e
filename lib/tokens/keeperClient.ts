import type { DurableClient } from "durable-functions";
import { KeeperPolicy } from "./policy";
import { REFRESH_NOW_EVENT, RefreshNowEvent, TOKEN_KEEPER, TokenKeeperInput, tokenKeeperInstanceId } from "./tokenKeeper";
import { KeeperSignal } from "./tokenProvider";

const NOT_RUNNING = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

/**
 * Makes sure `token:{tenantId}` runs: starts it when missing, restarts it when it ended.
 * Idempotent: the instance id is deterministic, and a running instance is left alone.
 */
export async function ensureTokenKeeper(client: DurableClient, tenantId: string, policy: KeeperPolicy): Promise<"running" | "started" | "restarted"> {
  const instanceId = tokenKeeperInstanceId(tenantId);
  const status = await client.getStatus(instanceId).catch((error: Error) => {
    if (/not found|404/i.test(error.message)) return undefined;
    throw error;
  });
  if (status && !NOT_RUNNING.has(String(status.runtimeStatus))) return "running";
  const input: TokenKeeperInput = { tenantId, policy, reason: "start" };
  await client.startNew(TOKEN_KEEPER, { instanceId, input });
  return status ? "restarted" : "started";
}

/** A KeeperSignal over the DurableClient: ensure the keeper runs, then raise refreshNow. */
export function durableKeeperSignal(client: DurableClient, policy: KeeperPolicy, requestedBy: string): KeeperSignal {
  return {
    async requestRefresh(tenantId: string, staleFingerprint?: string): Promise<void> {
      const state = await ensureTokenKeeper(client, tenantId, policy);
      // A keeper that just started fetches a token anyway; only a running one needs the nudge.
      if (state !== "running") return;
      const event: RefreshNowEvent = { staleFingerprint, requestedBy };
      await client.raiseEvent(tokenKeeperInstanceId(tenantId), REFRESH_NOW_EVENT, event);
    },
  };
}
