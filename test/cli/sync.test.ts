import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CleverSimulator, DEMO_SEED } from "../../lib/simulator";
import { SqliteRosterStore } from "../../lib/store";
import { spawnCli } from "../helpers/cliProcess";
import { expectEqualToDistrict } from "../helpers/demoDistrict";

test("`cleversync sync` as a user runs it: exit 0, a summary, and a database equal to the district", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-cli-sync-"));
  const database = join(cwd, "roster.sqlite");
  const cli = spawnCli(["sync", "--tenant", "demo", "--full", "--users", "300", "--db", database, "--no-progress"], {}, cwd);
  expect(await cli.exited).toBe(0);
  expect(cli.stdout()).toMatch(/users\s+300\s+300/);
  expect(cli.stdout()).toMatch(/Sync completed in [\d.]+ s \(full\)/);

  // The same seed and size give the same district: compare every record with the database.
  await expectEqualToDistrict(database, 300);
}, 60_000);

test("`cleversync sync` of an unknown tenant exits non-zero with a message that says how to fix it", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-cli-sync-"));
  const cli = spawnCli(["sync", "--tenant", "nobody", "--users", "50", "--no-progress"], {}, cwd);
  expect(await cli.exited).toBe(1);
  expect(cli.stderr()).toContain('Tenant "nobody" does not exist');
  expect(cli.stderr()).not.toMatch(/\n\s+at /); // no stack trace
}, 60_000);

test("`cleversync sync --full --school` syncs one school; a malformed, unknown or non-full --school is refused naming it", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-cli-sync-"));
  const database = join(cwd, "roster.sqlite");
  const base = ["sync", "--tenant", "demo", "--users", "300", "--db", database, "--no-progress"];
  const full = spawnCli([...base, "--full"], {}, cwd);
  expect(await full.exited).toBe(0);

  let school: string | undefined;
  for await (const record of new CleverSimulator({ seed: DEMO_SEED, users: 300 }).groundTruth("schools")) school ??= record.id;
  const one = spawnCli([...base, "--full", "--school", school!], {}, cwd);
  expect(await one.exited).toBe(0);
  expect(one.stdout()).toContain(`School sync: only school ${school}'s sections and users were read`);
  expect(one.stdout()).toMatch(/Sync completed in [\d.]+ s \(full\)/);
  const store = new SqliteRosterStore({ filename: database });
  await store.migrate();
  try {
    const [run] = await store.listRuns("demo", 1);
    expect(run).toMatchObject({ status: "completed", mode: "full" });
    expect((run!.counts as { plan: { school?: string } }).plan.school).toBe(school);
  } finally {
    await store.close();
  }

  for (const [args, expected] of [
    [["--full", "--school", "not-an-id"], /school: 'not-an-id' is not a Clever id/],
    [["--school", school!], /--school: a school sync is always full\. Fix: add --full/],
    [["--full", "--school", "0123456789abcdef01234567"], /school: school 0123456789abcdef01234567 is not a live school of tenant 'demo' in the mirror\. Fix:/],
  ] as const) {
    const refused = spawnCli([...base, ...args], {}, cwd);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(expected);
    expect(refused.stderr()).not.toMatch(/\n\s+at /);
  }
}, 120_000);
