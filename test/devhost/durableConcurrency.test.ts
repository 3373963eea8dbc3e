/**
 * The devhost honours host.json's durable concurrency throttles and their app-setting overrides
 * (lib/devhost/durableOptions.ts): at most maxConcurrentActivityFunctions activities run at once.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DevHost } from "../../lib/devhost";
import { durableConcurrency, DurableOptionsError, overrideSettingName } from "../../lib/devhost/durableOptions";

let running = 0;
let mostAtOnce = 0;
df.app.activity("concurrencyProbe", {
  handler: async () => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    // Real time passes while the activity is "working", so others can start if the host lets them.
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return 1;
  },
});
df.app.orchestration("concurrencyFanOut", function* (context: OrchestrationContext) {
  const n = context.df.getInput<number>();
  const results: number[] = yield context.df.Task.all(Array.from({ length: n }, () => context.df.callActivity("concurrencyProbe")));
  return results.length;
});

const dirs: string[] = [];
function appRootWith(durableTask: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "devhost-concurrency-"));
  dirs.push(dir);
  writeFileSync(join(dir, "host.json"), JSON.stringify({ version: "2.0", extensions: { durableTask } }));
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function fanOut(options: Parameters<typeof DevHost.start>[0], activities: number): Promise<number> {
  running = 0;
  mostAtOnce = 0;
  const host = await DevHost.start(options);
  try {
    const id = host.startNew("concurrencyFanOut", { input: activities });
    const status = await host.runToCompletion(id);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: activities });
    return mostAtOnce;
  } finally {
    await host.stop();
  }
}

test("host.json maxConcurrentActivityFunctions: N caps activities running at once at N", async () => {
  const appRoot = appRootWith({ maxConcurrentActivityFunctions: 3, maxConcurrentOrchestratorFunctions: 2 });
  expect(await fanOut({ appRoot, env: {} }, 12)).toBe(3);
});

test("the app setting AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions overrides host.json", async () => {
  const appRoot = appRootWith({ maxConcurrentActivityFunctions: 3 });
  expect(await fanOut({ appRoot, env: { [overrideSettingName("maxConcurrentActivityFunctions")]: "2" } }, 12)).toBe(2);
});

test("the project's own host.json applies by default", async () => {
  const hostJson = (await import("../../host.json")) as { extensions: { durableTask: { maxConcurrentActivityFunctions: number } } };
  const limit = hostJson.extensions.durableTask.maxConcurrentActivityFunctions;
  expect(await fanOut({ env: {} }, limit + 5)).toBe(limit);
});

test("one orchestrator at a time still runs every instance to completion", async () => {
  const host = await DevHost.start({ appRoot: appRootWith({ maxConcurrentOrchestratorFunctions: 1 }), env: {} });
  try {
    expect(host.concurrency.maxConcurrentOrchestratorFunctions).toBe(1);
    const ids = Array.from({ length: 5 }, (_, i) => host.startNew("concurrencyFanOut", { instanceId: `one-at-a-time-${i}`, input: 3 }));
    await host.runUntilIdle();
    expect(ids.map((id) => host.getStatus(id)?.runtimeStatus)).toEqual(Array(5).fill("Completed"));
  } finally {
    await host.stop();
  }
});

describe("resolution (durableConcurrency)", () => {
  const hostJson = { extensions: { durableTask: { maxConcurrentActivityFunctions: 8, maxConcurrentOrchestratorFunctions: 6 } } };

  test("host.json values; unset ones take the extension's default of 10 × processors", () => {
    expect(durableConcurrency(hostJson, {}, 2)).toEqual({ maxConcurrentActivityFunctions: 8, maxConcurrentOrchestratorFunctions: 6 });
    expect(durableConcurrency({}, {}, 4)).toEqual({ maxConcurrentActivityFunctions: 40, maxConcurrentOrchestratorFunctions: 40 });
  });

  test("app settings win, matched without regard to case (.NET configuration keys); blank means unset", () => {
    const env = { azurefunctionsjobhost__Extensions__DurableTask__MaxConcurrentOrchestratorFunctions: "3", [overrideSettingName("maxConcurrentActivityFunctions")]: " " };
    expect(durableConcurrency(hostJson, env, 2)).toEqual({ maxConcurrentActivityFunctions: 8, maxConcurrentOrchestratorFunctions: 3 });
  });

  test.each([
    [{ extensions: { durableTask: { maxConcurrentActivityFunctions: 0 } } }, {}, "host.json extensions.durableTask.maxConcurrentActivityFunctions"],
    [{ extensions: { durableTask: { maxConcurrentOrchestratorFunctions: 2.5 } } }, {}, "host.json extensions.durableTask.maxConcurrentOrchestratorFunctions"],
    [{}, { [overrideSettingName("maxConcurrentActivityFunctions")]: "ten" }, overrideSettingName("maxConcurrentActivityFunctions")],
    [{}, { [overrideSettingName("maxConcurrentActivityFunctions")]: "-4" }, overrideSettingName("maxConcurrentActivityFunctions")],
  ])("a value that is not a positive integer is refused, naming where it came from", (json, env, where) => {
    let error: unknown;
    try {
      durableConcurrency(json, env, 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DurableOptionsError);
    expect((error as DurableOptionsError).setting).toBe(where);
    expect((error as Error).message).toMatch(/positive integer.*Fix:/);
  });

  test("the devhost refuses to start with a bad throttle", async () => {
    await expect(DevHost.start({ env: { [overrideSettingName("maxConcurrentActivityFunctions")]: "0" } })).rejects.toThrow(DurableOptionsError);
  });
});
