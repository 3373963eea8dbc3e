import "./fixtures/app";
import { flakyCalls } from "./fixtures/app";
import { DevHost, HistoryEventType, OrchestrationStalledError } from "../../lib/devhost";

let host: DevHost;
beforeEach(async () => {
  host = await DevHost.start();
});
afterEach(async () => {
  await host.stop();
});

const types = (id: string) => host.history(id).map((e) => e.EventType);

describe("orchestrations through the real durable-functions replay", () => {
  test("a fan-out of 50 activities completes with every result", async () => {
    const id = host.startNew("fanOut", { input: 50 });
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe(50 * 51); // 2 * (1 + ... + 50)
    const scheduled = host.history(id).filter((e) => e.EventType === HistoryEventType.TaskScheduled);
    expect(scheduled.map((e) => e.EventId)).toEqual([...Array(50).keys()]);
  });

  test("an activity failing twice then succeeding is retried with host-side backoff timers", async () => {
    const start = host.clock.now();
    const id = host.startNew("retrying", { input: { key: "twice", failuresBeforeSuccess: 2, attempts: 3 } });
    const status = await host.runToCompletion(id);
    expect(status.output).toBe("ok after 3 calls");
    const interesting = host
      .history(id)
      .filter((e) => [HistoryEventType.TaskScheduled, HistoryEventType.TaskFailed, HistoryEventType.TimerCreated, HistoryEventType.TimerFired, HistoryEventType.TaskCompleted].includes(e.EventType as never))
      .map((e) => [e.EventType, e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId)]);
    expect(interesting).toEqual([
      [HistoryEventType.TaskScheduled, 0],
      [HistoryEventType.TaskFailed, 0],
      [HistoryEventType.TimerCreated, 1],
      [HistoryEventType.TimerFired, 1],
      [HistoryEventType.TaskScheduled, 2],
      [HistoryEventType.TaskFailed, 2],
      [HistoryEventType.TimerCreated, 3],
      [HistoryEventType.TimerFired, 3],
      [HistoryEventType.TaskScheduled, 4],
      [HistoryEventType.TaskCompleted, 4],
    ]);
    const timers = host.history(id).filter((e) => e.EventType === HistoryEventType.TimerCreated);
    // firstRetryInterval 1 s, backoff 2: +1 s after the first failure, +2 s after the second.
    expect(Date.parse(timers[0].FireAt as string) - start).toBe(1000);
    expect(Date.parse(timers[1].FireAt as string) - start).toBe(1000 + 2000);
  });

  test("exhausted retries surface as a catchable error after a final timer", async () => {
    flakyCalls.delete("never");
    const id = host.startNew("retrying", { input: { key: "never", failuresBeforeSuccess: 99, attempts: 2 } });
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toMatch(/^caught: Activity function 'flaky' failed: flaky failure #2/);
    expect(flakyCalls.get("never")).toBe(2);
    // A timer follows every failed attempt, the last one included (DTFx RetryInterceptor).
    expect(types(id).filter((t) => t === HistoryEventType.TimerCreated)).toHaveLength(2);
  });

  test("an expired retry timeout hangs the instance as on Azure, and the stall detector says so", async () => {
    flakyCalls.delete("timeout");
    const id = host.startNew("retrying", { input: { key: "timeout", failuresBeforeSuccess: 99, attempts: 10, timeoutMs: 2500 } });
    await expect(host.runToCompletion(id)).rejects.toThrow(OrchestrationStalledError);
    expect(host.getStatus(id)?.runtimeStatus).toBe("Running");
    expect(host.engine.warnings.some((w) => w.instanceId === id && /retry timeout/i.test(w.message))).toBe(true);
  });

  test("an eternal orchestrator continues as new 100 times with bounded history", async () => {
    const id = host.startNew("eternal", { input: 0 });
    let longest = 0;
    for (let round = 0; round < 100; round++) {
      await host.advance(60_000);
      longest = Math.max(longest, host.history(id).length);
    }
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe(100);
    expect(status.customStatus).toEqual({ round: 100 });
    expect(longest).toBeLessThanOrEqual(16);
  });

  test("an external event that arrives before the timer wins the race", async () => {
    const id = host.startNew("eventOrTimeout");
    await host.advance(5 * 60_000);
    expect(host.engine.waitingFor(id)).toEqual(["approve"]);
    host.raiseEvent(id, "approve", { by: "ops" });
    const status = await host.runToCompletion(id, { autoAdvance: false });
    expect(status.output).toEqual({ outcome: "event", value: { by: "ops" } });
  });

  test("a timer that fires before the event wins the race", async () => {
    const id = host.startNew("eventOrTimeout");
    await host.advance(10 * 60_000);
    expect(host.getStatus(id)?.output).toEqual({ outcome: "timeout" });
    expect(() => host.raiseEvent(id, "approve", {})).toThrow(/Completed/);
  });

  test("an event raised before the orchestrator waits for it is buffered", async () => {
    const id = host.startNew("activityThenEvent");
    host.raiseEvent(id, "go", "early");
    const status = await host.runToCompletion(id);
    expect(status.output).toEqual({ doubled: 42, payload: "early" });
  });

  test("a waiting orchestrator is reported as waiting, not stalled", async () => {
    const id = host.startNew("activityThenEvent");
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Running");
    expect(host.engine.diagnoseStall(id)).toBeUndefined();
    expect(host.engine.waitingFor(id)).toEqual(["go"]);
  });

  test("a nondeterministic orchestrator is failed by the host", async () => {
    const id = host.startNew("nondeterministic");
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toMatch(/Non-Deterministic workflow detected: .*TaskScheduled\(double\).*TaskScheduled\(echo\)/);
  });

  test("sub-orchestrations return results, and failures after retries reach the parent", async () => {
    const id = host.startNew("parent", { instanceId: "p1" });
    const status = await host.runToCompletion(id);
    expect(status.output).toEqual({ ok: 11, failed: expect.stringContaining("negative input") });
    expect(host.getStatus("p1:child")?.runtimeStatus).toBe("Completed");
    const children = host.engine.listInstances().filter((s) => s.name === "child" && s.runtimeStatus === "Failed");
    expect(children).toHaveLength(2); // one per attempt
    // DTFx TaskOrchestrationContext.CreateSubOrchestrationInstanceCore: `{parent execution id}:{sequence id}`.
    for (const child of children) expect(child.instanceId).toMatch(/^[0-9a-f]{32}:\d+$/);
  });

  test("entities take signals and calls in order and keep state", async () => {
    const id = host.startNew("useCounter");
    const status = await host.runToCompletion(id);
    expect(status.output).toBe(15);
    expect(host.engine.readEntityState("counter", "c1")).toEqual({ exists: true, state: 15 });
  });

  test("terminate, purge and listing with filters", async () => {
    const waiting = host.startNew("activityThenEvent", { instanceId: "waits" });
    const done = host.startNew("fanOut", { instanceId: "done", input: 2 });
    await host.runToCompletion(done);
    await host.runUntilIdle();
    expect(host.engine.listInstances({ runtimeStatus: ["Running"] }).map((s) => s.instanceId)).toEqual([waiting]);
    host.terminate(waiting, "not needed");
    expect(host.getStatus(waiting)).toMatchObject({ runtimeStatus: "Terminated", output: "not needed" });
    expect(types(waiting).at(-1)).toBe(HistoryEventType.ExecutionTerminated);
    expect(host.engine.purge(done)).toBe(true);
    expect(host.getStatus(done)).toBeUndefined();
  });

  test("events raised while an execution ends carry over to the next continueAsNew execution", async () => {
    const id = host.startNew("accumulate", { input: { total: 0, target: 6, executions: 0 } });
    await host.runUntilIdle();
    host.raiseEvent(id, "add", 1);
    host.raiseEvent(id, "add", 2);
    host.raiseEvent(id, "add", 3);
    const status = await host.runToCompletion(id);
    expect(status.output).toEqual({ total: 6, target: 6, executions: 3 });
  });

  test("timers longer than six days are split into three-day segments as the host does", async () => {
    const start = host.clock.now();
    const id = host.startNew("sleepLong");
    const status = await host.runToCompletion(id);
    expect(Date.parse(status.output as string) - start).toBe(10 * 24 * 3600 * 1000);
    const segments = host.history(id).filter((e) => e.EventType === HistoryEventType.TimerCreated).map((e) => (Date.parse(e.FireAt as string) - start) / 86_400_000);
    // DurableOrchestrationContext.CreateTimer's loop: 3 days while at least 3 remain, then the rest.
    expect(segments).toEqual([3, 6, 9, 10]);
  });

  test("a replaced activity is used instead of the registered one", async () => {
    host.replaceActivity("double", (n) => (n as number) * 10);
    const status = await host.runToCompletion(host.startNew("fanOut", { input: 3 }));
    expect(status.output).toBe(60);
  });

  test("starting an instance id that is still running is refused", async () => {
    host.startNew("activityThenEvent", { instanceId: "once" });
    expect(() => host.startNew("activityThenEvent", { instanceId: "once" })).toThrow(/already exists/);
  });
});
