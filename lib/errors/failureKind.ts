/**
 * Permanent or transient: whether waiting and trying again can fix a failure. Shared by every
 * caller that decides between "stop now and say why" and "retry visibly" (the CLI's pre-flight,
 * start-up checks). Classification reads only names, codes, flags and messages — never values.
 *
 * Permanent: a name that does not resolve (ENOTFOUND), a configured endpoint that refuses the
 * connection (ECONNREFUSED — nothing listens where the settings point), a rejected login,
 * 401/403 from Clever's token endpoint, missing credentials or secrets, invalid settings.
 * Transient: timeouts, resets, DNS server trouble (EAI_AGAIN), 5xx, throttling.
 */

export type FailureKind = "permanent" | "transient";

/** Errors whose name alone says configuration or data must change first. */
const PERMANENT_NAMES = new Set([
  "SettingsError",
  "CredentialsNotFoundError",
  "TenantDatabaseSecretMissingError",
  "TenantNotFoundError",
  "InvalidTenantIdError",
  "SecretStoreConfigError",
  "CleverAuthError",
  "CleverConfigError",
  "DistrictNotAuthorizedError",
  "TokenDistrictMismatchError",
  "TablesNotConfiguredError",
  "TenantStoreConfigError",
  "StoreInputError",
]);

const PERMANENT_CODES = /\b(ENOTFOUND|ECONNREFUSED|ELOGIN|EACCES|EPERM|EROFS|ENOTDIR|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\b/;
const TRANSIENT_CODES = /\b(EAI_AGAIN|ETIMEDOUT|ETIMEOUT|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)\b/;
/** tedious reports a refused connection on every address as "Could not connect (sequence)". */
const PERMANENT_TEXT = /Could not connect \(sequence\)|connection refused|Login failed|getaddrinfo ENOTFOUND/i;

/** The texts of an error and its causes, outermost first (names, codes and messages only). */
function textsOf(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current !== "object") {
      texts.push(String(current));
      break;
    }
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    texts.push([e.name, e.code, e.message].filter((part) => typeof part === "string").join(" "));
    current = e.cause;
  }
  return texts;
}

export function failureKind(error: unknown): FailureKind {
  const e = (error ?? {}) as { name?: unknown; retryable?: unknown; transient?: unknown; status?: unknown; statusCode?: unknown };
  if (typeof e.name === "string" && PERMANENT_NAMES.has(e.name)) return "permanent";
  // The network codes decide before the error's own retry flag: a vault or server name that does
  // not resolve is reported as a "network" outage by the SDK wrappers, yet waiting never fixes it.
  const text = textsOf(error).join(" | ");
  if (PERMANENT_CODES.test(text) || PERMANENT_TEXT.test(text)) return "permanent";
  if (TRANSIENT_CODES.test(text)) return "transient";
  if (typeof e.retryable === "boolean") return e.retryable ? "transient" : "permanent";
  if (typeof e.transient === "boolean") return e.transient ? "transient" : "permanent";
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : undefined;
  if (status !== undefined) return status === 408 || status === 429 || status >= 500 ? "transient" : "permanent";
  // Unknown failures are retried, a bounded number of times, by the callers.
  return "transient";
}

/** One readable line: the message of the error (its first line), never a stack. */
export function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}
