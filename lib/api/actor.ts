import type { HttpRequest } from "@azure/functions";

/**
 * Who made a request, for the audit log. With App Service authentication the platform sets the
 * x-ms-client-principal-* headers (read by @azure/functions as `request.user`); that principal is
 * used. A function-key caller: the host knows the key's name (claim
 * http://schemas.microsoft.com/2017/07/functions/claims/keyid) but does not pass it to Node
 * workers (Azure/azure-functions-host#926, MicrosoftDocs/azure-docs#60198), so the entry says
 * "function-key", plus what the caller states in `x-cleversync-actor` — marked as self-declared.
 */
export function actorOf(request: HttpRequest): string {
  const user = request.user;
  if (user?.username) return `principal:${user.username}`.slice(0, 256);
  const stated = request.headers.get("x-cleversync-actor")?.replace(/[^\w.@ :-]/g, "").trim();
  return stated ? `function-key (says: ${stated})`.slice(0, 256) : "function-key";
}
