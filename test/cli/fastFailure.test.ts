/**
 * A newcomer's mistake is named within 10 s (issue 16): each case runs the built CLI as a user
 * would and asserts the exit, the named cause and fix, and the time to exit.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../helpers/cliProcess";

const NAMED_WITHIN_MS = 10_000;
const freshDir = () => mkdtempSync(join(tmpdir(), "cleversync-fast-"));

async function timedExit(cli: ReturnType<typeof spawnCli>): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  const code = await cli.exited;
  return { code, ms: performance.now() - started };
}

test("`sync --mssql env:NAME` against a port nothing listens on fails fast, names the source, and no password is in ps or output", async () => {
  const password = "NotInPs-9f3a";
  const cli = spawnCli(["sync", "--mssql", "env:MY_SQL", "--users", "50", "--no-progress"], { MY_SQL: `Server=127.0.0.1,1;Database=roster;User Id=sa;Password=${password};TrustServerCertificate=true` }, freshDir());
  const cmdline = readFileSync(`/proc/${cli.child.pid}/cmdline`, "utf8");
  const { code, ms } = await timedExit(cli);
  expect(code).toBe(1);
  expect(ms).toBeLessThan(NAMED_WITHIN_MS);
  expect(cmdline).not.toContain(password);
  const output = cli.stdout() + cli.stderr();
  expect(output).toContain("SQL: SQL Server (connection string from --mssql env:MY_SQL)");
  expect(cli.stderr()).toMatch(/SQL database failed, and retrying cannot fix it: nothing accepts connections at 127\.0\.0\.1:1 \(ECONNREFUSED\).*Fix: check the server, port and database in --mssql env:MY_SQL/);
  expect(output).not.toContain(password);
  expect(output).not.toMatch(/\n\s+at /);
}, 30_000);

test("`sync --mssql` with the connection string itself is refused (it would show in ps), without echoing it", async () => {
  const cli = spawnCli(["sync", "--mssql", "Server=127.0.0.1,1;User Id=sa;Password=Visible-77", "--users", "50", "--no-progress"], {}, freshDir());
  const { code, ms } = await timedExit(cli);
  expect(code).toBe(1);
  expect(ms).toBeLessThan(NAMED_WITHIN_MS);
  expect(cli.stderr()).toContain("--mssql takes env:NAME");
  expect(cli.stdout() + cli.stderr()).not.toContain("Visible-77");
}, 30_000);

test("`sync` with KEY_VAULT_URL of a vault that does not exist names the DNS failure and KEY_VAULT_URL within 10 s", async () => {
  const cli = spawnCli(["sync", "--users", "50", "--no-progress"], { KEY_VAULT_URL: "https://no-such-vault-cleversync.vault.azure.net" }, freshDir());
  const { code, ms } = await timedExit(cli);
  expect(code).toBe(1);
  expect(ms).toBeLessThan(NAMED_WITHIN_MS);
  expect(cli.stderr()).toMatch(/Key Vault failed, and retrying cannot fix it: .*ENOTFOUND no-such-vault-cleversync\.vault\.azure\.net.*Fix: KEY_VAULT_URL/);
}, 30_000);

test("`sync` of a tenant without credentials names CLEVER__ACME__CLIENT_ID within 10 s", async () => {
  const cwd = freshDir();
  const add = spawnCli(["tenants", "add", "acme", "--name", "Acme", "--district", "5940d254203e37907e0000aa"], {}, cwd);
  expect(await add.exited).toBe(0);
  const cli = spawnCli(["sync", "--tenant", "acme", "--users", "50", "--no-progress"], {}, cwd);
  const { code, ms } = await timedExit(cli);
  expect(code).toBe(1);
  expect(ms).toBeLessThan(NAMED_WITHIN_MS);
  expect(cli.stderr()).toMatch(/Clever credentials failed, and retrying cannot fix it: .*"CLEVER__ACME__CLIENT_ID".*set CLEVER__ACME__CLIENT_ID=<value>/);
}, 45_000);

test("`sync` whose client secret Clever's token endpoint rejects (401) names the credential settings within 10 s", async () => {
  const cli = spawnCli(["sync", "--users", "50", "--no-progress"], { CLEVER__DEMO__CLIENT_SECRET: "wrong-secret" }, freshDir());
  const { code, ms } = await timedExit(cli);
  expect(code).toBe(1);
  expect(ms).toBeLessThan(NAMED_WITHIN_MS);
  expect(cli.stderr()).toMatch(/Clever token failed, and retrying cannot fix it: Clever rejected the client credentials .*401.*Fix: check CLEVER__DEMO__CLIENT_ID and CLEVER__DEMO__CLIENT_SECRET/);
  expect(cli.stdout() + cli.stderr()).not.toContain("wrong-secret");
}, 30_000);

test("a sync started through the API for a tenant without credentials fails within 10 s naming CLEVER__ACME__CLIENT_ID, not 'no usable token'", async () => {
  // Default retry settings: a permanent failure is not retried at all.
  const cli = spawnCli(["start", "--port", "0", "--users", "50", "--no-demo-sync"], {}, freshDir());
  try {
    const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, key] = await cli.waitFor(/Function key \(send as x-functions-key or \?code=\): (\S+)/);
    const headers = { "x-functions-key": key!, "content-type": "application/json" };
    expect((await fetch(`${url}/api/tenants/acme`, { method: "PUT", headers, body: JSON.stringify({ displayName: "Acme", cleverDistrictId: "5940d254203e37907e0000aa" }) })).status).toBe(201);
    const started = performance.now();
    const { id } = (await (await fetch(`${url}/api/tenants/acme/sync`, { method: "POST", headers })).json()) as { id: string };
    let status: { runtimeStatus: string; progress: { lastError: string | null } | null } = { runtimeStatus: "Pending", progress: null };
    while (!["Completed", "Failed", "Terminated"].includes(status.runtimeStatus) && performance.now() - started < 40_000) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (await fetch(`${url}/api/tenants/acme/sync/${encodeURIComponent(id)}`, { headers })).json()) as typeof status;
    }
    expect(status.runtimeStatus).toBe("Failed");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(status.progress?.lastError).toContain("CLEVER__ACME__CLIENT_ID");
    expect(status.progress?.lastError).not.toContain("No usable Clever token");
  } finally {
    cli.child.kill("SIGINT");
    await cli.exited;
  }
}, 70_000);
