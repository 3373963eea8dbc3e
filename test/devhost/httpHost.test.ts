import "./fixtures/app";
import { DevHost } from "../../lib/devhost";

let host: DevHost;
beforeEach(async () => {
  host = await DevHost.start();
});
afterEach(async () => {
  await host.stop();
});

async function pollUntilDone(url: string): Promise<{ runtimeStatus: string; output: unknown }> {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(url);
    if (response.status === 200) return (await response.json()) as { runtimeStatus: string; output: unknown };
    expect(response.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("instance did not finish");
}

describe("the HTTP host on loopback", () => {
  test("an HTTP starter runs the real DurableClient: startNew → check-status payload → status polling", async () => {
    const response = await host.fetch("/api/orchestrators/fanOut", { method: "POST", body: JSON.stringify(4), key: host.keys.functionKey });
    expect(response.status).toBe(202);
    const payload = (await response.json()) as Record<string, string>;
    expect(Object.keys(payload).sort()).toEqual(
      ["id", "purgeHistoryDeleteUri", "restartPostUri", "resumePostUri", "rewindPostUri", "sendEventPostUri", "statusQueryGetUri", "suspendPostUri", "terminatePostUri"].sort(),
    );
    expect(payload.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/${payload.id}?`)).toBe(true);
    expect(response.headers.get("location")).toBe(payload.statusQueryGetUri);
    const done = await pollUntilDone(payload.statusQueryGetUri);
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 2 + 4 + 6 + 8 });
  });

  test("raiseEvent, getStatus, list, terminate and purge through DurableClient", async () => {
    const key = host.keys.functionKey;
    host.startNew("activityThenEvent", { instanceId: "client-1" });
    await host.runUntilIdle();
    const listed = await (await host.fetch("/api/manage/list/x", { key })).json();
    expect(listed).toEqual(["client-1"]);
    expect((await host.fetch("/api/manage/raise/client-1", { method: "POST", body: JSON.stringify({ n: 1 }), key })).status).toBe(202);
    await host.runUntilIdle();
    const status = (await (await host.fetch("/api/manage/status/client-1", { key })).json()) as { runtimeStatus: string; output: unknown };
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: { doubled: 42, payload: { n: 1 } } });

    host.startNew("activityThenEvent", { instanceId: "client-2" });
    await host.runUntilIdle();
    expect((await host.fetch("/api/manage/terminate/client-2", { method: "POST", key })).status).toBe(202);
    expect(host.getStatus("client-2")?.runtimeStatus).toBe("Terminated");
    const purged = await (await host.fetch("/api/manage/purge/client-2", { method: "POST", key })).json();
    expect(purged).toEqual({ instancesDeleted: 1 });
    expect(host.getStatus("client-2")).toBeUndefined();
  });

  test("entities are signalled and read through DurableClient", async () => {
    const key = host.keys.functionKey;
    expect(await (await host.fetch("/api/manage/entity/e1", { key })).json()).toEqual({ entityExists: false });
    await host.fetch("/api/manage/signal/e1", { method: "POST", key });
    await host.runUntilIdle();
    expect(await (await host.fetch("/api/manage/entity/e1", { key })).json()).toEqual({ entityExists: true, entityState: 7 });
  });

  test("route parameters, optional segments and query strings reach the handler", async () => {
    expect(await (await host.fetch("/api/hello/ada?q=1", { key: false })).json()).toEqual({ hello: "ada", q: "1" });
    expect(await (await host.fetch("/api/HELLO", { key: false })).json()).toEqual({ hello: "world", q: null });
  });

  test("authLevel is enforced: function routes need a key, anonymous ones do not", async () => {
    expect((await host.fetch("/api/orchestrators/fanOut", { method: "POST", key: false })).status).toBe(401);
    expect((await host.fetch("/api/orchestrators/fanOut", { method: "POST", key: "wrong" })).status).toBe(401);
    expect((await fetch(`${host.url}/api/orchestrators/fanOut?code=${host.keys.functionKey}`, { method: "POST", body: "2" })).status).toBe(202);
    expect((await host.fetch("/runtime/webhooks/durabletask/instances", { key: false })).status).toBe(401);
  });

  test("unknown routes are 404 and wrong methods 405", async () => {
    expect((await host.fetch("/api/nothing-here")).status).toBe(404);
    expect((await host.fetch("/api/hello", { method: "DELETE" })).status).toBe(405);
  });

  test("the management API answers 404 for unknown instances and 410 for finished ones", async () => {
    const auth = { headers: { "x-functions-key": host.keys.systemKey } };
    expect((await fetch(`${host.url}/durabletask/instances/missing`, auth)).status).toBe(404);
    const id = host.startNew("fanOut", { input: 1 });
    await host.runToCompletion(id);
    expect((await fetch(`${host.url}/durabletask/instances/${id}/raiseEvent/x`, { method: "POST", body: "1", ...auth })).status).toBe(410);
    expect((await fetch(`${host.url}/durabletask/instances/${id}`, auth)).status).toBe(200);
  });

  test("activities with a durableClient binding reach other instances", async () => {
    const waiting = host.startNew("activityThenEvent");
    const nudger = host.startNew("nudger", { input: waiting });
    expect((await host.runToCompletion(nudger)).output).toBe("sent");
    expect((await host.runToCompletion(waiting)).output).toEqual({ doubled: 42, payload: "nudged" });
  });

  test("a timer-triggered durable client function runs when invoked", async () => {
    expect(host.functions().find((f) => f.name === "kickOff")?.trigger).toBe("timerTrigger");
    await host.invokeFunction("kickOff");
    const status = await host.runToCompletion("from-timer");
    expect(status.output).toBe(12);
  });
});
