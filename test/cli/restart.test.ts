/**
 * `kill -9` during a full sync under `cleversync start`, then start again: the same instance
 * resumes from the devhost's durable state (SQLite under .data/) and completes, the database
 * equals the simulator's ground truth, and no run row stays "running".
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CleverSimulator, DEMO_SEED } from "../../lib/simulator";
import { SqliteRosterStore } from "../../lib/store";
import { ALL_RESOURCES } from "../../lib/sync/catalogue";
import { spawnCli } from "../helpers/cliProcess";
import { compareResource } from "../helpers/compareMirror";

// RESTART_TEST_USERS=100000 runs the same check at the size the issue names (measured by hand, see docs).
const USERS = Number(process.env.RESTART_TEST_USERS ?? 20_000);
// Small pages make the users phase long enough (~100 pages) to be killed in the middle of it.
const ENV = { SYNC_PAGE_SIZE: "200" };

test("kill -9 mid-sync, start again: the same instance resumes and completes, equal to Clever, no run left running", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-restart-"));
  const first = spawnCli(["start", "--port", "0", "--users", String(USERS)], ENV, cwd);
  let instanceId: string;
  try {
    const [, url] = await first.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, masterKey] = await first.waitFor(/durabletask\/instances\?code=(\S+)/);
    // Wait until the last phase (sections ∥ users) runs, then kill the process outright.
    instanceId = await waitForPhase(url, masterKey, /^4\/4/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runtimeStatusOf(url, masterKey, instanceId)).toBe("Running");
  } finally {
    first.child.kill("SIGKILL");
  }
  expect(await first.exited).toBeNull(); // killed by a signal, no clean exit

  const second = spawnCli(["start", "--port", "0", "--users", String(USERS)], ENV, cwd);
  try {
    await second.waitFor(new RegExp(`resumed \\d+ in-flight instance\\(s\\): .*${escape(instanceId)}`));
    await second.waitFor(new RegExp(`Resumed sync ${escape(instanceId)} completed\\.`), USERS > 20_000 ? 600_000 : 45_000);
    expect(second.stdout()).not.toContain("Running a demo sync");

    const store = new SqliteRosterStore({ filename: join(cwd, ".data", "cleversync.sqlite") });
    await store.migrate(); // already migrated by the app: this only prepares the statements
    try {
      const simulator = new CleverSimulator({ seed: DEMO_SEED, users: USERS });
      const differences: string[] = [];
      for (const resource of ALL_RESOURCES) differences.push(...(await compareResource(simulator, store, "demo", resource)));
      expect(differences).toEqual([]);
      const runs = await store.listRuns("demo", 50);
      expect(runs.filter((r) => r.status === "running")).toEqual([]);
      expect(runs.find((r) => r.instanceId === instanceId)).toMatchObject({ status: "completed" });
    } finally {
      await store.close();
    }
  } finally {
    second.child.kill("SIGINT");
  }
  expect(await second.exited).toBe(0);
}, Number(process.env.RESTART_TEST_USERS ?? 0) > 20_000 ? 900_000 : 120_000);

async function management(url: string, key: string, path: string): Promise<Response> {
  return fetch(`${url}/runtime/webhooks/durabletask/${path}`, { headers: { "x-functions-key": key } });
}

async function waitForPhase(url: string, key: string, phase: RegExp): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const list = (await (await management(url, key, "instances?runtimeStatus=Running")).json()) as { instanceId: string; name: string; customStatus: { phase?: string } | null }[];
    const sync = list.find((s) => s.name === "syncTenant" && phase.test(s.customStatus?.phase ?? ""));
    if (sync) return sync.instanceId;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no syncTenant instance reached phase ${phase}`);
}

async function runtimeStatusOf(url: string, key: string, instanceId: string): Promise<string> {
  return ((await (await management(url, key, `instances/${encodeURIComponent(instanceId)}`)).json()) as { runtimeStatus: string }).runtimeStatus;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
