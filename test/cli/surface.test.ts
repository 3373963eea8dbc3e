/** Small parts of the CLI and API surface from issue 16: --version, and ?mode=full in the query. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, spawnCli } from "../helpers/cliProcess";

test("`cleversync --version` prints the package version and exits 0", async () => {
  const cli = spawnCli(["--version"]);
  expect(await cli.exited).toBe(0);
  const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  expect(cli.stdout().trim()).toBe(version);
}, 30_000);

test("POST /api/tenants/{id}/sync?mode=full runs a full sync (it was silently incremental); a bad mode in the query is a 400 naming it", async () => {
  const cli = spawnCli(["start", "--port", "0", "--users", "50"], {}, mkdtempSync(join(tmpdir(), "cleversync-mode-")));
  try {
    const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, key] = await cli.waitFor(/Function key \(send as x-functions-key or \?code=\): (\S+)/);
    await cli.waitFor(/Demo sync completed in/, 30_000);
    const headers = { "x-functions-key": key! };

    const bad = await fetch(`${url}/api/tenants/demo/sync?mode=fast`, { method: "POST", headers });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(await bad.text()).toContain('"mode"');

    const started = await fetch(`${url}/api/tenants/demo/sync?mode=full`, { method: "POST", headers });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let status: { runtimeStatus: string; result: { mode: string } | null } = { runtimeStatus: "Pending", result: null };
    const deadline = Date.now() + 20_000;
    while (!["Completed", "Failed", "Terminated"].includes(status.runtimeStatus) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (await fetch(`${url}/api/tenants/demo/sync/${encodeURIComponent(id)}`, { headers })).json()) as typeof status;
    }
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.result?.mode).toBe("full");
  } finally {
    cli.child.kill("SIGINT");
    await cli.exited;
  }
}, 60_000);
