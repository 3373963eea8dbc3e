/**
 * Multi-school membership (user_schools) and contacts' student relationships
 * (contact_relationships) after a full sync equal Clever's ground truth, and follow Clever: a user
 * moving schools and a contact losing a student are soft-deleted by the next sync and restored,
 * in place, when they come back. Field names: Clever/swagger-api v3.0.yml (Student/Teacher.school
 * and .schools, Staff.schools, Contact.student_relationships → StudentRelationship).
 */
import type { RosterStore } from "../../lib/store";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

type Rec = Record<string, unknown> & { id: string; roles: Record<string, Record<string, unknown> | undefined> };

function expectedSchools(user: Rec): string[] {
  const { student, teacher, staff } = user.roles;
  const ids = [student?.school, ...((student?.schools as string[]) ?? []), teacher?.school, ...((teacher?.schools as string[]) ?? []), ...((staff?.schools as string[]) ?? [])];
  return [...new Set(ids.filter((id): id is string => typeof id === "string"))].sort();
}

function expectedContacts(user: Rec): { studentId: string; relationship: unknown; type: unknown }[] {
  const rels = (user.roles.contact?.student_relationships as { student: string; relationship?: string; type?: string }[] | undefined) ?? [];
  return rels.map((r) => ({ studentId: r.student, relationship: r.relationship ?? null, type: r.type ?? null })).sort((a, b) => (a.studentId < b.studentId ? -1 : 1));
}

/** Every user's live links against the simulator's users; returns the differences and how many contacts/relationships were compared. */
async function linkDifferences(store: RosterStore): Promise<{ problems: string[]; memberships: number; relationships: number }> {
  const problems: string[] = [];
  let memberships = 0;
  let relationships = 0;
  for await (const record of world.simulator.groundTruth("users")) {
    const user = record as unknown as Rec;
    const schools = (await store.userSchools(TENANT, user.id)).map((s) => s.schoolId);
    const contacts = (await store.contactRelationships(TENANT, user.id)).map(({ studentId, relationship, type }) => ({ studentId, relationship, type }));
    memberships += schools.length;
    relationships += contacts.length;
    if (JSON.stringify(schools) !== JSON.stringify(expectedSchools(user))) problems.push(`user ${user.id}: schools ${schools.join(",")} != ${expectedSchools(user).join(",")}`);
    if (JSON.stringify(contacts) !== JSON.stringify(expectedContacts(user))) problems.push(`user ${user.id}: contacts differ`);
  }
  return { problems, memberships, relationships };
}

test("a full sync leaves user_schools and contact relationships equal to Clever; moves and lost students are soft-deleted, then restored", async () => {
  world = await startSyncWorld({ users: 1200 }); // two schools (a school per 500 students)
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);
  const first = await linkDifferences(store);
  expect(first.problems).toEqual([]);
  expect(first.memberships).toBeGreaterThan(200);
  expect(first.relationships).toBeGreaterThan(0);

  // Pick a student, a second school, and a contact.
  const schoolIds: string[] = [];
  for await (const s of world.simulator.groundTruth("schools")) schoolIds.push(s.id);
  let student: Rec | undefined;
  let contact: Rec | undefined;
  for await (const record of world.simulator.groundTruth("users")) {
    const user = record as unknown as Rec;
    if (!student && user.roles.student) student = user;
    if (!contact && ((user.roles.contact?.student_relationships as unknown[]) ?? []).length > 0) contact = user;
  }
  const home = expectedSchools(student!)[0]!;
  const other = schoolIds.find((id) => id !== home)!;
  expect(other).toBeDefined();
  const lostStudent = (contact!.roles.contact!.student_relationships as { student: string }[])[0]!.student;

  // The student moves schools; the contact loses its student.
  world.simulator.update("users", student!.id, { roles: { ...student!.roles, student: { ...student!.roles.student, school: other, schools: [other] } } });
  world.simulator.update("users", contact!.id, { roles: { ...contact!.roles, contact: { ...contact!.roles.contact, student_relationships: [] } } });
  expect((await world.sync("full", "run-2")).runtimeStatus).toBe("Completed");
  expect((await linkDifferences(store)).problems).toEqual([]);
  const moved = await store.userSchools(TENANT, student!.id, { includeDeleted: true });
  expect(moved).toHaveLength(2);
  expect(moved.find((s) => s.schoolId === home)!.deletedAt).not.toBeNull();
  expect(moved.find((s) => s.schoolId === other)!.deletedAt).toBeNull();
  expect(await store.userSchools(TENANT, student!.id)).toEqual([{ schoolId: other, deletedAt: null }]);
  expect(await store.contactRelationships(TENANT, contact!.id)).toEqual([]);
  const gone = await store.contactRelationships(TENANT, contact!.id, { includeDeleted: true });
  expect(gone).toHaveLength(1);
  expect(gone[0]!.studentId).toBe(lostStudent);
  expect(gone[0]!.deletedAt).not.toBeNull();

  // Both come back: the same rows are restored (deleted_at cleared), the move's school soft-deleted.
  world.simulator.update("users", student!.id, { roles: student!.roles });
  world.simulator.update("users", contact!.id, { roles: contact!.roles });
  expect((await world.sync("full", "run-3")).runtimeStatus).toBe("Completed");
  expect((await linkDifferences(store)).problems).toEqual([]);
  const back = await store.userSchools(TENANT, student!.id, { includeDeleted: true });
  expect(back.find((s) => s.schoolId === home)!.deletedAt).toBeNull();
  expect(back.find((s) => s.schoolId === other)!.deletedAt).not.toBeNull();
  expect(await store.contactRelationships(TENANT, contact!.id, { includeDeleted: true })).toEqual([{ ...expectedContacts(contact!)[0], deletedAt: null }]);
  expect(await world.differences()).toEqual([]);
}, 180_000);
