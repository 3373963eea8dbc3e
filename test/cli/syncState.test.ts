/**
 * The CLI as a user runs it, against one SQLite file from separate processes:
 * - the sync state lives with the data: after a sync, `--db new.db` gets a full sync and says why
 *   (it used to run an incremental sync into the empty database and report 0 users);
 * - two `cleversync sync` processes on one database: the second is refused while the first holds
 *   the tenant's lease, and the database ends equal to the district.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteRosterStore } from "../../lib/store";
import { spawnCli } from "../helpers/cliProcess";
import { expectEqualToDistrict } from "../helpers/demoDistrict";

test("after a sync, an incremental `sync --db new.db` runs a full sync into the new database and says why", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cleversync-cli-state-"));
  const first = spawnCli(["sync", "--tenant", "demo", "--full", "--users", "300", "--db", join(cwd, "a.sqlite"), "--no-progress"], {}, cwd);
  expect(await first.exited).toBe(0);
  // Same registry and checkpoints (same working directory), a new empty database.
  const second = spawnCli(["sync", "--tenant", "demo", "--users", "300", "--db", join(cwd, "new.sqlite"), "--no-progress"], {}, cwd);
  expect(await second.exited).toBe(0);
  expect(second.stdout()).toMatch(/Full sync because this database holds no completed full sync of tenant 'demo'/);
  expect(second.stdout()).toMatch(/users\s+300\s+300/);
  expect(second.stdout()).toMatch(/Sync completed in [\d.]+ s \(full\)/);
  await expectEqualToDistrict(join(cwd, "new.sqlite"), 300);
}, 120_000);

test("two `cleversync sync` processes on one database: the second is refused while the first runs; the database equals the district", async () => {
  const database = join(mkdtempSync(join(tmpdir(), "cleversync-cli-db-")), "shared.sqlite");
  // Separate working directories: separate registries and simulators, one SQL database — like two machines.
  const first = spawnCli(["sync", "--tenant", "demo", "--full", "--users", "20000", "--db", database, "--no-progress"], {}, mkdtempSync(join(tmpdir(), "cleversync-cli-a-")));
  const watcher = new SqliteRosterStore({ filename: database, busyTimeoutMs: 10_000 });
  let exitedEarly = false;
  void first.exited.then(() => (exitedEarly = true));
  try {
    // Wait until the first process holds the tenant's lease (it is writing).
    for (;;) {
      if (exitedEarly) throw new Error(`the first sync ended before taking its lease: ${first.stderr()}`);
      try {
        await watcher.migrate();
        if (await watcher.currentLease("demo")) break;
      } catch {
        // the file or its tables are still being created by the first process
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await watcher.close();
  }
  const second = spawnCli(["sync", "--tenant", "demo", "--full", "--users", "20000", "--db", database, "--no-progress"], {}, mkdtempSync(join(tmpdir(), "cleversync-cli-b-")));
  const [firstCode, secondCode] = await Promise.all([first.exited, second.exited]);
  expect(firstCode).toBe(0);
  // The first run still held the lease when the second asked: refused, naming the running instance.
  expect({ secondCode, stderr: second.stderr() }).toEqual({ secondCode: 1, stderr: expect.stringMatching(/A sync of tenant 'demo' is already running as instance 'sync:demo:\d{8}T\d{6}\.\d{3}Z-cli-[0-9a-f]{6}'/) });
  expect(second.stderr()).not.toMatch(/\n\s+at /);
  expect(first.stdout()).toMatch(/users\s+20000\s+20000/);
  await expectEqualToDistrict(database, 20000);
}, 180_000);
