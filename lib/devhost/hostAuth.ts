import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * The host's access keys, as the Functions host keeps them (learn.microsoft.com/azure/azure-functions/function-keys-how-to,
 * "Understand keys"): a function/host key for `authLevel: "function"` routes, the master key (`_master`, admin level,
 * accepted everywhere), and the Durable extension's system key (`durabletask_extension`), the only non-master key the
 * durable management webhooks take.
 */
export interface HostKeys {
  functionKey: string;
  masterKey: string;
  /** The `durabletask_extension` system key. */
  systemKey: string;
}

/** What a route requires: an HTTP trigger's authLevel, or "system" for an extension's webhooks. */
export type RequiredLevel = "anonymous" | "function" | "admin" | "system";

/** The level a presented key grants, as SecretManager.GetAuthorizationLevelOrNullAsync resolves it. */
type GrantedLevel = "admin" | "function" | "system";

/**
 * The key a request presents. Host source (Azure/azure-functions-host,
 * src/WebJobs.Script.WebHost/Security/Authentication/Keys/AuthenticationLevelHandler.cs,
 * GetAuthorizationKeyInfoAsync): the `x-functions-key` header, else the `code` query parameter —
 * the header takes precedence.
 */
export function presentedKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = headers["x-functions-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined) return fromHeader;
  return query.get("code") ?? undefined;
}

/**
 * The devhost's own addition for its `rpcBaseUrl`: the password of HTTP Basic credentials.
 * In Azure the extension's RPC endpoint is a separate listener on 127.0.0.1:17071 inside the
 * app's sandbox (azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/LocalHttpListener.cs)
 * that nothing outside can reach. The devhost serves it on its public port, so it must carry a key;
 * the real `DurableClient` builds every RPC URL with `new URL(path, rpcBaseUrl)`, which keeps the
 * base's user-info, and axios sends user-info as Basic credentials — so the key rides in
 * `rpcBaseUrl` as `http://durabletask:<systemKey>@host/durabletask/` and nothing in the product changes.
 */
export function basicPassword(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  const match = value ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function sameKey(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function grantedLevel(keys: HostKeys, presented: string): GrantedLevel | undefined {
  if (sameKey(presented, keys.masterKey)) return "admin";
  if (sameKey(presented, keys.systemKey)) return "system";
  if (sameKey(presented, keys.functionKey)) return "function";
  return undefined;
}

/**
 * Does `presented` satisfy `required`? Host source (Azure/azure-functions-host,
 * src/WebJobs.Script.WebHost/Security/Authorization/AuthUtility.cs, PrincipalHasAuthLevelClaim):
 * admin (the master key) satisfies every level; otherwise the granted level must equal the required
 * one — so a system key does not open `function` routes and a function key does not open the
 * durable webhooks.
 */
export function satisfies(keys: HostKeys, required: RequiredLevel, presented: readonly (string | undefined)[]): boolean {
  if (required === "anonymous") return true;
  return presented.some((key) => {
    if (!key) return false;
    const level = grantedLevel(keys, key);
    return level === "admin" || level === required;
  });
}
