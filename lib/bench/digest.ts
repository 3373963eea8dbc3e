/**
 * A benchmark that measured a wrong sync measured nothing: after each sync the bench compares the
 * database with the simulator's ground truth through one digest per resource (count + SHA-256 of
 * every live record in id order, keys sorted), computed on each side in its own process.
 */
import { createHash } from "node:crypto";

export interface ResourceDigest {
  count: number;
  sha256: string;
}

export type RosterDigest = Record<string, ResourceDigest>;

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** Digest of records given in id order. */
export async function digestOf(records: AsyncIterable<unknown>): Promise<ResourceDigest> {
  const hash = createHash("sha256");
  let count = 0;
  for await (const record of records) {
    hash.update(JSON.stringify(sortKeys(record)));
    hash.update("\n");
    count++;
  }
  return { count, sha256: hash.digest("hex") };
}

/** Resource names whose digests differ (missing on either side counts as different). */
export function digestDifferences(expected: RosterDigest, actual: RosterDigest): string[] {
  const names = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  const problems: string[] = [];
  for (const name of [...names].sort()) {
    const e = expected[name];
    const a = actual[name];
    if (!e || !a) problems.push(`${name}: ${e ? "missing from the database" : "not in Clever"}`);
    else if (e.count !== a.count) problems.push(`${name}: ${a.count} live rows, Clever has ${e.count}`);
    else if (e.sha256 !== a.sha256) problems.push(`${name}: same count (${a.count}) but contents differ`);
  }
  return problems;
}
