/**
 * How many rows one store transaction may write, independent of Clever's page size.
 *
 * A page is up to 10,000 records, and a section page also carries every enrollment of its
 * sections (≈250,000 rows for a first sync of 10,000 sections). In one SQL Server transaction that
 * takes well over 5,000 key locks, which escalates to a table lock ("Lock escalation":
 * https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock-escalation)
 * and blocks every other tenant's writes to the table, and it fills a small serverless log. So
 * writes go in transactions of at most this many rows. Each transaction is idempotent on its own
 * (upserts keyed by id, sweeps guarded by run_id/deleted_at), so a failure after some committed
 * and a durable retry of the whole page end in the same state as one big transaction would.
 */
import { StoreInputError } from "./errors";
import type { PreparedRow } from "./normalize";

export const DEFAULT_MAX_ROWS_PER_TRANSACTION = 2000;

export function checkMaxRowsPerTransaction(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ROWS_PER_TRANSACTION;
  if (!Number.isInteger(value) || value < 1) throw new StoreInputError("maxRowsPerTransaction", "must be a whole number of at least 1");
  return value;
}

/** Rows a prepared record writes: itself plus, for a section, its enrollments, for a user its schools and contacts' students. */
export function rowWeight(row: PreparedRow): number {
  return 1 + (row.enrollments?.length ?? 0) + (row.schools?.length ?? 0) + (row.contacts?.length ?? 0);
}

/**
 * Consecutive groups whose weights sum to at most `max`; an item heavier than `max` forms a group
 * of its own (a section and its enrollments are replaced together, never split across transactions).
 */
export function transactionChunks<T>(items: readonly T[], max: number, weight: (item: T) => number = () => 1): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let load = 0;
  for (const item of items) {
    const w = weight(item);
    if (current.length > 0 && load + w > max) {
      out.push(current);
      current = [];
      load = 0;
    }
    current.push(item);
    load += w;
  }
  if (current.length > 0) out.push(current);
  return out;
}
