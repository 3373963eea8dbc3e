import { spawnCli } from "../helpers/cliProcess";

test("`cleversync start` serves the app's functions and stops cleanly on Ctrl-C", async () => {
  const cli = spawnCli(["start", "--port", "0"]);
  try {
    const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Press Ctrl\+C/);
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("Healthy");
    expect(cli.stdout()).toContain(`health: [GET] ${url}/api/health`);
  } finally {
    cli.child.kill("SIGINT");
  }
  expect(await cli.exited).toBe(0);
  expect(cli.stdout()).toContain("CleverSyncSOS stopped (SIGINT)");
}, 30_000);
