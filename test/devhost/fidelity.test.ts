/**
 * Where the Azure host is stricter than a forgiving local host. Each test follows an upstream
 * source (Azure/durabletask, Azure/azure-functions-durable-extension), named beside it; each
 * failed on the devhost before it emulated that source.
 */
import "./fixtures/app";
import { flakyCalls } from "./fixtures/fidelity";
import { DevHost, HistoryEvent, HistoryEventType, OrchestrationStalledError } from "../../lib/devhost";

let host: DevHost;
beforeEach(async () => {
  host = await DevHost.start();
});
afterEach(async () => {
  await host.stop();
});

const ofType = (id: string, type: number): HistoryEvent[] => host.history(id).filter((e) => e.EventType === type);
const indexOf = (id: string, predicate: (e: HistoryEvent) => boolean): number => host.history(id).findIndex(predicate);

describe("retries (DTFx RetryInterceptor.Invoke, extension RetryOptionsConverter)", () => {
  test("the timer after the last failed attempt is a dummy that fires at once", async () => {
    flakyCalls.delete("last");
    const id = host.startNew("retryingWith", { input: { key: "last", failuresBeforeSuccess: 99, options: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2, backoffCoefficient: 5 } } });
    const start = host.clock.now();
    const status = await host.runToCompletion(id);
    expect(status.output).toMatch(/^caught: .*flaky failure #2/);
    const timers = ofType(id, HistoryEventType.TimerCreated);
    expect(timers).toHaveLength(2);
    expect(Date.parse(timers[0].FireAt as string) - start).toBe(1000);
    // "Dummy timer for back-compat": CreateTimer(CurrentUtcDateTime), not another backoff of 5 s.
    expect(Date.parse(timers[1].FireAt as string)).toBe(Date.parse(timers[1].Timestamp));
    expect(host.clock.now() - start).toBe(1000);
  });

  test("a retry timeout that expires on the last attempt still throws to the orchestrator", async () => {
    flakyCalls.delete("expireLast");
    const id = host.startNew("retryingWith", {
      input: { key: "expireLast", failuresBeforeSuccess: 99, options: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2, retryTimeoutInMilliseconds: 500 } },
    });
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toMatch(/^caught: .*flaky failure #2/);
  });

  test("retryTimeoutInMilliseconds: 0 gives up after the first failure without a timer, so the instance hangs", async () => {
    flakyCalls.delete("zero");
    const id = host.startNew("retryingWith", {
      input: { key: "zero", failuresBeforeSuccess: 1, options: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, retryTimeoutInMilliseconds: 0 } },
    });
    await expect(host.runToCompletion(id)).rejects.toThrow(OrchestrationStalledError);
    expect(flakyCalls.get("zero")).toBe(1);
    expect(host.engine.warnings.some((w) => w.instanceId === id && /retry timeout/i.test(w.message))).toBe(true);
  });

  test("a first retry interval over the 6-day maximum is dropped by the host and the stall detector says why", async () => {
    const id = host.startNew("retryingWith", {
      input: { key: "long", failuresBeforeSuccess: 0, options: { firstRetryIntervalInMilliseconds: 7 * 86_400_000, maxNumberOfAttempts: 2 } },
    });
    const stalled = await host.runToCompletion(id).catch((error: unknown) => error);
    expect(stalled).toBeInstanceOf(OrchestrationStalledError);
    expect(String((stalled as Error).message)).toMatch(/maximum of 6 days for time-based delays/);
    expect(ofType(id, HistoryEventType.TaskScheduled)).toHaveLength(0);
  });

  test("a retry option over Int32 milliseconds fails the orchestration as the host's converter does", async () => {
    const id = host.startNew("retryingWith", {
      input: { key: "int32", failuresBeforeSuccess: 0, options: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2, retryTimeoutInMilliseconds: 2 ** 31 } },
    });
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toMatch(/too large or too small for an Int32/);
  });
});

describe("completion while work is open (OutOfProcOrchestrationShim.ProcessAsyncActionsV2, TaskOrchestrationExecutor HasOpenTasks)", () => {
  test("an orchestrator that returns while a retried activity is open completes only after that activity finishes", async () => {
    flakyCalls.delete("open");
    const id = host.startNew("returnsWhileRetrying", { input: "open" });
    const status = await host.runToCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: "timer first" });
    expect(flakyCalls.get("open")).toBe(3);
    const lastCompletion = indexOf(id, (e) => e.EventType === HistoryEventType.TaskCompleted);
    const completed = indexOf(id, (e) => e.EventType === HistoryEventType.ExecutionCompleted);
    expect(lastCompletion).toBeGreaterThan(-1);
    expect(completed).toBeGreaterThan(lastCompletion);
  });

  test("an orchestrator that returns on an event without cancelling its timer stays Running until the timer fires", async () => {
    const id = host.startNew("eventWithoutCancel");
    await host.runUntilIdle();
    const start = host.clock.now();
    host.raiseEvent(id, "go", 1);
    await host.runUntilIdle();
    // DTFx still has the timer as an open task: no completion yet.
    expect(host.getStatus(id)?.runtimeStatus).toBe("Running");
    const status = await host.runToCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: "event" });
    expect(host.clock.now() - start).toBe(10 * 60_000);
  });

  test("work scheduled after catching a Task.all failure waits for the retried sibling (and DTFx numbers it then)", async () => {
    flakyCalls.delete("sibling");
    const id = host.startNew("catchFanOutThenWork", { input: "sibling" });
    const status = await host.runToCompletion(id);
    const siblingDone = indexOf(id, (e) => e.EventType === HistoryEventType.TaskCompleted && e.Result === JSON.stringify("ok after 3 calls"));
    const echo = ofType(id, HistoryEventType.TaskScheduled).find((e) => e.Name === "echo")!;
    expect(flakyCalls.get("sibling")).toBe(3);
    // The host scheduled "echo" only once the whole WhenAll had completed (Task.WhenAll)...
    expect(indexOf(id, (e) => e === echo || (e.EventType === HistoryEventType.TaskScheduled && e.Name === "echo"))).toBeGreaterThan(siblingDone);
    // ...under a later sequence id than the orchestrator gave it (id 2 went to the sibling's retry
    // timer), so the orchestrator took that timer as echo's result: mis-numbered, as on Azure.
    expect(echo.EventId).toBeGreaterThan(2);
    expect(ofType(id, HistoryEventType.TimerCreated)[0].EventId).toBe(2);
    expect(status.output).toBe("caught, then undefined");
    expect(host.engine.warnings.some((w) => w.instanceId === id && /CallActivity\(echo\) while action #0 \(Task\.all of .*\) still has open work/.test(w.message))).toBe(true);
  });
});

describe("custom status limit (MessagePayloadDataConverter.Serialize, 16 KB UTF-16)", () => {
  test("a custom status over 16 KB as UTF-16 fails the orchestration", async () => {
    const id = host.startNew("bigStatus", { input: 9000 });
    const status = await host.runToCompletion(id);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toMatch(/UTF-16 size of the JSON-serialized payload must not exceed 16 KB/);
  });

  test("one just under the limit is kept", async () => {
    const id = host.startNew("bigStatus", { input: 8000 });
    const status = await host.runToCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: 2 });
  });
});

describe("actions the host drops without a catchable error (DurableOrchestrationContext.CallDurableTaskFunctionAsync)", () => {
  test("calling an unregistered activity hangs; the stall detector names the function", async () => {
    const id = host.startNew("callsUnregistered");
    const stalled = await host.runToCompletion(id).catch((error: unknown) => error);
    expect(stalled).toBeInstanceOf(OrchestrationStalledError);
    expect((stalled as Error).message).toMatch(/'noSuchActivity' doesn't exist/);
    expect(host.getStatus(id)?.runtimeStatus).toBe("Running");
  });

  test("calling an unregistered sub-orchestrator hangs too", async () => {
    const id = host.startNew("callsUnregisteredChild");
    const stalled = await host.runToCompletion(id).catch((error: unknown) => error);
    expect(stalled).toBeInstanceOf(OrchestrationStalledError);
    expect((stalled as Error).message).toMatch(/'noSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function/);
  });

  test("a sub-orchestration with the parent's instance id hangs; the stall detector says why", async () => {
    const id = host.startNew("childWithParentsId", { instanceId: "Parent-1" });
    const stalled = await host.runToCompletion(id).catch((error: unknown) => error);
    expect(stalled).toBeInstanceOf(OrchestrationStalledError);
    expect((stalled as Error).message).toMatch(/must be different than the instance ID of a parent/);
  });
});

describe("replay comparison as DTFx makes it (TaskOrchestrationContext.HandleTaskScheduledEvent)", () => {
  test("name case, a retried vs a plain call, and event-wait names are not nondeterminism", async () => {
    const id = host.startNew("replaysLoosely");
    const status = await host.runToCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: 12 });
  });
});

describe("date-like strings through the host's JSON handling (Newtonsoft DateParseHandling.DateTime; durable-js #249/#264)", () => {
  test("activity input and output, custom status and orchestration output are re-formatted as the host does", async () => {
    const { recordedInputs } = await import("./fixtures/fidelity");
    recordedInputs.length = 0;
    const input = { utc: "2026-01-05T08:00:00.000Z", offset: "2026-01-05T10:00:00+02:00", fraction: "2026-01-05T08:00:00.1230Z", local: "2026-01-05T08:00:00", day: "2026-01-05", text: "hello" };
    const id = host.startNew("datesThrough", { input });
    const status = await host.runToCompletion(id);
    const expected = { utc: "2026-01-05T08:00:00Z", offset: "2026-01-05T08:00:00+00:00", fraction: "2026-01-05T08:00:00.123Z", local: "2026-01-05T08:00:00", day: "2026-01-05", text: "hello" };
    expect(recordedInputs).toEqual([expected]);
    expect(status.customStatus).toEqual({ at: "2026-01-05T08:00:00Z" });
    expect(status.output).toEqual({ result: { returned: "2026-01-05T08:00:00.5Z" }, echoed: expected });
  });
});
