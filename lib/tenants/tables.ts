/**
 * Azure Tables plumbing shared by the registry and the checkpoint store: how to connect,
 * creating a table on first use, and reading the status/code out of SDK errors.
 */
import { type NamedKeyCredential, TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { TenantStorageError, TenantStoreConfigError, TenantStoreErrorBase } from "./errors";

/**
 * Where the tables live: a connection string (Azurite, `UseDevelopmentStorage=true`, account
 * key), or an endpoint plus credential (managed identity in Azure: a TokenCredential such as
 * DefaultAzureCredential; a NamedKeyCredential also works).
 */
export type TableConnection = ({ connectionString: string } | { endpoint: string; credential: TokenCredential | NamedKeyCredential }) & {
  /** Needed for `http://` endpoints (Azurite with an explicit endpoint); never in Azure. */
  allowInsecureConnection?: boolean;
};

export const DEFAULT_TENANTS_TABLE = "tenants";
export const DEFAULT_CHECKPOINTS_TABLE = "checkpoints";

/** Azure rule: 3-63 alphanumerics, starting with a letter. */
const TABLE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function createTableClient(connection: TableConnection, tableName: string): TableClient {
  if (!TABLE_NAME_PATTERN.test(tableName)) {
    throw new TenantStoreConfigError(`Table name "${tableName}" is invalid: it must be 3-63 letters and digits, starting with a letter. Fix: choose a name such as "tenants".`);
  }
  const options: TableServiceClientOptions = { allowInsecureConnection: connection.allowInsecureConnection ?? false };
  if ("connectionString" in connection && connection.connectionString) {
    return TableClient.fromConnectionString(connection.connectionString, tableName, options);
  }
  if ("endpoint" in connection && connection.endpoint && connection.credential) {
    const { endpoint, credential } = connection;
    // Two calls because the SDK's constructor overloads do not accept the union.
    return "getToken" in credential ? new TableClient(endpoint, tableName, credential, options) : new TableClient(endpoint, tableName, credential, options);
  }
  throw new TenantStoreConfigError("No Azure Tables connection given. Fix: pass { connectionString } or { endpoint, credential }.");
}

/**
 * A table client that creates its table on first use. The pending creation is shared by
 * concurrent callers and forgotten on failure so the next call retries.
 */
export class LazyTable {
  private ready: Promise<TableClient> | undefined;

  constructor(readonly client: TableClient) {}

  get name(): string {
    return this.client.tableName;
  }

  open(): Promise<TableClient> {
    this.ready ??= this.create().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async create(): Promise<TableClient> {
    try {
      // The SDK already swallows 409 TableAlreadyExists; the check below keeps that true if it stops.
      await this.client.createTable();
    } catch (error) {
      if (storageStatus(error) !== 409) throw storageFailure(`createTable ${this.name}`, error);
    }
    return this.client;
  }
}

/** HTTP status of an SDK error, if it has one. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * 404 for the entity itself. A 404 TableNotFound (table deleted behind our back) is a storage
 * failure, not "no such tenant", so it is excluded.
 */
export function isEntityNotFound(error: unknown): boolean {
  return storageStatus(error) === 404 && storageErrorCode(error) !== "TableNotFound";
}

/** Service error code (e.g. `UpdateConditionNotSatisfied`); the SDK puts it in `details.errorCode`. */
export function storageErrorCode(error: unknown): string | undefined {
  const code = (error as { details?: { errorCode?: unknown } } | undefined)?.details?.errorCode;
  return typeof code === "string" ? code : undefined;
}

/**
 * Wraps an unexpected SDK error. Only the message survives: RestError objects carry the
 * request (headers with the SharedKey signature) and the response.
 */
export function storageFailure(operation: string, error: unknown): TenantStorageError {
  const original = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(original.message.split("\n")[0]);
  cause.name = original.name;
  return new TenantStorageError(operation, storageStatus(error), storageErrorCode(error), cause);
}

/** Our own typed errors pass through; anything else from the SDK is wrapped and sanitized. */
export function toStoreError(operation: string, error: unknown): Error {
  return error instanceof TenantStoreErrorBase ? error : storageFailure(operation, error);
}

/** Writes answer with the new ETag; callers need it for their next conditional write. */
export function requireEtag(etag: string | undefined, operation: string): string {
  if (etag) return etag;
  throw storageFailure(operation, new Error("the service returned no ETag"));
}
