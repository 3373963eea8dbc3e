/**
 * Simulator ground truth → mapping → SQLite and back: after a full sync the stored rows equal what
 * the simulator serves, and a second sync after changes counts, stamps and soft-deletes exactly the changes.
 */
import type { CleverSection } from "../../lib/clever/types";
import { CleverSimulator, ROSTER_KINDS, type RosterKind } from "../../lib/simulator";
import { SqliteRosterStore, type RosterRow, type RosterStore, type UpsertCounts } from "../../lib/store";
import { mapRecord } from "../../lib/sync/mapping";

const TENANT = "demo";

/** A full sync of one resource the way lib/sync does it: pages of `pageSize` rows, then the sweep. */
async function syncResource(store: RosterStore, simulator: CleverSimulator, kind: RosterKind, runId: string, at: string, pageSize = 200): Promise<UpsertCounts & { deleted: number }> {
  const total = { inserted: 0, updated: 0, unchanged: 0, restored: 0, deleted: 0 };
  let page: RosterRow[] = [];
  const flush = async () => {
    const counts = await store.upsert(TENANT, kind, page, { runId, syncedAt: at });
    total.inserted += counts.inserted;
    total.updated += counts.updated;
    total.unchanged += counts.unchanged;
    total.restored += counts.restored;
    page = [];
  };
  for await (const record of simulator.groundTruth(kind)) {
    const mapped = mapRecord(kind, record);
    if (!mapped.ok) throw new Error(mapped.reason);
    page.push(mapped.row);
    if (page.length === pageSize) await flush();
  }
  await flush();
  total.deleted = await store.softDeleteMissing(TENANT, kind, runId, at);
  return total;
}

it("mirrors the simulator's district and then only its changes", async () => {
  const simulator = new CleverSimulator({ seed: 3, users: 500, contacts: true });
  const store = new SqliteRosterStore({ filename: ":memory:" });
  await store.migrate();

  for (const kind of ROSTER_KINDS) await syncResource(store, simulator, kind, "run-1", "2024-09-01T00:00:00Z");
  for (const kind of ROSTER_KINDS) {
    const truth: string[] = [];
    for await (const record of simulator.groundTruth(kind)) truth.push(JSON.stringify(record));
    const stored: string[] = [];
    for await (const row of store.rows(TENANT, kind)) stored.push(row.raw);
    expect([kind, stored]).toEqual([kind, truth]);
  }
  const [section] = simulator.district().records("sections") as Generator<CleverSection>;
  expect((await store.enrollments(TENANT, section!.id)).length).toBe(section!.students!.length + section!.teachers!.length);

  // Clever changes: one user updated, one removed, one section created.
  const district = simulator.district();
  simulator.update("users", district.idAt("users", 450), { email: "moved@example.org" });
  simulator.remove("users", district.idAt("users", 451));
  const created = simulator.create("sections", { school: section!.school, name: "New Section", students: [district.idAt("users", 452)], teachers: [] });

  expect(await syncResource(store, simulator, "users", "run-2", "2024-09-02T00:00:00Z")).toEqual({ inserted: 0, updated: 1, unchanged: 499 - 1, restored: 0, deleted: 1 });
  expect(await syncResource(store, simulator, "sections", "run-2", "2024-09-02T00:00:00Z")).toMatchObject({ inserted: 1, updated: 0, deleted: 0 });
  expect(await store.enrollments(TENANT, created.id)).toEqual([{ userId: district.idAt("users", 452), role: "student" }]);
  const counts = await store.counts(TENANT);
  expect(counts.users).toEqual({ live: 499, deleted: 1 });
  expect(counts.sections.live).toBe(simulator.district().count("sections"));
  await store.close();
});
