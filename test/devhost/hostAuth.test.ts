import { basicPassword, HostKeys, presentedKey, satisfies } from "../../lib/devhost/hostAuth";
import { rawPath } from "../../lib/devhost/rawPath";

const keys: HostKeys = { functionKey: "fn-key", masterKey: "master-key", systemKey: "system-key" };

describe("which key opens which level (AuthUtility.PrincipalHasAuthLevelClaim)", () => {
  test.each([
    ["function", "fn-key", true],
    ["function", "master-key", true],
    ["function", "system-key", false],
    ["system", "system-key", true],
    ["system", "master-key", true],
    ["system", "fn-key", false],
    ["admin", "master-key", true],
    ["admin", "fn-key", false],
    ["admin", "system-key", false],
    ["function", "fn-key-but-longer", false],
    ["function", "", false],
  ] as const)("%s route with %p → %p", (level, key, ok) => {
    expect(satisfies(keys, level, [key])).toBe(ok);
  });

  test("anonymous routes need nothing", () => {
    expect(satisfies(keys, "anonymous", [undefined])).toBe(true);
  });
});

test("the x-functions-key header wins over ?code= (AuthenticationLevelHandler)", () => {
  expect(presentedKey({ "x-functions-key": "wrong" }, new URLSearchParams("code=fn-key"))).toBe("wrong");
  expect(presentedKey({}, new URLSearchParams("code=fn-key"))).toBe("fn-key");
  expect(presentedKey({}, new URLSearchParams())).toBeUndefined();
});

test("Basic credentials carry the RPC key as the password", () => {
  expect(basicPassword({ authorization: `Basic ${Buffer.from("durabletask:system-key").toString("base64")}` })).toBe("system-key");
  expect(basicPassword({ authorization: "Bearer system-key" })).toBeUndefined();
  expect(basicPassword({ authorization: `Basic ${Buffer.from("no-colon").toString("base64")}` })).toBeUndefined();
  expect(basicPassword({})).toBeUndefined();
});

describe("raw paths", () => {
  test.each([
    ["/api/tenants/../sync", true],
    ["/api/tenants/%2e%2E/sync", true],
    ["/api/./tenants", true],
    ["/api/tenants/..\\sync", true],
    ["/api/tenants/a..b/sync", false],
    ["/api/tenants/demo/sync/sync%3Ademo%3Ax%2F..%2Fy", false],
    ["/api/tenants?x=/../", false],
  ])("%s has dot segments: %p", (target, dots) => {
    expect(rawPath(target).hasDotSegments).toBe(dots);
  });

  test("the query and fragment are not part of the path", () => {
    expect(rawPath("/api/x?code=1#f").path).toBe("/api/x");
  });
});
