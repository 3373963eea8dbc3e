/**
 * Ctrl-C and start-up failures (issue 16), with real signals and real ports: the first SIGINT
 * stops within 10 s, a second exits at once, exit codes are the documented ones, and a start-up
 * failure exits non-zero naming the cause instead of hanging on its Azurite and simulator ports.
 */
import { createServer, Server } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../helpers/cliProcess";

const STOPS_WITHIN_MS = 10_000;
const freshDir = () => mkdtempSync(join(tmpdir(), "cleversync-signals-"));

async function exitAfter(cli: ReturnType<typeof spawnCli>, signal: NodeJS.Signals, times = 1): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  cli.child.kill(signal);
  if (times === 2) {
    // Signals of one kind do not queue: send the second once the first has been seen.
    while (!cli.stderr().includes("stopping")) await new Promise((r) => setTimeout(r, 20));
    cli.child.kill(signal);
  }
  const code = await cli.exited;
  return { code, ms: performance.now() - started };
}

test("Ctrl-C during a long `sync` exits 130 within 10 s, without misleading follow-on errors", async () => {
  const cli = spawnCli(["sync", "--full", "--users", "200000", "--no-progress"], {}, freshDir());
  await cli.waitFor(/SyncStarted/, 30_000);
  const { code, ms } = await exitAfter(cli, "SIGINT");
  expect(code).toBe(130);
  expect(ms).toBeLessThan(STOPS_WITHIN_MS);
  expect(cli.stderr()).toContain("Sync interrupted (SIGINT)");
  expect(cli.stdout() + cli.stderr()).not.toMatch(/TablesNotConfiguredError|TENANT_TABLES_CONNECTION/);
}, 60_000);

test("Ctrl-C during `start`'s demo sync exits 0 within 10 s; a second Ctrl-C exits at once with 130", async () => {
  const first = spawnCli(["start", "--port", "0", "--users", "200000"], {}, freshDir());
  await first.waitFor(/SyncStarted/, 30_000);
  const once = await exitAfter(first, "SIGINT");
  expect(once.code).toBe(0);
  expect(once.ms).toBeLessThan(STOPS_WITHIN_MS);
  expect(first.stdout()).toContain("CleverSyncSOS stopped (SIGINT)");
  expect(first.stdout() + first.stderr()).not.toMatch(/TablesNotConfiguredError|Demo sync could not run/);

  const second = spawnCli(["start", "--port", "0", "--users", "200000"], {}, freshDir());
  await second.waitFor(/SyncStarted/, 30_000);
  const twice = await exitAfter(second, "SIGINT", 2);
  expect(twice.code).toBe(130);
  expect(twice.ms).toBeLessThan(STOPS_WITHIN_MS);
  expect(second.stderr()).toContain("SIGINT again: exiting at once.");
}, 90_000);

describe("`start` on a busy port", () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  test("exits 1 within 10 s naming the port, the process holding it and the --port fix", async () => {
    const started = performance.now();
    const cli = spawnCli(["start", "--port", String(port), "--users", "50"], {}, freshDir());
    expect(await cli.exited).toBe(1);
    expect(performance.now() - started).toBeLessThan(STOPS_WITHIN_MS);
    expect(cli.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use by PID ${process.pid}`);
    expect(cli.stderr()).toContain(`Fix: pass --port <another port> (e.g. --port ${port + 1}), or --port 0 to pick a free one`);
  }, 30_000);

  test("names another cleversync holding the port as ours", async () => {
    const app = spawnCli(["start", "--port", "0", "--users", "50", "--no-demo-sync"], {}, freshDir());
    const [, appPort] = await app.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    try {
      const cli = spawnCli(["start", "--port", appPort!, "--users", "50"], {}, freshDir());
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`is already in use by another cleversync (PID ${app.child.pid}:`);
    } finally {
      app.child.kill("SIGINT");
      await app.exited;
    }
  }, 45_000);
});
