/**
 * A record that reappears after being soft-deleted is restored (deleted_at cleared) and the run
 * summary counts it, for every resource; a section's dropped enrollment gets its own deleted_at and
 * comes back the same way.
 */
import { ALL_RESOURCES } from "../../lib/sync/catalogue";
import { mapRecord } from "../../lib/sync/mapping";
import type { ResourceResult } from "../../lib/sync/types";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

test("every resource: a soft-deleted record Clever lists again is restored and counted; a dropped enrollment is restored too", async () => {
  world = await startSyncWorld({ users: 300 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);

  // An earlier view of the mirror (as a run that missed them would leave it): one record of each resource soft-deleted ...
  const picked: Record<string, string> = {};
  for (const resource of ALL_RESOURCES) {
    for await (const row of store.rows(TENANT, resource)) {
      picked[resource] = row.cleverId;
      break;
    }
    expect(await store.softDelete(TENANT, resource, [picked[resource]!], { runId: "run-1", deletedAt: "2026-01-05T08:00:00.000Z" })).toBe(1);
  }
  // ... and a section seen without one of its students (its enrollment soft-deleted).
  let section: { id: string; students: string[] } | undefined;
  for await (const record of world.simulator.groundTruth("sections")) {
    if (record.id !== picked.sections && ((record.students as string[]) ?? []).length >= 2) {
      section = record as unknown as { id: string; students: string[] };
      break;
    }
  }
  const dropped = section!.students[0]!;
  const older = mapRecord("sections", { ...section!, students: section!.students.slice(1) } as never);
  if (!older.ok) throw new Error(older.reason);
  expect(await store.upsert(TENANT, "sections", [older.row], { runId: "run-1", syncedAt: "2026-01-05T08:00:00.000Z" })).toMatchObject({ enrollmentsRemoved: 1 });
  expect((await store.enrollments(TENANT, section!.id)).map((e) => e.userId)).not.toContain(dropped);
  const before = await world.differences();
  expect(before).toHaveLength(ALL_RESOURCES.length + 1); // one per resource, plus the section seen without a student

  const status = await world.sync("full", "run-2");
  expect(status.runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
  const counts = (status.output as { counts: Record<string, ResourceResult> }).counts;
  for (const resource of ALL_RESOURCES) expect([resource, counts[resource]!.restored]).toEqual([resource, 1]);
  expect(counts.sections!.enrollmentsRestored).toBe(1);
  expect((await store.enrollments(TENANT, section!.id)).map((e) => e.userId)).toContain(dropped);
  // The run summary in SQL carries the same history.
  const [run] = await store.listRuns(TENANT, 1);
  expect((run!.counts as Record<string, { restored: number }>).users!.restored).toBe(1);
}, 120_000);
