import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { runningSync, SyncAlreadyRunningError } from "../sync/starter";
import { json } from "./problem";

/**
 * Starts a run and turns a lost start race into "already running". Two requests in the same
 * second both see no running sync and both ask Durable for the same instance id; the loser's
 * start fails. How it fails is the host's business: Azure's HttpApiHandler
 * (azure-functions-durable-extension, HandleStartOrchestratorRequestAsync) does not catch the
 * "instance already exists" error of StartNewAsync, so the JS client sees a 500; the devhost
 * answers 409. Either way the caller must get 409 with the run that won, never a 500 — so on any
 * failure we look again, and if a run of this tenant is going, that is the answer.
 */
export async function startOrConflict(client: DurableClient, tenantId: string, start: () => Promise<string>): Promise<string> {
  // Two tries: the run that won may finish between our failed start and our look, and then a
  // fresh start is the right answer rather than an error.
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (error instanceof SyncAlreadyRunningError) throw error;
      const running = await runningSync(client, tenantId).catch(() => undefined);
      if (running) throw new SyncAlreadyRunningError(tenantId, running);
      if (attempt >= 2) throw error;
    }
  }
}

/**
 * 202 for a started run, pointing at the project's own tenant-scoped status route (the request's
 * own path + the instance id), never at Durable's management URLs: those carry the
 * durabletask_extension system key, which controls every instance of every tenant.
 */
export function runAccepted(request: HttpRequest, tenantId: string, instanceId: string): HttpResponseInit {
  const url = new URL(request.url);
  const statusQueryGetUri = `${url.origin}${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(instanceId)}`;
  return json(202, { id: instanceId, tenantId, statusQueryGetUri }, { location: statusQueryGetUri, "retry-after": "10" });
}
