/**
 * Typed errors for the tenant registry and checkpoint store.
 *
 * Each carries an `httpStatus` so the admin API can answer without a lookup table, and only
 * non-secret metadata: validation errors name the field, the problem and the fix but never echo
 * a rejected free-text value (a mistyped field may hold a secret or personal data).
 */

/** One problem found in an input: `field` is a dotted path such as `settings.pageSize`. */
export interface ValidationIssue {
  field: string;
  problem: string;
  fix: string;
}

export abstract class TenantStoreErrorBase extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;

  constructor(message: string, options?: { cause?: Error }) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value !== undefined && typeof value !== "function") out[key] = value;
    }
    return out;
  }
}

function describe(subject: string, issues: readonly ValidationIssue[]): string {
  return `Invalid ${subject}: ` + issues.map((i) => `${i.field}: ${i.problem} (fix: ${i.fix})`).join("; ");
}

/** A tenant id, tenant body or patch failed validation. Nothing was written. */
export class InvalidTenantError extends TenantStoreErrorBase {
  readonly code = "TENANT_INVALID";
  readonly httpStatus = 400;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(describe("tenant", issues));
  }
}

/** A checkpoint's resource name or body failed validation. Nothing was written. */
export class InvalidCheckpointError extends TenantStoreErrorBase {
  readonly code = "CHECKPOINT_INVALID";
  readonly httpStatus = 400;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(describe("checkpoint", issues));
  }
}

export class TenantNotFoundError extends TenantStoreErrorBase {
  readonly code = "TENANT_NOT_FOUND";
  readonly httpStatus = 404;
  constructor(readonly tenantId: string) {
    super(`Tenant "${tenantId}" does not exist. Fix: check the id, or create the tenant first.`);
  }
}

export class TenantAlreadyExistsError extends TenantStoreErrorBase {
  readonly code = "TENANT_ALREADY_EXISTS";
  readonly httpStatus = 409;
  constructor(readonly tenantId: string) {
    super(`Tenant "${tenantId}" already exists. Fix: choose another id, or update the existing tenant.`);
  }
}

/** The tenant changed since the caller read it (ETag mismatch): re-read, re-apply, retry. */
export class TenantConcurrencyError extends TenantStoreErrorBase {
  readonly code = "TENANT_CONCURRENCY";
  readonly httpStatus = 412;
  constructor(readonly tenantId: string) {
    super(`Tenant "${tenantId}" was changed by someone else since it was read (ETag mismatch). Fix: read it again and retry with the new ETag.`);
  }
}

/** The checkpoint changed (or appeared, or vanished) since the caller read it. */
export class CheckpointConcurrencyError extends TenantStoreErrorBase {
  readonly code = "CHECKPOINT_CONCURRENCY";
  readonly httpStatus = 412;
  constructor(
    readonly tenantId: string,
    readonly resource: string,
    readonly reason: "etag-mismatch" | "already-exists" | "missing",
  ) {
    super(`Checkpoint "${resource}" of tenant "${tenantId}" was changed concurrently (${reason}). Fix: read it again and retry with the new ETag.`);
  }
}

/** A stored row no longer matches the schema (edited by hand or written by another version). */
export class CorruptRecordError extends TenantStoreErrorBase {
  readonly code = "RECORD_CORRUPT";
  readonly httpStatus = 500;
  constructor(
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`Stored row ${table}(${partitionKey}, ${rowKey}) is corrupt: ` + issues.map((i) => `${i.field}: ${i.problem}`).join("; ") + ". Fix: correct or re-create the row (an admin PUT replaces it).");
  }
}

/** Constructor options are unusable (bad table name, neither connection string nor endpoint). */
export class TenantStoreConfigError extends TenantStoreErrorBase {
  readonly code = "TENANT_STORE_CONFIG";
  readonly httpStatus = 500;
}

/** Azure Tables failed in a way the caller cannot fix by changing input (network, auth, 5xx). */
export class TenantStorageError extends TenantStoreErrorBase {
  readonly code = "TENANT_STORAGE";
  readonly httpStatus = 503;
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly serviceCode: string | undefined,
    cause: Error,
  ) {
    super(`Azure Tables ${operation} failed${status ? ` with ${status}` : ""}${serviceCode ? ` (${serviceCode})` : ""}: ${cause.message}`, { cause });
  }
}
