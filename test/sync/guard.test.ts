/**
 * The deletion and change guard end to end: a full listing far smaller than the mirror (30% of
 * users gone, or none at all) applies nothing it would delete; the run is held, says why
 * (custom status, run summary, SyncHeld event, health), and waits for a person: approve → the
 * records are soft-deleted, reject → kept; both audited. A page that is not a Clever envelope
 * never turns into deletions either.
 */
import { HELD_SYNCS_CHECK } from "../../lib/health/checks";
import { healthChecks } from "../../lib/health/fromServices";
import { KeeperReaderSlot } from "../../lib/health/keeperStatus";
import { startSyncWorld, SyncWorld, TENANT } from "./harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await world.host.fetch(path, { key: world.host.keys.functionKey, ...init } as never);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function heldCheck() {
  return healthChecks(world.services, new KeeperReaderSlot())[HELD_SYNCS_CHECK];
}

async function userIds(n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const user of world.simulator.groundTruth("users")) {
    ids.push(user.id);
    if (ids.length === n) break;
  }
  return ids;
}

test("30% of users gone: held with 0 deleted; approve deletes them, a second drop is rejected and kept, an empty list is held; all audited", async () => {
  world = await startSyncWorld({ users: 500 });
  expect((await world.sync("full", "run-1")).runtimeStatus).toBe("Completed");
  const store = await world.services.stores.storeFor(TENANT);

  // A users page that is not a Clever envelope fails the run: nothing is deleted.
  world.simulator.setFaults({ malformedPages: [{ resource: "users", page: 1, kind: "bad-envelope" }] });
  expect((await world.sync("full", "run-1b")).runtimeStatus).toBe("Failed");
  expect((await store.counts(TENANT)).users).toEqual({ live: 500, deleted: 0 });
  world.simulator.clearFaults();

  // 30% of users disappear between two full syncs.
  const gone = await userIds(150);
  for (const id of gone) world.simulator.remove("users", id);
  const held = await world.sync("full", "run-2");
  expect(held.runtimeStatus).toBe("Completed");
  expect(held.output).toMatchObject({ status: "held" });
  expect(held.customStatus).toMatchObject({ phase: "held", held: { reasons: [expect.stringMatching(/^users: 150 of 500 \(30%\) would be deleted, more than the 10% threshold/)], review: `GET /api/tenants/${TENANT}/held` } });
  expect((await store.counts(TENANT)).users).toEqual({ live: 500, deleted: 0 });
  expect((await store.listRuns(TENANT, 1))[0]).toMatchObject({ runId: "run-2", status: "held" });
  expect(world.telemetry.of("event").filter((e) => e.name === "SyncHeld")).toHaveLength(1);
  const degraded = await (await heldCheck())!(new AbortController().signal);
  expect(degraded).toMatchObject({ status: "Degraded", description: expect.stringContaining("users: 150 of 500") });

  const list = await api(`/api/tenants/${TENANT}/held`);
  expect(list.status).toBe(200);
  const [view] = list.body.held as { runId: string; status: string; resources: Record<string, { wouldDelete: number; live: number }>; samples: Record<string, string[]> }[];
  expect(view).toMatchObject({ runId: "run-2", status: "held", resources: { users: { wouldDelete: 150, live: 500 } } });
  expect(view!.samples.users).toHaveLength(10);
  for (const id of view!.samples.users!) expect(gone).toContain(id);

  const approved = await api(`/api/tenants/${TENANT}/held/run-2/approve`, { method: "POST", headers: { "x-cleversync-actor": "ops@shelbyville.example", "content-type": "application/json" }, body: JSON.stringify({ note: "school closed" }) });
  expect(approved).toMatchObject({ status: 200, body: { runId: "run-2", status: "approved", decidedBy: "function-key (says: ops@shelbyville.example)", deleted: { users: 150 } } });
  expect(await world.differences()).toEqual([]);
  expect((await api(`/api/tenants/${TENANT}/held/run-2/approve`, { method: "POST" })).status).toBe(409);
  expect((await api(`/api/tenants/${TENANT}/held/no-such-run/reject`, { method: "POST" })).status).toBe(404);
  expect(await (await heldCheck())!(new AbortController().signal)).toMatchObject({ status: "Healthy" });

  // Another 30% go: held, then rejected → kept.
  const gone2 = await userIds(105);
  for (const id of gone2) world.simulator.remove("users", id);
  expect((await world.sync("full", "run-3")).output).toMatchObject({ status: "held" });
  const rejected = await api(`/api/tenants/${TENANT}/held/run-3/reject`, { method: "POST" });
  expect(rejected).toMatchObject({ status: 200, body: { status: "rejected", deleted: {} } });
  expect((await store.counts(TENANT)).users).toEqual({ live: 350, deleted: 150 });

  // A valid but empty users list (every user gone at once) is held too, never applied.
  for (const id of await userIds(1000)) world.simulator.remove("users", id);
  const empty = await world.sync("full", "run-4");
  expect(empty.output).toMatchObject({ status: "held" });
  expect((await store.counts(TENANT)).users).toEqual({ live: 350, deleted: 150 });

  const audit = await api(`/api/tenants/${TENANT}/audit`);
  expect(audit.status).toBe(200);
  expect((audit.body.entries as { action: string; target: string; actor: string; details: Record<string, unknown> }[]).map((e) => [e.action, e.target, e.actor])).toEqual([
    ["held.reject", "run-3", "function-key"],
    ["held.approve", "run-2", "function-key (says: ops@shelbyville.example)"],
  ]);
}, 180_000);
