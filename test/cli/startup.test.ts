/**
 * Start-up is ready fast (issue 16): token keepers are ensured at start, so /api/health does not
 * answer 503 while the app warms up, on a fresh start or a restart; and a schedule slot runs once
 * however often the app restarts within it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteRosterStore } from "../../lib/store";
import { CliProcess, spawnCli } from "../helpers/cliProcess";

const freshDir = () => mkdtempSync(join(tmpdir(), "cleversync-startup-"));

async function boot(cwd: string): Promise<{ cli: CliProcess; url: string }> {
  const cli = spawnCli(["start", "--port", "0", "--users", "50", "--no-demo-sync"], {}, cwd);
  const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { cli, url: url! };
}

async function stop(cli: CliProcess): Promise<void> {
  cli.child.kill("SIGINT");
  expect(await cli.exited).toBe(0);
}

/** Polls /api/health for `ms`; returns every status code seen and the last report. */
async function watchHealth(url: string, ms: number): Promise<{ codes: number[]; last: { status: string; entries: Record<string, { status: string }> } }> {
  const codes: number[] = [];
  let last: { status: string; entries: Record<string, { status: string }> } | undefined;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const response = await fetch(`${url}/api/health`);
    codes.push(response.status);
    last = (await response.json()) as typeof last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { codes, last: last! };
}

test("/api/health never answers 503 while a fresh start, and then a restart, warm up; token health comes up Healthy", async () => {
  const cwd = freshDir();
  for (const round of ["fresh", "restart"]) {
    const app = await boot(cwd);
    try {
      const { codes, last } = await watchHealth(app.url, 6_000);
      expect({ round, unavailable: codes.filter((code) => code === 503).length }).toEqual({ round, unavailable: 0 });
      expect({ round, cleverAuth: last.entries.cleverAuth?.status }).toEqual({ round, cleverAuth: "Healthy" });
    } finally {
      await stop(app.cli);
    }
  }
}, 90_000);

test("three boots within one schedule slot run that slot's sync once", async () => {
  const cwd = freshDir();
  for (let i = 0; i < 3; i++) {
    const app = await boot(cwd);
    try {
      await app.cli.waitFor(/scheduler: tenant demo: token keeper \w+, sync (started|already started) \(sync:demo:\S+-scheduled\)/, 20_000);
      // Let a started sync record its run before the next boot.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await stop(app.cli);
    }
  }
  const store = new SqliteRosterStore({ filename: join(cwd, ".data", "cleversync.sqlite") });
  await store.migrate();
  try {
    const scheduled = (await store.listRuns("demo", 50)).filter((run) => run.runId.endsWith("-scheduled"));
    expect(scheduled).toHaveLength(1);
  } finally {
    await store.close();
  }
}, 120_000);
