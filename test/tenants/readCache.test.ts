/**
 * Tenant reads are remembered for a short time (TenantRegistry readCacheMs): the API reads its
 * tenant on every request. Writes here are seen at once, another process's within readCacheMs, and
 * read-modify-write never works from a remembered read.
 */
import { TenantRegistry } from "../../lib/tenants";
import { type AzuriteTables, startAzurite } from "../helpers/azurite";
import { DISTRICT_ID, uniqueTableName } from "./fixtures";

let azurite: AzuriteTables;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

/** Two registries on one table: two instances of the app. */
function twoInstances(readCacheMs: number): [TenantRegistry, TenantRegistry] {
  const tableName = uniqueTableName("cache");
  const make = () => new TenantRegistry({ connectionString: azurite.connectionString, allowInsecureConnection: true, tableName, readCacheMs });
  return [make(), make()];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("another instance's change is seen once readCacheMs has passed, this instance's own at once", async () => {
  const [a, b] = twoInstances(300);
  await a.create({ id: "demo", displayName: "First", cleverDistrictId: DISTRICT_ID });
  expect((await b.get("demo")).displayName).toBe("First");
  await a.update("demo", { displayName: "Second" });
  expect((await a.get("demo")).displayName).toBe("Second");
  expect((await b.get("demo")).displayName).toBe("First"); // remembered, at most 300 ms old
  await sleep(350);
  expect((await b.get("demo")).displayName).toBe("Second");
});

it("an update from an instance holding an old read applies to the latest version, keeping the other change", async () => {
  const [a, b] = twoInstances(60_000);
  await a.create({ id: "demo", displayName: "First", cleverDistrictId: DISTRICT_ID });
  await b.get("demo"); // b remembers the first version
  await a.update("demo", { displayName: "Renamed by a" });
  const updated = await b.update("demo", { enabled: false });
  expect(updated).toMatchObject({ displayName: "Renamed by a", enabled: false });
  expect(await a.update("demo", { syncSchedule: "0 0 3 * * *" })).toMatchObject({ displayName: "Renamed by a", enabled: false });
});

it("a deleted tenant is gone here at once, and concurrent reads share one table read", async () => {
  const [a] = twoInstances(60_000);
  await a.create({ id: "demo", displayName: "First", cleverDistrictId: DISTRICT_ID });
  const readRow = jest.spyOn(a as unknown as { readRow(id: string): Promise<unknown> }, "readRow");
  (a as unknown as { recent: Map<string, unknown> }).recent.clear();
  const reads = await Promise.all(Array.from({ length: 50 }, () => a.find("demo")));
  expect(new Set(reads.map((t) => t?.displayName))).toEqual(new Set(["First"]));
  expect(readRow).toHaveBeenCalledTimes(1);
  await a.remove("demo");
  expect(await a.find("demo")).toBeUndefined();
});

it("readCacheMs 0 reads the table every time", async () => {
  const [a, b] = twoInstances(0);
  await a.create({ id: "demo", displayName: "First", cleverDistrictId: DISTRICT_ID });
  await b.get("demo");
  await a.update("demo", { displayName: "Second" });
  expect((await b.get("demo")).displayName).toBe("Second");
});

it("ids nobody has do not pile up: at most 10,000 reads are remembered", async () => {
  const [a] = twoInstances(60_000);
  // Only the table read is stood in for: 10,001 round trips to Azurite would prove nothing more.
  jest.spyOn(a as unknown as { readRow(id: string): Promise<undefined> }, "readRow").mockResolvedValue(undefined);
  for (let i = 0; i <= 10_000; i++) expect(await a.find(`probe-${i}`)).toBeUndefined();
  expect((a as unknown as { recent: Map<string, unknown> }).recent.size).toBeLessThanOrEqual(10_000);
});
