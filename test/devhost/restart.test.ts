/**
 * Durable state that survives a restart, as the host's task hub does: a second devhost on the
 * same instance store resumes what the first left in flight.
 */
import "./fixtures/app";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flakyCalls } from "./fixtures/app";
import { DevHost, HistoryEventType, InstanceStore, MemoryInstanceStore, SqliteInstanceStore } from "../../lib/devhost";

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function restartDuringActivities(store: () => InstanceStore): Promise<void> {
  const first = await DevHost.start({ store: store() });
  // Activities that never report back: the process "dies" while they run.
  first.replaceActivity("double", () => new Promise(() => undefined));
  const id = first.startNew("fanOut", { instanceId: "resume-me", input: 3 });
  await settle();
  expect(first.getStatus(id)?.runtimeStatus).toBe("Running");
  await first.stop();

  const second = await DevHost.start({ store: store() });
  try {
    expect(second.resumed).toEqual([id]);
    const status = await second.runToCompletion(id);
    expect(status).toMatchObject({ instanceId: id, runtimeStatus: "Completed", output: 12 });
    // The same execution went on: its three activities were scheduled once, under the same ids.
    const scheduled = second.history(id).filter((e) => e.EventType === HistoryEventType.TaskScheduled);
    expect(scheduled.map((e) => e.EventId)).toEqual([0, 1, 2]);
  } finally {
    await second.stop();
  }
}

test("in memory: an instance whose activities were running resumes and completes on the next host", async () => {
  const memory = new MemoryInstanceStore();
  await restartDuringActivities(() => memory);
});

test("in SQLite: the same, across two store handles on one file", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "devhost-state-")), "state.sqlite");
  await restartDuringActivities(() => new SqliteInstanceStore(file));
});

test("a pending retry timer is re-armed after a restart", async () => {
  const memory = new MemoryInstanceStore();
  flakyCalls.delete("restart");
  const first = await DevHost.start({ store: memory });
  const id = first.startNew("retrying", { input: { key: "restart", failuresBeforeSuccess: 1, attempts: 3 } });
  await first.runUntilIdle();
  expect(first.history(id).some((e) => e.EventType === HistoryEventType.TimerCreated)).toBe(true);
  await first.stop();

  const second = await DevHost.start({ store: memory });
  try {
    expect(second.engine.nextTimerAt()).toBeDefined();
    const status = await second.runToCompletion(id);
    expect(status.output).toBe("ok after 2 calls");
  } finally {
    await second.stop();
  }
});

test("finished and purged instances are kept and forgotten as the store says", async () => {
  const memory = new MemoryInstanceStore();
  const first = await DevHost.start({ store: memory });
  const done = first.startNew("fanOut", { instanceId: "done", input: 1 });
  const purged = first.startNew("fanOut", { instanceId: "purged", input: 1 });
  await first.runToCompletion(done);
  await first.runToCompletion(purged);
  first.engine.purge(purged);
  await first.stop();
  const second = await DevHost.start({ store: memory });
  try {
    expect(second.resumed).toEqual([]);
    expect(second.getStatus(done)).toMatchObject({ runtimeStatus: "Completed", output: 2 });
    expect(second.getStatus(purged)).toBeUndefined();
  } finally {
    await second.stop();
  }
});

test("a child that finished while its parent never stored the result: the result is delivered after the restart", async () => {
  // A store that never takes a parent snapshot holding the child's result: the process "died"
  // after the child was written and before the parent was.
  const memory = new MemoryInstanceStore();
  let dropped = 0;
  const store: InstanceStore = {
    loadAll: () => memory.loadAll(),
    save: (id, snapshot) => {
      const state = JSON.parse(snapshot) as { inbox: { EventType: number }[]; execution: { history: { EventType: number }[] } };
      const hasResult = [...state.inbox, ...state.execution.history].some((e) => e.EventType === HistoryEventType.SubOrchestrationInstanceCompleted);
      if (id === "p2" && hasResult) {
        dropped++;
        return;
      }
      memory.save(id, snapshot);
    },
    delete: (id) => memory.delete(id),
    close: () => undefined,
  };
  const first = await DevHost.start({ store });
  first.startNew("parent", { instanceId: "p2" });
  await first.runUntilIdle();
  await first.stop();
  expect(dropped).toBeGreaterThan(0);
  const stored = memory.loadAll().map((t) => JSON.parse(t) as { instanceId: string; status: string });
  expect(stored.find((i) => i.instanceId === "p2:child")?.status).toBe("Completed");

  const second = await DevHost.start({ store: memory });
  try {
    expect(second.resumed).toContain("p2");
    const status = await second.runToCompletion("p2");
    expect(status.output).toEqual({ ok: 11, failed: expect.stringContaining("negative input") });
  } finally {
    await second.stop();
  }
});
