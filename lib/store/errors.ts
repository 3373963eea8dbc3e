/**
 * Typed errors of the roster store.
 *
 * Connection strings are secrets: no error built here carries one, nor a password, in its
 * message or cause. Driver errors are replaced by a plain Error holding only their name, code,
 * SQL error number and a scrubbed message, so driver objects (with their configs) never ride along.
 */

import { TypedError } from "../errors/typedError";

export abstract class StoreError extends TypedError {}

/** The database cannot be reached or opened (network, login, missing file, bad connection string). */
export class StoreUnavailableError extends StoreError {
  readonly code = "STORE_UNAVAILABLE";
  constructor(
    readonly dialect: "sqlite" | "mssql",
    message: string,
    cause?: Error,
    /** Whether retrying later may succeed (network, timeouts, Azure SQL transient errors). */
    readonly transient = true,
  ) {
    super(message, cause);
  }
}

/** A statement failed for a reason other than connectivity (constraint, syntax, timeout of one query). */
export class StoreQueryError extends StoreError {
  readonly code = "STORE_QUERY";
  constructor(
    readonly dialect: "sqlite" | "mssql",
    readonly operation: string,
    message: string,
    cause?: Error,
    /** SQL Server error number or SQLite result code, when known. */
    readonly dbCode?: string | number,
    readonly transient = false,
  ) {
    super(message, cause);
  }
}

/** An argument the store cannot write (bad tenant id, unknown resource, wrong column type ...). Nothing was written. */
export class StoreInputError extends StoreError {
  readonly code = "STORE_INPUT";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid ${field}: ${problem}`);
  }
}

/** A method other than migrate()/close() was called before migrate(), or after close(). */
export class StoreNotReadyError extends StoreError {
  readonly code = "STORE_NOT_READY";
}

export class RunNotFoundError extends StoreError {
  readonly code = "RUN_NOT_FOUND";
  constructor(
    readonly tenantId: string,
    readonly runId: string,
  ) {
    super(`Sync run "${runId}" of tenant "${tenantId}" was never started. Fix: call startRun() first.`);
  }
}

/** The injected resolver failed to say where a tenant's roster lives (e.g. Key Vault unreachable). */
export class StoreRoutingError extends StoreError {
  readonly code = "STORE_ROUTING";
  constructor(
    readonly tenantId: string,
    message: string,
    cause?: Error,
  ) {
    super(message, cause);
  }
}

/** The database's schema is newer than this code knows (a newer version migrated it). */
export class StoreSchemaError extends StoreError {
  readonly code = "STORE_SCHEMA";
}

/** Removes every occurrence of the given secrets, and anything shaped like `Password=...`, from a text. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out.replace(/\b(password|pwd|accountkey|sharedaccesskey|clientsecret|client_secret)\s*=\s*("[^"]*"|'[^']*'|\{[^}]*\}|[^;]*)/gi, "$1=[redacted]");
}

/** A plain Error keeping only the original's name, code/number and a scrubbed, shortened message. */
export function sanitizeCause(err: unknown, secrets: readonly string[] = []): Error {
  if (!(err instanceof Error)) return new Error(scrubSecrets(String(err), secrets).slice(0, 500));
  const code = (err as { code?: unknown }).code;
  const number = (err as { number?: unknown }).number;
  const prefix = [typeof code === "string" ? code : undefined, typeof number === "number" ? `#${number}` : undefined].filter(Boolean).join(" ");
  const copy = new Error(scrubSecrets(`${prefix ? `${prefix}: ` : ""}${err.message}`, secrets).slice(0, 500));
  copy.name = err.name;
  return copy;
}
