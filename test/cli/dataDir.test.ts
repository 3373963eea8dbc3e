/**
 * One writer per data directory (issue 16): `start` holds .data/cleversync.lock; a second start
 * is refused naming the holder; `tenants add` and `sync` go through the running app's API; and
 * deleting the directory while running turns health Unhealthy with a loud log.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliProcess, spawnCli } from "../helpers/cliProcess";

const NAMED_WITHIN_MS = 10_000;

async function startApp(cwd: string): Promise<{ cli: CliProcess; url: string; key: string }> {
  const cli = spawnCli(["start", "--port", "0", "--users", "50", "--no-demo-sync"], {}, cwd);
  const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const [, key] = await cli.waitFor(/Function key \(send as x-functions-key or \?code=\): (\S+)/);
  await cli.waitFor(/Press Ctrl\+C to stop/);
  return { cli, url: url!, key: key! };
}

async function stop(cli: CliProcess): Promise<number | null> {
  cli.child.kill("SIGINT");
  return cli.exited;
}

test("a second `start` on the same data directory is refused within 10 s, naming the PID holding it and the fix", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-lock-"));
  const first = await startApp(cwd);
  try {
    const started = performance.now();
    const second = spawnCli(["start", "--port", "0", "--users", "50", "--no-demo-sync"], {}, cwd);
    expect(await second.exited).toBe(1);
    expect(performance.now() - started).toBeLessThan(NAMED_WITHIN_MS);
    expect(second.stderr()).toContain(`Another cleversync process (PID ${first.cli.child.pid}, \`cleversync start\` serving ${first.url})`);
    expect(second.stderr()).toMatch(/Fix: stop that process first .*kill \d+/);
    expect(second.stdout()).not.toContain("listening on");
  } finally {
    expect(await stop(first.cli)).toBe(0);
  }
  expect(existsSync(join(cwd, ".data", "cleversync.lock"))).toBe(false);
}, 60_000);

test("`tenants add` and `sync` while `start` runs go through its API: the tenant reaches the server and survives its later writes", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-lock-"));
  const app = await startApp(cwd);
  try {
    const add = spawnCli(["tenants", "add", "acme", "--name", "Acme", "--district", "5940d254203e37907e0000aa"], {}, cwd);
    expect(await add.exited).toBe(0);
    expect(add.stderr()).toContain(`through the running app, PID ${app.cli.child.pid}`);
    const seen = await fetch(`${app.url}/api/tenants/acme`, { headers: { "x-functions-key": app.key } });
    expect(seen.status).toBe(200);
    // The server writes the registry again (a second tenant): acme must still be there afterwards.
    const put = await fetch(`${app.url}/api/tenants/beta`, { method: "PUT", headers: { "x-functions-key": app.key, "content-type": "application/json" }, body: JSON.stringify({ displayName: "Beta", cleverDistrictId: "5940d254203e37907e0000bb" }) });
    expect(put.status).toBe(201);
    const sync = spawnCli(["sync", "--tenant", "demo", "--full", "--no-progress"], {}, cwd);
    expect(await sync.exited).toBe(0);
    expect(sync.stderr()).toContain(`Syncing through the running app (PID ${app.cli.child.pid})`);
    expect(sync.stdout()).toMatch(/Sync completed in [\d.]+ s \(full\)/);
  } finally {
    expect(await stop(app.cli)).toBe(0);
  }
  const list = spawnCli(["tenants", "list"], {}, cwd);
  expect(await list.exited).toBe(0);
  expect(list.stdout()).toMatch(/^id\s+state\s+Clever district id/m);
  expect(list.stdout()).toMatch(/^acme\s+enabled\s+5940d254203e37907e0000aa/m);
  expect(list.stdout()).toMatch(/^beta\s+enabled/m);
}, 90_000);

test("deleting .data/ while `start` runs is detected: a loud log and /api/health Unhealthy naming the directory", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-lock-"));
  const app = await startApp(cwd);
  try {
    expect((await fetch(`${app.url}/api/health`)).status).not.toBe(503);
    rmSync(join(cwd, ".data"), { recursive: true, force: true });
    const deadline = Date.now() + NAMED_WITHIN_MS;
    let report: { status: string; entries: Record<string, { status: string; description?: string }> } | undefined;
    let status = 0;
    while (Date.now() < deadline) {
      const response = await fetch(`${app.url}/api/health`);
      status = response.status;
      report = (await response.json()) as typeof report;
      if (report?.entries.dataDirectory?.status === "Unhealthy") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(503);
    expect(report?.status).toBe("Unhealthy");
    expect(report?.entries.dataDirectory?.description).toContain(join(cwd, ".data"));
    expect(app.cli.stderr()).toContain(`The data directory ${join(cwd, ".data")} (or its lock file) was deleted while CleverSyncSOS runs`);
  } finally {
    await stop(app.cli);
  }
}, 60_000);
