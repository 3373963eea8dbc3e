import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../helpers/cliProcess";

test("`cleversync start` brings up the API, runs a demo sync, and stops cleanly on Ctrl-C", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-start-"));
  const cli = spawnCli(["start", "--port", "0", "--users", "300"], {}, cwd);
  try {
    const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, key] = await cli.waitFor(/Function key \(send as x-functions-key or \?code=\): (\S+)/);
    await cli.waitFor(/Demo sync completed in/, 30_000);
    const health = await fetch(`${url}/api/health`);
    const report = (await health.json()) as { status: string };
    expect(health.status).toBe(report.status === "Unhealthy" ? 503 : 200);
    expect(["Healthy", "Degraded", "Unhealthy"]).toContain(report.status);
    const runs = await fetch(`${url}/api/tenants/demo/runs`, { headers: { "x-functions-key": key } });
    expect(runs.status).toBe(200);
    expect(((await runs.json()) as { runs: { status: string }[] }).runs[0]).toMatchObject({ status: "completed" });
    expect(cli.stdout()).toContain(join(cwd, ".data", "cleversync.sqlite"));
  } finally {
    cli.child.kill("SIGINT");
  }
  expect(await cli.exited).toBe(0);
  expect(cli.stdout()).toContain("CleverSyncSOS stopped (SIGINT)");
}, 60_000);
