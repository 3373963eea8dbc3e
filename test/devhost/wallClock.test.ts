import "./fixtures/app";
import { tickTimes } from "./fixtures/app";
import { DevHost } from "../../lib/devhost";

test("when serving on the wall clock, durable timers fire in real time", async () => {
  const host = await DevHost.start({ clock: "wall" });
  try {
    const started = Date.now();
    const id = host.startNew("sleepBriefly", { input: 150 });
    for (let i = 0; i < 100 && host.getStatus(id)?.runtimeStatus !== "Completed"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(host.getStatus(id)?.output).toBe("woke");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  } finally {
    await host.stop();
  }
});

test("when serving, timer triggers fire on their NCRONTAB schedule", async () => {
  const host = await DevHost.start({ clock: "wall", serveTimers: true });
  try {
    const before = tickTimes.length;
    for (let i = 0; i < 150 && tickTimes.length < before + 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(tickTimes.length).toBeGreaterThanOrEqual(before + 2);
    // Each firing lands on a whole second, as "* * * * * *" asks.
    expect(tickTimes.slice(before).every((t) => t % 1000 < 600)).toBe(true);
  } finally {
    await host.stop();
  }
});

test("the admin API invokes a timer-triggered function on demand", async () => {
  const host = await DevHost.start({ clock: "wall" });
  try {
    const response = await host.fetch("/admin/functions/kickOff", { method: "POST", body: "{}" });
    expect(response.status).toBe(202);
    for (let i = 0; i < 100 && host.getStatus("from-timer")?.runtimeStatus !== "Completed"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(host.getStatus("from-timer")?.output).toBe(12);
  } finally {
    await host.stop();
  }
});

test("instance listing pages with continuation tokens", async () => {
  const host = await DevHost.start();
  try {
    for (let i = 0; i < 5; i++) host.startNew("fanOut", { instanceId: `list-${i}`, input: 1 });
    await host.runUntilIdle();
    const first = await fetch(`${host.url}/durabletask/instances/?top=2&runtimeStatus=Completed`, { headers: { "x-functions-key": host.keys.systemKey } });
    expect(first.headers.get("x-ms-continuation-token")).toBe("2");
    const second = await fetch(`${host.url}/durabletask/instances/?top=2&runtimeStatus=Completed`, { headers: { "x-ms-continuation-token": "4", "x-functions-key": host.keys.systemKey } });
    expect(((await second.json()) as { instanceId: string }[]).map((s) => s.instanceId)).toEqual(["list-4"]);
    expect(second.headers.get("x-ms-continuation-token")).toBeNull();
  } finally {
    await host.stop();
  }
});
