import type { HttpRequest } from "@azure/functions";
import { callerOf } from "./callerAccess";

/**
 * Who made a request, for the audit log. The routes that decide are function-key routes. When App
 * Service Authentication is on (and only then is x-ms-client-principal trusted, see
 * callerAccess.ts) and the request carries a signed-in principal, that principal is recorded. A
 * function-key caller: the host knows the key's name (claim
 * http://schemas.microsoft.com/2017/07/functions/claims/keyid) but does not pass it to Node
 * workers (Azure/azure-functions-host#926, MicrosoftDocs/azure-docs#60198), so the entry says
 * "function-key", plus what the caller states in `x-cleversync-actor`, marked as self-declared.
 */
export function actorOf(request: HttpRequest, appServiceAuthEnabled: boolean): string {
  if (appServiceAuthEnabled && request.headers.get("x-ms-client-principal")) {
    const name = callerOf(request, true).name;
    if (name) return `principal:${name}`.slice(0, 256);
  }
  const stated = request.headers.get("x-cleversync-actor")?.replace(/[^\w.@ :-]/g, "").trim();
  return stated ? `function-key (says: ${stated})`.slice(0, 256) : "function-key";
}
