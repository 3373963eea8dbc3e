/**
 * Starting syncs from everywhere at once: 1,000 concurrent POST /api/tenants/{id}/sync answer only
 * 202 or 409 (never 500), runs never overlap, and the mirror ends equal to Clever. A run another
 * process holds (its lease row in the same database) makes the API answer 409 naming it.
 */
import { Agent } from "undici";
import { SqliteRosterStore } from "../../lib/store";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

let world: SyncWorld;
afterEach(async () => {
  await world?.stop();
});

test("1,000 concurrent sync starts: only 202 and 409, one run at a time, and the mirror equals Clever", async () => {
  world = await startSyncWorld({ users: 1000, pageSize: 100 });
  world.simulator.updateFaults({ latencyMs: 20 }); // a run lasts while the requests arrive
  // All 1,000 requests are in flight at once, over at most 200 sockets: 1,000 simultaneous connects
  // overflow the local test server's listen backlog (511) and get reset before any HTTP exchange,
  // which tests the kernel, not the app (Azure's front end queues connections).
  const dispatcher = new Agent({ connections: 200 });
  const post = async () => {
    const response = await world.host.fetch(`/api/tenants/${TENANT}/sync`, { method: "POST", key: world.host.keys.functionKey, headers: { "content-type": "application/json" }, body: JSON.stringify({ mode: "full" }), dispatcher } as never);
    const body = (await response.json()) as { id?: string; instanceId?: string; detail?: string };
    return { status: response.status, instanceId: body.id ?? body.instanceId, detail: body.detail };
  };
  const answers = await Promise.all(Array.from({ length: 1000 }, post)).finally(() => dispatcher.close());
  const byStatus: Record<number, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  // Anything else is shown with its problem detail, so a failure says what went wrong.
  expect({ byStatus, others: answers.filter((a) => a.status !== 202 && a.status !== 409).slice(0, 3) }).toEqual({ byStatus: expect.any(Object), others: [] });
  expect(byStatus[202]).toBeGreaterThanOrEqual(1);
  // Every 409 names a run that was started (a 202 of this batch).
  const started = new Set(answers.filter((a) => a.status === 202).map((a) => a.instanceId));
  for (const a of answers.filter((x) => x.status === 409)) expect(started).toContain(a.instanceId);
  for (const id of started) await world.host.runToCompletion(id!, { maxVirtualMs: 30 * 60_000 });
  world.simulator.clearFaults();
  expect(await world.differences()).toEqual([]);
  const store = await world.services.stores.storeFor(TENANT);
  const runs = (await store.listRuns(TENANT, 1000)).sort((x, y) => x.startedAt.localeCompare(y.startedAt));
  expect(runs.length).toBe(started.size);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt >= runs[i - 1]!.finishedAt!).toBe(true);
}, 180_000);

test("a sync another process is running on the same database makes the API answer 409 naming it", async () => {
  world = await startSyncWorld({ users: 50 });
  const other = new SqliteRosterStore({ filename: world.services.settings.SQLITE_PATH });
  await other.migrate();
  try {
    const now = new Date(world.host.clock.now()).toISOString();
    expect((await other.acquireLease(TENANT, { runId: "20260105T080000.000Z-cli-abcdef", instanceId: `sync:${TENANT}:20260105T080000.000Z-cli-abcdef`, now, ttlMs: 600_000 })).acquired).toBe(true);
    const response = await world.host.fetch(`/api/tenants/${TENANT}/sync`, { method: "POST", key: world.host.keys.functionKey } as never);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ title: "Sync already running", instanceId: `sync:${TENANT}:20260105T080000.000Z-cli-abcdef` });
    // Released by its holder: the next start goes through.
    await other.releaseLease(TENANT, "20260105T080000.000Z-cli-abcdef");
    const next = await world.host.fetch(`/api/tenants/${TENANT}/sync`, { method: "POST", key: world.host.keys.functionKey } as never);
    expect(next.status).toBe(202);
    await world.host.runToCompletion(((await next.json()) as { id: string }).id, { maxVirtualMs: 30 * 60_000 });
  } finally {
    await other.close();
  }
}, 60_000);
