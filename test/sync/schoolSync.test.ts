/**
 * On-demand sync of one school (issue 14): after a full sync, Clever changes records in two
 * schools; a school sync of one of them applies only that school's changes, soft-deletes what was
 * removed from it, and leaves another school's removed records live (only a full sync may delete them).
 */
import type { CleverRecord } from "../../lib/clever";
import type { ResourceResult, SyncStatus } from "../../lib/sync/types";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

async function all(kind: "schools" | "sections" | "users"): Promise<CleverRecord[]> {
  const out: CleverRecord[] = [];
  for await (const record of world.simulator.groundTruth(kind)) out.push(record);
  return out;
}

/** A student of exactly this school (the school sync's sweep scope is the row's school_id). */
function studentOnlyOf(users: CleverRecord[], school: string): CleverRecord {
  const found = users.find((u) => {
    const roles = u.roles as { student?: { school?: string; schools?: string[] }; teacher?: unknown; staff?: unknown } | undefined;
    const s = roles?.student;
    return s && !roles.teacher && !roles.staff && s.school === school && (s.schools ?? [school]).every((id) => id === school);
  });
  if (!found) throw new Error(`no student only of school ${school}`);
  return found;
}

test("a school sync applies only that school's changes and deletes only that school's removed records", async () => {
  // About 500 students per simulated school (lib/simulator/layout.ts): three schools.
  world = await startSyncWorld({ users: 1500 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);
  const stateAfterFull = await store.syncState(TENANT);

  const sections = await all("sections");
  const users = await all("users");
  // The two schools with the most sections: a one-record change stays far under the guard's shares.
  const bySchool = new Map<string, CleverRecord[]>();
  for (const s of sections) bySchool.set(String(s.school), [...(bySchool.get(String(s.school)) ?? []), s]);
  const [chosen, other] = [...bySchool.entries()].sort((a, b) => b[1].length - a[1].length).map(([id]) => id);
  expect(chosen && other).toBeTruthy();
  const [changedA, removedA] = bySchool.get(chosen!)!;
  const [changedB, removedB] = bySchool.get(other!)!;
  const studentA = studentOnlyOf(users, chosen!);
  const studentB = studentOnlyOf(users, other!);
  const movedStudent = studentOnlyOf(users.filter((u) => u.id !== studentA.id), chosen!);

  world.simulator.update("sections", changedA!.id, { name: "Renamed in the chosen school" });
  world.simulator.update("sections", changedB!.id, { name: "Renamed in another school" });
  world.simulator.remove("sections", removedA!.id);
  world.simulator.remove("sections", removedB!.id);
  world.simulator.remove("users", studentA.id);
  world.simulator.remove("users", studentB.id);
  // Left the chosen school for another one: gone from the school's list, not from Clever.
  const movedRoles = movedStudent.roles as { student: Record<string, unknown> };
  world.simulator.update("users", movedStudent.id, { roles: { ...movedRoles, student: { ...movedRoles.student, school: other, schools: [other] } } });

  const status = await world.sync("full", "run-2", chosen);
  expect(status.runtimeStatus).toBe("Completed");

  const row = async (kind: "sections" | "users", id: string) => {
    for await (const r of store.rows(TENANT, kind, { includeDeleted: true })) if (r.cleverId === id) return r;
    throw new Error(`${kind} ${id} not in the mirror`);
  };
  // The chosen school: its change applied, its removed section and student soft-deleted.
  expect(JSON.parse((await row("sections", changedA!.id)).raw).name).toBe("Renamed in the chosen school");
  expect((await row("sections", removedA!.id)).deletedAt).not.toBeNull();
  expect((await row("users", studentA.id)).deletedAt).not.toBeNull();
  // The student who moved is confirmed with Clever by id and kept, as Clever has them now.
  const moved = await row("users", movedStudent.id);
  expect(moved.deletedAt).toBeNull();
  expect(moved.columns.school_id).toBe(other);
  // Another school: nothing of it was read or deleted.
  expect(JSON.parse((await row("sections", changedB!.id)).raw).name).toBe(changedB!.name);
  expect((await row("sections", removedB!.id)).deletedAt).toBeNull();
  expect((await row("users", studentB.id)).deletedAt).toBeNull();

  // Only the school's resources ran, and the run names the school (output, custom status, run summary).
  const output = status.output as { school?: string; counts: Record<string, ResourceResult> };
  expect(output.school).toBe(chosen);
  expect(Object.keys(output.counts).sort()).toEqual(["schools", "sections", "users"]);
  expect(output.counts.sections!.deleted).toBe(1);
  expect(output.counts.users!.deleted).toBe(1);
  expect((status.customStatus as SyncStatus).school).toBe(chosen);
  const [run] = await store.listRuns(TENANT, 1);
  expect(run!.runId).toBe("run-2");
  expect((run!.counts as { plan: { school?: string } }).plan.school).toBe(chosen);
  // A school sync is no full sync of the tenant: incremental runs keep their base.
  expect((await store.syncState(TENANT))?.lastFullSyncAt).toBe(stateAfterFull?.lastFullSyncAt);

  // A full sync afterwards catches up with everything else.
  expect((await world.sync("full", "run-3")).runtimeStatus).toBe("Completed");
  expect(await world.differences()).toEqual([]);
}, 180_000);

test("a school Clever does not know fails the run at once, naming the school, with nothing deleted", async () => {
  world = await startSyncWorld({ users: 100 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);
  const before = await store.counts(TENANT);
  const status = await world.sync("full", "run-2", "0123456789abcdef01234567");
  expect(status.runtimeStatus).toBe("Failed");
  expect(JSON.stringify(status.output)).toContain("school 0123456789abcdef01234567 is not in Clever");
  expect(await store.counts(TENANT)).toEqual(before);
}, 120_000);

test("a school sync over the guard's share of that school holds; approving deletes only that school's rows", async () => {
  world = await startSyncWorld({ users: 1500 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);
  const schools: string[] = [];
  for await (const s of world.simulator.groundTruth("schools")) schools.push(s.id);
  const [chosen, other] = schools;
  const students = (await all("users")).filter((u) => (u.roles as { student?: { school?: string } }).student);
  const ofChosen = students.filter((u) => (u.roles as { student: { school: string } }).student.school === chosen);
  const ofOther = students.filter((u) => (u.roles as { student: { school: string } }).student.school === other);
  // 30% of the chosen school's students, and a few of another school's, are gone from Clever.
  const gone = ofChosen.slice(0, Math.ceil(ofChosen.length * 0.3));
  for (const u of gone) world.simulator.remove("users", u.id);
  for (const u of ofOther.slice(0, 3)) world.simulator.remove("users", u.id);

  const status = await world.sync("full", "run-2", chosen);
  expect((status.output as { status: string }).status).toBe("held");
  const [held] = await store.heldRuns(TENANT, { status: "held" });
  expect(held!.resources.users).toMatchObject({ school: chosen, wouldDelete: gone.length });

  const liveUsers = async () => (await store.counts(TENANT)).users.live;
  const before = await liveUsers();
  const decided = await store.decideHeld(TENANT, "run-2", { status: "approved", decidedAt: "2026-01-06T00:00:00.000Z", decidedBy: "test" });
  expect(decided!.deleted.users).toBe(gone.length);
  expect(await liveUsers()).toBe(before - gone.length);
  for await (const r of store.rows(TENANT, "users", { includeDeleted: true })) {
    if (ofOther.slice(0, 3).some((u) => u.id === r.cleverId)) expect(r.deletedAt).toBeNull();
  }
}, 180_000);
