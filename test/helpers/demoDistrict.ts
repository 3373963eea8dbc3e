import { CleverSimulator, DEMO_SEED } from "../../lib/simulator";
import { SqliteRosterStore } from "../../lib/store";
import { ALL_RESOURCES } from "../../lib/sync/catalogue";

/** After a CLI sync: the SQLite file holds exactly the demo district's record ids (same seed and size). */
export async function expectEqualToDistrict(database: string, users: number): Promise<void> {
  const simulator = new CleverSimulator({ seed: DEMO_SEED, users });
  const store = new SqliteRosterStore({ filename: database });
  await store.migrate();
  try {
    for (const resource of ALL_RESOURCES) {
      const expected: string[] = [];
      for await (const record of simulator.groundTruth(resource)) expected.push(record.id);
      const actual: string[] = [];
      for await (const row of store.rows("demo", resource)) actual.push(row.cleverId);
      expect({ resource, ids: actual }).toEqual({ resource, ids: expected });
    }
  } finally {
    await store.close();
  }
}
