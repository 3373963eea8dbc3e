import { PassThrough } from "node:stream";
import { createSyncProgress, expectedTotals } from "../../lib/cli/progress";
import { SqliteRosterStore } from "../../lib/store";

test("bar totals are the records of the tenant's last completed full run, per resource", async () => {
  const store = new SqliteRosterStore({ filename: ":memory:" });
  await store.migrate();
  try {
    expect(await expectedTotals(store, "demo")).toEqual({});
    const counts = (users: number) => ({ users: { resource: "users", records: users, pages: 1 }, schools: { resource: "schools", records: 3, pages: 1 } });
    await store.startRun({ runId: "r1", tenantId: "demo", mode: "full", status: "running", startedAt: "2026-11-28T10:00:00.000Z" });
    await store.finishRun("demo", "r1", { status: "completed", finishedAt: "2026-11-28T10:01:00.000Z", counts: counts(2000), error: null });
    await store.startRun({ runId: "r2", tenantId: "demo", mode: "full", status: "running", startedAt: "2026-11-28T11:00:00.000Z" });
    await store.finishRun("demo", "r2", { status: "failed", finishedAt: "2026-11-28T11:01:00.000Z", counts: counts(10), error: "boom" });
    expect(await expectedTotals(store, "demo")).toEqual({ users: 2000, schools: 3 });
  } finally {
    await store.close();
  }
});

test("with a known total the bar shows count of the estimate, a percentage and an ETA; without one, records only", async () => {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const progress = createSyncProgress(stream, { users: 2000 }, { forceOutput: true });
  progress.update([{ resource: "users", state: "running", pages: 1, records: 500 }, { resource: "sections", state: "running", pages: 1, records: 40 }]);
  await new Promise((r) => setTimeout(r, 150));
  progress.update([{ resource: "users", state: "running", pages: 2, records: 1000 }, { resource: "sections", state: "running", pages: 2, records: 80 }]);
  progress.stop();
  expect(text).toMatch(/users\s+\|[^|]+\| 1000\/~2000 records 50%, 2 pages, ETA \S+ running/);
  expect(text).toMatch(/sections\s+\|[^|]+\| 80 records, 2 pages running/);
});
