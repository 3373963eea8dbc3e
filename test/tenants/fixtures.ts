/** Shared test data and raw-table helpers for the tenant store tests. */
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";

export const DISTRICT_ID = "5f1b2c3d4e5f60718293a4b5";

/** A valid create/PUT body; override fields per test. */
export function tenantBody(id = "springfield-usd", overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    displayName: "Springfield Unified",
    cleverDistrictId: DISTRICT_ID,
    syncSchedule: "0 0 */6 * * *",
    settings: { pageSize: 500, resources: ["schools", "users"] },
    ...overrides,
  };
}

/** A fresh valid table name so tests sharing one Azurite never see each other's rows. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, "").slice(0, 16)}`;
}

/** A clock that moves one second per reading, so createdAt/updatedAt differ predictably. */
export function steppingClock(start = Date.UTC(2026, 0, 5, 8, 0, 0)): () => Date {
  let next = start;
  return () => {
    const now = new Date(next);
    next += 1000;
    return now;
  };
}

export function rawTable(connectionString: string, tableName: string): TableClient {
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
}

/** Every row of a table, straight from Azure Tables (bypassing the code under test). */
export async function rawRows(connectionString: string, tableName: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of rawTable(connectionString, tableName).listEntities<Record<string, unknown>>()) rows.push(row);
  return rows;
}

/** Awaits a promise expected to reject and returns the error for detailed assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected the promise to reject, but it resolved");
}
