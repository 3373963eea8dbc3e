import { assertMayReach, mayReach, type Caller } from "../../lib/api/callerAccess";
import { ApiProblem } from "../../lib/api/problem";

const caller = (roles: Partial<Caller>): Caller => ({ operator: false, tenants: new Set(), viewerTenants: new Set(), ...roles });

describe("what each app role opens", () => {
  test.each([
    ["operator", caller({ operator: true }), { read: true, sync: true, operate: true }],
    ["tenant role", caller({ tenants: new Set(["a"]) }), { read: true, sync: true, operate: false }],
    ["viewer role", caller({ viewerTenants: new Set(["a"]) }), { read: true, sync: false, operate: false }],
    ["another tenant's roles", caller({ tenants: new Set(["b"]), viewerTenants: new Set(["c"]) }), { read: false, sync: false, operate: false }],
  ])("%s on tenant a", (_name, who, expected) => {
    expect({ read: mayReach(who, "a", "read"), sync: mayReach(who, "a", "sync"), operate: mayReach(who, "a", "operate") }).toEqual(expected);
  });

  test("a refusal names the role to ask for, and says nothing more about other tenants", () => {
    const viewer = caller({ viewerTenants: new Set(["a"]) });
    expect(() => assertMayReach(viewer, "a", "operate")).toThrow(/CleverSync\.Operator/);
    expect(() => assertMayReach(viewer, "a", "sync")).toThrow(/CleverSync\.Tenant\.a/);
    const outsider = (() => {
      try {
        assertMayReach(viewer, "zz", "read");
      } catch (error) {
        return error as ApiProblem;
      }
    })();
    expect(outsider).toMatchObject({ status: 403, title: "Not your tenant" });
  });
});
