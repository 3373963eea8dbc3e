/**
 * The durable management API as the extension's HttpApiHandler / DurableClient answer it
 * (azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs,
 * ContextImplementations/DurableClient.cs), so scripts written against Microsoft's HTTP API
 * documentation work unchanged. Each test failed on the devhost before it followed that source.
 */
import "./fixtures/app";
import "./fixtures/fidelity";
import { DevHost } from "../../lib/devhost";

let host: DevHost;
beforeEach(async () => {
  host = await DevHost.start();
});
afterEach(async () => {
  await host.stop();
});

const api = (path: string, init: RequestInit = {}) => host.fetch(`/runtime/webhooks/durabletask/${path}`, init);

test("202 answers carry Retry-After: 5 on status, 10 on start (HandleGetStatusRequestAsync, CreateCheckStatusResponse)", async () => {
  const started = await api("orchestrators/activityThenEvent", { method: "POST" });
  expect(started.status).toBe(202);
  expect(started.headers.get("retry-after")).toBe("10");
  const { id } = (await started.json()) as { id: string };
  await host.runUntilIdle();
  const status = await api(`instances/${id}`);
  expect(status.status).toBe(202);
  expect(status.headers.get("retry-after")).toBe("5");
});

test("raiseEvent accepts only application/json (HandleRaiseEventRequestAsync)", async () => {
  const id = host.startNew("activityThenEvent");
  await host.runUntilIdle();
  const plain = await api(`instances/${id}/raiseEvent/go`, { method: "POST", body: "1", headers: { "content-type": "text/plain" } });
  expect(plain.status).toBe(400);
  expect(await plain.json()).toEqual({ Message: "Only application/json request content is supported" });
  expect(host.getStatus(id)?.runtimeStatus).toBe("Running");
  const json = await api(`instances/${id}/raiseEvent/go`, { method: "POST", body: "1", headers: { "content-type": "application/json; charset=utf-8" } });
  expect(json.status).toBe(202);
  expect((await host.runToCompletion(id)).output).toEqual({ doubled: 42, payload: 1 });
});

test("a Failed instance is 200, or 500 with returnInternalServerErrorOnFailure=true", async () => {
  const id = host.startNew("bigStatus", { input: 9000 });
  expect((await host.runToCompletion(id)).runtimeStatus).toBe("Failed");
  expect((await api(`instances/${id}`)).status).toBe(200);
  expect((await api(`instances/${id}?returnInternalServerErrorOnFailure=true`)).status).toBe(500);
});

test("runtimeStatus filters parse as Enum.TryParse does: case-sensitive, numbers allowed, unknown values ignored", async () => {
  const running = host.startNew("activityThenEvent", { instanceId: "r1" });
  const done = host.startNew("fanOut", { instanceId: "c1", input: 1 });
  await host.runToCompletion(done);
  await host.runUntilIdle();
  const ids = async (query: string) => ((await (await api(`instances?${query}`)).json()) as { instanceId: string }[]).map((s) => s.instanceId).sort();
  expect(await ids("runtimeStatus=Running")).toEqual([running]);
  expect(await ids("runtimeStatus=0")).toEqual([running]);
  // "running" is not an enum name, so the filter is dropped and everything is listed.
  expect(await ids("runtimeStatus=running")).toEqual([done, running].sort());
});

test("DELETE /instances without createdTimeFrom is a 400 and purges nothing (HandleDeleteHistoryWithFiltersRequestAsync)", async () => {
  const id = host.startNew("fanOut", { input: 1 });
  await host.runToCompletion(id);
  const refused = await api("instances?runtimeStatus=Completed", { method: "DELETE" });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toBe("Please provide value for 'createdTimeFrom' parameter.");
  expect(host.getStatus(id)).toBeDefined();
  const from = new Date(host.clock.now() - 60_000).toISOString();
  const purged = await api(`instances?runtimeStatus=Completed&createdTimeFrom=${from}`, { method: "DELETE" });
  expect(await purged.json()).toEqual({ instancesDeleted: 1 });
  expect(host.getStatus(id)).toBeUndefined();
});

test("starting an id that is still running fails as the host's catch-all does (500); a finished one is replaced", async () => {
  host.startNew("activityThenEvent", { instanceId: "dup" });
  await host.runUntilIdle();
  const again = await api("orchestrators/activityThenEvent/dup", { method: "POST" });
  expect(again.status).toBe(500);
  expect(((await again.json()) as { ExceptionMessage: string }).ExceptionMessage).toMatch(/already exists/);
  host.terminate("dup");
  expect((await api("orchestrators/activityThenEvent/dup", { method: "POST" })).status).toBe(202);
});

test("restart starts the same orchestrator with the same input, under a new id unless told otherwise", async () => {
  const id = host.startNew("fanOut", { instanceId: "first", input: 3 });
  await host.runToCompletion(id);
  const restarted = await api(`instances/${id}/restart`, { method: "POST" });
  expect(restarted.status).toBe(202);
  const { id: newId } = (await restarted.json()) as { id: string };
  expect(newId).not.toBe(id);
  expect((await host.runToCompletion(newId)).output).toBe(12);
  const same = await api(`instances/${id}/restart?restartWithNewInstanceId=false`, { method: "POST" });
  expect(((await same.json()) as { id: string }).id).toBe(id);
  expect((await api("instances/nobody/restart", { method: "POST" })).status).toBe(400);
});

test("historyEvents have the DurableClient shape: named types, completions with FunctionName, no scheduling rows", async () => {
  const id = host.startNew("fanOut", { input: 2 });
  await host.runToCompletion(id);
  const body = (await (await api(`instances/${id}?showHistory=true`)).json()) as { historyEvents: Record<string, unknown>[] };
  const types = body.historyEvents.map((e) => e.EventType);
  expect(types).toEqual(["ExecutionStarted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"]);
  expect(body.historyEvents[0]).toMatchObject({ FunctionName: "fanOut" });
  expect(body.historyEvents[1]).toMatchObject({ FunctionName: "double", ScheduledTime: expect.stringMatching(/\+00:00$/) });
  expect(body.historyEvents[1]).not.toHaveProperty("Result");
  expect(body.historyEvents[1]).not.toHaveProperty("EventId");
  const withOutput = (await (await api(`instances/${id}?showHistory=true&showHistoryOutput=true`)).json()) as { historyEvents: Record<string, unknown>[] };
  expect(withOutput.historyEvents[1].Result).toBe(2);
  expect(withOutput.historyEvents[3].Result).toBe(6);
});
