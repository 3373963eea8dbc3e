/** Garbage in a storage connection setting (issue 16): named within 10 s, exit 1, no crash text. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../helpers/cliProcess";

test.each(["TENANT_TABLES_CONNECTION", "AzureWebJobsStorage"])("`start` with garbage in %s exits 1 within 10 s naming the setting", async (name) => {
  const started = performance.now();
  const cli = spawnCli(["start", "--port", "0", "--users", "50"], { [name]: "not-a-connection-string" }, mkdtempSync(join(tmpdir(), "cleversync-settings-")));
  expect(await cli.exited).toBe(1);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(cli.stderr()).toContain(`${name}: is not a storage connection string`);
  expect(cli.stderr()).toContain("docs/configuration.md");
  expect(cli.stdout() + cli.stderr()).not.toMatch(/toLowerCase|\n\s+at /);
  expect(cli.stdout() + cli.stderr()).not.toContain("not-a-connection-string");
}, 30_000);

test("`start` with SQLITE_PATH under /proc exits 1 within 10 s naming SQLITE_PATH (it spun at 100% CPU, deaf to SIGTERM)", async () => {
  const started = performance.now();
  const cli = spawnCli(["start", "--port", "0", "--users", "50"], { SQLITE_PATH: "/proc/cleversync-test/roster.sqlite" }, mkdtempSync(join(tmpdir(), "cleversync-settings-")));
  // Should it hang again, SIGTERM must still end it: the test then fails on the exit code, not by timing out.
  const guard = setTimeout(() => cli.child.kill("SIGTERM"), 10_000);
  // The old spin ignored SIGTERM too: never leave such a process behind.
  const lastResort = setTimeout(() => cli.child.kill("SIGKILL"), 15_000);
  const code = await cli.exited;
  clearTimeout(guard);
  clearTimeout(lastResort);
  expect(code).toBe(1);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(cli.stderr()).toMatch(/SQLITE_PATH \(\/proc\/cleversync-test\/roster\.sqlite\) cannot be used: .*ENOENT.*Fix: point SQLITE_PATH at a file in a writable directory/);
}, 30_000);
