/**
 * `cleversync held list|approve|reject` and `cleversync quarantine list|purge` as a user runs them,
 * straight against the SQLite file; decisions land in the audit log as `cli:<os user>`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteRosterStore } from "../../lib/store";
import { spawnCli } from "../helpers/cliProcess";
import { hexId, userRow } from "../store/contract";

async function seeded(): Promise<string> {
  const database = join(mkdtempSync(join(tmpdir(), "cleversync-cli-held-")), "roster.sqlite");
  const store = new SqliteRosterStore({ filename: database });
  await store.migrate();
  // run-1 saw 10 users, run-2 only 6 of them and was held.
  await store.upsert("demo", "users", Array.from({ length: 10 }, (_, i) => userRow(i)), { runId: "run-1", syncedAt: "2026-01-05T08:00:00Z" });
  await store.upsert("demo", "users", Array.from({ length: 6 }, (_, i) => userRow(i)), { runId: "run-2", syncedAt: "2026-01-06T08:00:00Z" });
  await store.holdRun({ tenantId: "demo", runId: "run-2", heldAt: "2026-01-06T08:05:00Z", reasons: ["users: 4 of 10 (40%) would be deleted, more than the 10% threshold"], resources: { users: { live: 10, wouldDelete: 4, updated: 0 } } });
  await store.quarantine("demo", "run-2", [{ resource: "users", cleverId: "x1", reason: "email: not an email address", raw: "{}" }]);
  await store.close();
  return database;
}

test("held list shows why and what; approve soft-deletes and is audited as the CLI user; a second decision is refused", async () => {
  const database = await seeded();
  const list = spawnCli(["held", "list", "--tenant", "demo", "--db", database]);
  expect(await list.exited).toBe(0);
  expect(list.stdout()).toContain("run-2  held");
  expect(list.stdout()).toContain("users: 4 of 10 (40%) would be deleted");
  expect(list.stdout()).toMatch(new RegExp(`users: would delete 4 of 10 \\(updated 0\\); e\\.g\\. ${hexId(6, 0x0a)}`));

  const approve = spawnCli(["held", "approve", "run-2", "--tenant", "demo", "--db", database, "--note", "term ended"]);
  expect(await approve.exited).toBe(0);
  expect(approve.stdout()).toMatch(/Run run-2 of tenant 'demo' approved by cli:\S+\. Soft-deleted: 4 users\./);
  const again = spawnCli(["held", "reject", "run-2", "--tenant", "demo", "--db", database]);
  expect(await again.exited).toBe(1);
  expect(again.stderr()).toMatch(/already approved by cli:/);
  expect(again.stderr()).not.toMatch(/\n\s+at /);

  const store = new SqliteRosterStore({ filename: database });
  await store.migrate();
  try {
    expect((await store.counts("demo")).users).toEqual({ live: 6, deleted: 4 });
    expect(await store.audit("demo", 10)).toEqual([expect.objectContaining({ action: "held.approve", target: "run-2", actor: expect.stringMatching(/^cli:/), details: expect.objectContaining({ note: "term ended" }) })]);
  } finally {
    await store.close();
  }
}, 60_000);

test("reject keeps the records; quarantine list shows reasons and purge honours the retention", async () => {
  const database = await seeded();
  const reject = spawnCli(["held", "reject", "run-2", "--tenant", "demo", "--db", database]);
  expect(await reject.exited).toBe(0);
  expect(reject.stdout()).toContain("rejected by cli:");
  expect(reject.stdout()).toContain("Records kept.");

  const quarantine = spawnCli(["quarantine", "list", "--tenant", "demo", "--db", database]);
  expect(await quarantine.exited).toBe(0);
  expect(quarantine.stdout()).toMatch(/users\s+x1\s+run run-2: email: not an email address/);
  const keep = spawnCli(["quarantine", "purge", "--tenant", "demo", "--db", database]);
  expect(await keep.exited).toBe(0);
  expect(keep.stdout()).toContain("Purged 0 quarantined record(s) of tenant 'demo' older than 90 day(s).");
  const purge = spawnCli(["quarantine", "purge", "--tenant", "demo", "--db", database, "--older-than-days", "0"]);
  expect(await purge.exited).toBe(0);
  expect(purge.stdout()).toContain("Purged 1 quarantined record(s)");

  const store = new SqliteRosterStore({ filename: database });
  await store.migrate();
  try {
    expect((await store.counts("demo")).users).toEqual({ live: 10, deleted: 0 });
  } finally {
    await store.close();
  }
}, 60_000);
