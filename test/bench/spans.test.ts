import { activitySpans, formatSpans } from "../../lib/bench/spans";

// Histories shaped as the devhost's engine writes them (lib/devhost/engine.ts, history.ts):
// TaskScheduled (4) / SubOrchestrationInstanceCreated (7) carry EventId, Name, Input (JSON text)
// and, for a child, InstanceId; completions (5, 6, 8, 9) point back through TaskScheduledId.
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const ev = (EventType: number, ms: number, fields: Record<string, unknown> = {}, EventId = -1) => ({ EventType, EventId, IsPlayed: false, Timestamp: at(ms), ...fields });

const root = [
  ev(0, 0, { Name: "syncTenant", Input: JSON.stringify({ tenantId: "t", mode: "full" }) }),
  ev(4, 1, { Name: "planSyncRun", Input: JSON.stringify({ tenantId: "t" }) }, 0),
  ev(5, 30, { TaskScheduledId: 0 }),
  ev(7, 31, { Name: "syncResourceRun", InstanceId: "exec1:1", Input: JSON.stringify({ tenantId: "t", resource: "sections" }) }, 1),
  ev(7, 31, { Name: "syncResourceRun", InstanceId: "exec1:2", Input: JSON.stringify({ tenantId: "t", resource: "users" }) }, 2),
  ev(8, 4000, { TaskScheduledId: 1 }),
  ev(9, 9000, { TaskScheduledId: 2 }),
  ev(4, 9001, { Name: "finishSyncRun", Input: JSON.stringify({ tenantId: "t" }) }, 3),
  ev(5, 9004, { TaskScheduledId: 3 }),
];
const children: Record<string, ReturnType<typeof ev>[]> = {
  "exec1:1": [ev(0, 32, { Name: "syncResourceRun", Input: JSON.stringify({ resource: "sections" }) }), ev(4, 33, { Name: "syncResource", Input: JSON.stringify({ tenantId: "t" }) }, 0), ev(5, 3990, { TaskScheduledId: 0 })],
  "exec1:2": [ev(0, 32, { Name: "syncResourceRun", Input: JSON.stringify({ resource: "users" }) }), ev(4, 34, { Name: "syncResource", Input: JSON.stringify({ tenantId: "t" }) }, 0), ev(6, 8990, { TaskScheduledId: 0 })],
};

describe("activitySpans", () => {
  test("includes each resource's sub-orchestration and the activities inside it, relative to the root's start", () => {
    const spans = activitySpans(root, (id) => children[id]);
    expect(spans).toEqual([
      { name: "planSyncRun", resource: undefined, kind: "activity", startMs: 1, ms: 29 },
      { name: "syncResourceRun", resource: "sections", kind: "sub-orchestration", startMs: 31, ms: 3969 },
      { name: "syncResource", resource: "sections", kind: "activity", startMs: 33, ms: 3957 },
      { name: "syncResourceRun (failed)", resource: "users", kind: "sub-orchestration", startMs: 31, ms: 8969 },
      { name: "syncResource (failed)", resource: "users", kind: "activity", startMs: 34, ms: 8956 },
      { name: "finishSyncRun", resource: undefined, kind: "activity", startMs: 9001, ms: 3 },
    ]);
  });

  test("a child whose history is unknown still yields its own span; unanswered tasks yield none", () => {
    const open = [...root.slice(0, 6), ev(4, 5000, { Name: "finishSyncRun" }, 3)];
    const spans = activitySpans(open);
    expect(spans.map((s) => `${s.kind}:${s.name}:${s.resource ?? "-"}`)).toEqual(["activity:planSyncRun:-", "sub-orchestration:syncResourceRun:sections"]);
  });

  test("formatSpans marks sub-orchestrations and names resources", () => {
    expect(formatSpans(activitySpans(root, (id) => children[id]).slice(0, 3))).toBe(
      "planSyncRun @1 ms +29 ms, [sub] syncResourceRun(sections) @31 ms +3969 ms, syncResource(sections) @33 ms +3957 ms",
    );
  });
});

describe("activitySpans on a real run's histories", () => {
  // A full sync through the real orchestrations on the devhost (test/sync/harness.ts): the spans
  // must see every resource's activity inside its sub-orchestration, not only plan/finish.
  let world: import("../sync/harness").SyncWorld | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  test("a full sync yields one syncResource span per resource, nested in its syncResourceRun", async () => {
    const { startSyncWorld } = await import("../sync/harness");
    const { ALL_RESOURCES } = await import("../../lib/sync/catalogue");
    world = await startSyncWorld({ users: 200 });
    const status = await world.sync("full", "run-1");
    expect(status.runtimeStatus).toBe("Completed");
    const host = world.host;
    type History = Array<Record<string, unknown>>;
    const spans = activitySpans(host.history(status.instanceId) as unknown as History, (id) => (host.getStatus(id) ? (host.history(id) as unknown as History) : undefined));
    const names = spans.map((s) => `${s.kind}:${s.name}`);
    expect(names[0]).toBe("activity:planSyncRun");
    expect(names[names.length - 1]).toBe("activity:finishSyncRun");
    const inner = spans.filter((s) => s.kind === "activity" && s.name === "syncResource");
    expect(inner.map((s) => s.resource).sort()).toEqual([...ALL_RESOURCES].sort());
    for (const s of inner) {
      const outer = spans.find((o) => o.kind === "sub-orchestration" && o.resource === s.resource)!;
      expect(outer.name).toBe("syncResourceRun");
      expect(s.startMs).toBeGreaterThanOrEqual(outer.startMs);
      expect(s.startMs + s.ms).toBeLessThanOrEqual(outer.startMs + outer.ms);
    }
  });
});
