/** Student demographics get typed columns: dob as a date from Clever's M/D/YYYY, the statuses as sent. */
import { mapRecord } from "../../../lib/sync/mapping";
import { cleverDob } from "../../../lib/sync/mapping/users";
import { SqliteRosterStore } from "../../../lib/store";

const ID = "5f1b2c3d4e5f60718293a4b5";
const DISTRICT = "5f1b2c3d4e5f60718293a4b6";

test("Clever's M/D/YYYY dob becomes YYYY-MM-DD; anything else or an impossible date is null", () => {
  expect(cleverDob("3/7/2012")).toBe("2012-03-07");
  expect(cleverDob("12/31/2009")).toBe("2009-12-31");
  expect(cleverDob(" 02/29/2012 ")).toBe("2012-02-29");
  for (const bad of ["2/30/2012", "13/1/2012", "2012-03-07", "3/7/12", "", null]) expect(cleverDob(bad)).toBeNull();
});

test("a student's demographics are mapped to columns, stored and read back; a bad dob does not quarantine the student", async () => {
  const record = { id: ID, district: DISTRICT, roles: { student: { grade: "4", dob: "3/7/2012", gender: "F", ell_status: "Y", iep_status: "N", frl_status: "F" } } };
  const mapped = mapRecord("users", record);
  if (!mapped.ok) throw new Error(mapped.reason);
  expect(mapped.row.columns).toMatchObject({ is_student: true, grade: "4", dob: "2012-03-07", gender: "F", ell_status: "Y", iep_status: "N", frl_status: "F" });
  const odd = mapRecord("users", { ...record, roles: { student: { dob: "March 7" } } });
  expect(odd).toMatchObject({ ok: true, row: { columns: { dob: null } } });

  const store = new SqliteRosterStore({ filename: ":memory:" });
  await store.migrate();
  try {
    await store.upsert("t1", "users", [mapped.row], { runId: "r1", syncedAt: "2026-01-05T08:00:00Z" });
    const [row] = await (async () => {
      const out = [];
      for await (const r of store.rows("t1", "users")) out.push(r);
      return out;
    })();
    expect(row!.columns).toMatchObject({ dob: "2012-03-07", gender: "F", ell_status: "Y", iep_status: "N", frl_status: "F" });
  } finally {
    await store.close();
  }
});
