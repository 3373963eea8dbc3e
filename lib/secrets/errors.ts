/**
 * Typed errors of the credential store.
 *
 * They carry names, never values: tenant ids, secret NAMES, reasons and status codes. Causes from
 * the Azure SDK are replaced by a plain Error built from their name/code/message, so request and
 * response objects never ride along, and `toJSON` lists exactly what may be logged.
 */

import { TypedError } from "../errors/typedError";

export type UnavailableReason = "network" | "timeout" | "server" | "throttled" | "accessDenied" | "authentication" | "unknown";

export abstract class SecretsError extends TypedError {}

/** A plain Error carrying only the original's name, code and (shortened) message. */
export function sanitizeCause(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err).slice(0, 300));
  const code = (err as { code?: unknown }).code;
  const copy = new Error(`${typeof code === "string" ? `${code}: ` : ""}${err.message}`.slice(0, 300));
  copy.name = err.name;
  return copy;
}

function describeInput(value: unknown): string {
  if (typeof value !== "string") return value === undefined ? "nothing" : `a ${value === null ? "null" : typeof value}`;
  if (value === "") return "an empty string";
  const shown = value.length > 70 ? `${value.slice(0, 70)}…` : value;
  return `${JSON.stringify(shown)} (${value.length} characters)`;
}

/** A tenant id that cannot be used in secret names, URLs or keys. Raised before any request. */
export class InvalidTenantIdError extends SecretsError {
  readonly code = "INVALID_TENANT_ID";
  constructor(value: unknown, readonly field: string, readonly rule: string) {
    super(`Invalid ${field}: got ${describeInput(value)}. Use ${rule}, for example "district-42".`);
  }
}

/** Settings that make a store impossible to build (bad vault URL and the like). */
export class SecretStoreConfigError extends SecretsError {
  readonly code = "SECRET_STORE_CONFIG";
  constructor(readonly field: string, problem: string, fix: string) {
    super(`Invalid ${field}: ${problem}. ${fix}`);
  }
}

/** One or more required secrets of a tenant do not exist (or are empty) in the store. */
export class CredentialsNotFoundError extends SecretsError {
  readonly code = "CREDENTIALS_NOT_FOUND";
  /** The first missing secret's name (all of them are in `secretNames`). */
  readonly secretName: string;
  constructor(readonly tenantId: string, readonly secretNames: string[], readonly store: string, howToAdd: string[]) {
    super(
      `Credentials for tenant "${tenantId}" are incomplete: ${secretNames.map((n) => `"${n}"`).join(", ")} ` +
        `${secretNames.length === 1 ? "is" : "are"} missing or empty in ${store}. Add ${secretNames.length === 1 ? "it" : "them"}: ${howToAdd.join("; ")}`,
    );
    this.secretName = secretNames[0] ?? "";
  }
}

/** The store could not be asked at all (network, 5xx, throttling, access, sign-in). */
export class SecretStoreUnavailableError extends SecretsError {
  readonly code = "SECRET_STORE_UNAVAILABLE";
  readonly statusCode?: number;
  constructor(
    readonly reason: UnavailableReason,
    readonly store: string,
    readonly secretName: string,
    message: string,
    details: { statusCode?: number; cause?: Error } = {},
  ) {
    super(message, details.cause);
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
  }

  /** Whether the same read may succeed later without anyone changing configuration. */
  get retryable(): boolean {
    return this.reason === "network" || this.reason === "timeout" || this.reason === "server" || this.reason === "throttled";
  }
}

/** A tenant's credentials could not be read and no earlier copy is cached to fall back on. */
export class CredentialsUnavailableError extends SecretsError {
  readonly code = "CREDENTIALS_UNAVAILABLE";
  readonly reason: UnavailableReason;
  readonly store: string;
  constructor(readonly tenantId: string, cause: SecretStoreUnavailableError) {
    super(`Credentials for tenant "${tenantId}" could not be read and no earlier copy is cached: ${cause.message}`, cause);
    this.reason = cause.reason;
    this.store = cause.store;
  }

  get retryable(): boolean {
    return (this.cause as SecretStoreUnavailableError).retryable;
  }
}
