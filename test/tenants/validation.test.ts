/**
 * The validation catalogue: every bad input gets an InvalidTenantError naming the field, the
 * problem and the fix, and nothing reaches the table (checked by reading it raw).
 */
import { InvalidTenantError, TenantRegistry, type ValidationIssue } from "../../lib/tenants";
import { type AzuriteTables, startAzurite } from "../helpers/azurite";
import { DISTRICT_ID, rawRows, rejectionOf, tenantBody, uniqueTableName } from "./fixtures";

let azurite: AzuriteTables;
let registry: TenantRegistry;
let tableName: string;

beforeAll(async () => {
  azurite = await startAzurite();
  tableName = uniqueTableName("invalid");
  registry = new TenantRegistry({ connectionString: azurite.connectionString, allowInsecureConnection: true, tableName });
  await registry.list(); // creates the (empty) table so "no rows" is checkable
});

afterAll(async () => {
  await azurite.stop();
});

afterEach(async () => {
  // Whatever a test tried, no invalid tenant may have been written.
  expect(await rawRows(azurite.connectionString, tableName)).toEqual([]);
});

async function issuesOf(promise: Promise<unknown>): Promise<{ error: InvalidTenantError; issues: readonly ValidationIssue[] }> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(InvalidTenantError);
  const invalid = error as InvalidTenantError;
  expect(invalid.httpStatus).toBe(400);
  for (const issue of invalid.issues) {
    expect(issue.field).not.toBe("");
    expect(issue.problem).not.toBe("");
    expect(issue.fix).not.toBe("");
  }
  return { error: invalid, issues: invalid.issues };
}

describe("tenant ids", () => {
  const badIds: [string, unknown][] = [
    ["path traversal", "../etc"],
    ["slash", "a/b"],
    ["query characters", "a?b=c"],
    ["upper case", "UPPER"],
    ["space", "has space"],
    ["empty", ""],
    ["64 characters", "a".repeat(64)],
    ["SQL-ish injection", "'; DROP TABLE--"],
    ["leading hyphen", "-abc"],
    ["dot", "a.b"],
    ["hash", "a#b"],
    ["colon (would break instance ids)", "a:b"],
    ["non-ASCII", "écoles"],
    ["a number", 42],
    ["null", null],
  ];

  it.each(badIds)("create rejects %s", async (_label, id) => {
    const { error, issues } = await issuesOf(registry.create(tenantBody("x", { id })));
    expect(issues).toHaveLength(1);
    expect(issues[0].field).toBe("id");
    expect(issues[0].problem).toMatch(typeof id === "string" ? /lowercase letters, digits and hyphens/ : /must be a string/);
    expect(issues[0].fix).toMatch(/springfield-usd/);
    expect(error.message).toMatch(/^Invalid tenant: id: /);
  });

  it("reports a missing id as required", async () => {
    const { issues } = await issuesOf(registry.create({ displayName: "No Id", cleverDistrictId: DISTRICT_ID }));
    expect(issues).toEqual([expect.objectContaining({ field: "id", problem: "is required" })]);
  });

  it.each(badIds.filter(([, id]) => typeof id === "string"))("get/find/update/upsert/remove reject %s before touching storage", async (_label, id) => {
    // Port 9 (discard) is closed: any storage call would fail with a storage error instead.
    const offline = new TenantRegistry({ connectionString: azurite.connectionString.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"), allowInsecureConnection: true, tableName });
    for (const target of [registry, offline]) {
      const bad = id as string;
      await issuesOf(target.get(bad));
      await issuesOf(target.find(bad));
      await issuesOf(target.update(bad, { enabled: false }));
      await issuesOf(target.upsert(tenantBody(bad)));
      await issuesOf(target.remove(bad));
    }
  });

  it("never echoes the rejected value", async () => {
    for (const id of ["../etc", "'; DROP TABLE--", "a?b=c"]) {
      const { error } = await issuesOf(registry.create(tenantBody("x", { id })));
      expect(error.message).not.toContain(id);
      expect(JSON.stringify(error)).not.toContain(id);
    }
  });
});

describe("sync schedules (NCRONTAB, 6 fields)", () => {
  const badSchedules: [string, string, RegExp][] = [
    ["5-field Unix cron", "0 */6 * * *", /has 5 fields, NCRONTAB needs 6 .*seconds/],
    ["7 fields", "0 0 0 * * * 2026", /has 7 fields/],
    ["empty", "", /has 0 fields/],
    ["words", "every six hours", /has 3 fields/],
    ["second out of range", "61 0 * * * *", /not a valid schedule.*0-59/],
    ["hour out of range", "0 0 24 * * *", /not a valid schedule/],
    ["Quartz L", "0 0 0 L * *", /day field .*characters/],
    ["Quartz ?", "0 0 0 ? * *", /day field .*characters/],
    ["unknown month name", "0 0 0 1 FOO *", /unknown name "FOO"/],
    ["zero step", "0 */0 * * * *", /not a valid schedule/],
  ];

  it.each(badSchedules)("rejects %s", async (_label, syncSchedule, problem) => {
    const { issues } = await issuesOf(registry.create(tenantBody("sched", { syncSchedule })));
    expect(issues).toEqual([{ field: "syncSchedule", problem: expect.stringMatching(problem), fix: expect.stringContaining("{second} {minute} {hour} {day} {month} {day-of-week}") }]);
  });

  it("rejects a bad schedule in a PATCH too", async () => {
    const { issues } = await issuesOf(registry.update("sched", { syncSchedule: "*/5 * * * *" }));
    expect(issues[0].field).toBe("syncSchedule");
  });
});

describe("wrong types and values", () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["displayName number", { displayName: 42 }, "displayName", /must be a string \(got number\)/],
    ["displayName blank", { displayName: "   " }, "displayName", /must not be empty/],
    ["enabled string", { enabled: "yes" }, "enabled", /must be a boolean \(got string\)/],
    ["cleverDistrictId short", { cleverDistrictId: "abc" }, "cleverDistrictId", /24-character/],
    ["credentialSource unknown", { credentialSource: "vault" }, "credentialSource", /"keyvault" or "local"/],
    ["credentialNames half", { credentialNames: { clientId: "a-b" } }, "credentialNames.clientSecret", /is required/],
    ["secret name with spaces", { credentialNames: { clientId: "my id", clientSecret: "x" } }, "credentialNames.clientId", /secret name/],
    ["settings string", { settings: "{}" }, "settings", /must be an object \(got string\)/],
    ["settings array", { settings: [] }, "settings", /must be an object \(got array\)/],
    ["pageSize fraction", { settings: { pageSize: 1.5 } }, "settings.pageSize", /must be a whole number \(got a fraction\)/],
    ["pageSize too big", { settings: { pageSize: 20000 } }, "settings.pageSize", /between 1 and 10000/],
    ["pageSize zero", { settings: { pageSize: 0 } }, "settings.pageSize", /between 1 and 10000/],
    ["resources unknown", { settings: { resources: ["users", "students"] } }, "settings.resources[1]", /must be one of districts, schools/],
    ["resources duplicate", { settings: { resources: ["users", "users"] } }, "settings.resources", /twice/],
    ["resources empty", { settings: { resources: [] } }, "settings.resources", /at least one/],
    ["databaseSecretName type", { settings: { databaseSecretName: true } }, "settings.databaseSecretName", /must be a string/],
  ];

  it.each(cases)("rejects %s", async (_label, overrides, field, problem) => {
    const { issues } = await issuesOf(registry.create(tenantBody("types", overrides)));
    expect(issues).toEqual([expect.objectContaining({ field, problem: expect.stringMatching(problem) })]);
  });

  it.each([null, [], "tenant", 7])("rejects a body that is not an object (%p)", async (body) => {
    const { issues } = await issuesOf(registry.create(body));
    expect(issues).toEqual([expect.objectContaining({ field: "(body)", problem: expect.stringMatching(/must be an object/), fix: "send a JSON object" })]);
  });

  it("reports every problem at once", async () => {
    const { issues, error } = await issuesOf(registry.create({ id: "UPPER", displayName: 1, cleverDistrictId: DISTRICT_ID, syncSchedule: "* * * * *" }));
    expect(issues.map((i) => i.field)).toEqual(["id", "displayName", "syncSchedule"]);
    expect(error.message).toContain("id: must be 1-63 characters");
    expect(error.message).toContain("displayName: must be a string");
    expect(error.message).toContain("(fix: ");
  });
});

describe("unknown fields", () => {
  it("rejects an unknown top-level field and lists the known ones", async () => {
    const { issues } = await issuesOf(registry.create(tenantBody("unknown", { colour: "red" })));
    expect(issues).toEqual([{ field: "colour", problem: "is not a known field", fix: expect.stringContaining("known fields here: id, displayName, cleverDistrictId") }]);
  });

  it("rejects a misspelt setting instead of ignoring it", async () => {
    const { issues } = await issuesOf(registry.create(tenantBody("typo", { settings: { pagesize: 100 } })));
    expect(issues).toEqual([{ field: "settings.pagesize", problem: "is not a known field", fix: expect.stringContaining("pageSize, resources, databaseSecretName") }]);
  });

  it("rejects a secret value sent as a field, without echoing it", async () => {
    const { issues, error } = await issuesOf(registry.create(tenantBody("leaky", { clientSecret: "s3cr3t-value-123" })));
    expect(issues[0]).toMatchObject({ field: "clientSecret", problem: "is not a known field" });
    expect(JSON.stringify(error)).not.toContain("s3cr3t-value-123");
    expect(error.message).not.toContain("s3cr3t-value-123");
  });

  it("names server-set fields as read-only", async () => {
    const { issues } = await issuesOf(registry.create(tenantBody("ro", { etag: "W/x", createdAt: "2026-01-01T00:00:00Z" })));
    expect(issues).toEqual([
      { field: "etag", problem: "is set by the server and cannot be written", fix: "remove it" },
      { field: "createdAt", problem: "is set by the server and cannot be written", fix: "remove it" },
    ]);
  });
});

describe("invalid changes leave a stored tenant untouched", () => {
  it("rejects bad PATCH and PUT bodies without writing", async () => {
    // This test writes one valid tenant, so it cleans up before the afterEach check.
    const stored = await registry.create(tenantBody("untouched"));
    try {
      await issuesOf(registry.update("untouched", { id: "renamed" }));
      await issuesOf(registry.update("untouched", { settings: { pageSize: -1 } }));
      await issuesOf(registry.update("untouched", { enabled: "no" }, { ifMatch: stored.etag }));
      await issuesOf(registry.upsert(tenantBody("untouched", { syncSchedule: "hourly" })));
      await expect(registry.get("untouched")).resolves.toEqual(stored);
    } finally {
      await registry.remove("untouched");
    }
  });

  it("names id as unchangeable in a PATCH", async () => {
    const { issues } = await issuesOf(registry.update("whatever", { id: "other" }));
    expect(issues).toEqual([{ field: "id", problem: "cannot be changed (it is the tenant's key)", fix: expect.stringContaining("create a new tenant") }]);
  });
});
