/** Record-by-record comparison of a tenant's mirrored resource with the simulator's ground truth. */
import type { CleverSimulator } from "../../lib/simulator";
import type { RosterResource, RosterStore } from "../../lib/store";

export async function compareResource(
  simulator: CleverSimulator,
  store: RosterStore,
  tenantId: string,
  resource: RosterResource,
  apiVersion: "v3.0" | "v3.1" = "v3.0",
): Promise<string[]> {
  const problems: string[] = [];
  const truth = simulator.groundTruth(resource, { apiVersion })[Symbol.asyncIterator]();
  const mirror = store.rows(tenantId, resource)[Symbol.asyncIterator]();
  let expected = await truth.next();
  let actual = await mirror.next();
  while (!expected.done || !actual.done) {
    if (problems.length > 10) break;
    if (actual.done || (!expected.done && expected.value.id < actual.value.cleverId)) {
      problems.push(`${resource} ${expected.value!.id}: in Clever, missing from the database`);
      expected = await truth.next();
    } else if (expected.done || actual.value.cleverId < expected.value.id) {
      problems.push(`${resource} ${actual.value.cleverId}: live in the database, not in Clever`);
      actual = await mirror.next();
    } else {
      if (JSON.stringify(sortKeys(JSON.parse(actual.value.raw))) !== JSON.stringify(sortKeys(expected.value))) {
        problems.push(`${resource} ${expected.value.id}: database copy differs from Clever`);
      }
      expected = await truth.next();
      actual = await mirror.next();
    }
  }
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}
