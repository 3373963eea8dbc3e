import { InvalidTenantIdError, SECRET_KIND_NAMES, assertValidTenantId, isValidTenantId, secretRef } from "../../lib/secrets";

describe("secret naming convention", () => {
  test("Key Vault and local names for every kind", () => {
    const table = SECRET_KIND_NAMES.map((kind) => {
      const { name, envName } = secretRef("district-7", kind);
      return [kind, name, envName];
    });
    expect(table).toEqual([
      ["clientId", "clever-district-7-client-id", "CLEVER__DISTRICT_7__CLIENT_ID"],
      ["clientSecret", "clever-district-7-client-secret", "CLEVER__DISTRICT_7__CLIENT_SECRET"],
      ["districtToken", "clever-district-7-district-token", "CLEVER__DISTRICT_7__DISTRICT_TOKEN"],
      ["sqlConnection", "sql-district-7-connection", "SQL__DISTRICT_7__CONNECTION"],
      ["accessToken", "clever-district-7-access-token", "CLEVER__DISTRICT_7__ACCESS_TOKEN"],
    ]);
  });

  test("names fit Key Vault's alphabet and length even for the longest tenant id", () => {
    const longest = "a".repeat(63);
    for (const kind of SECRET_KIND_NAMES) {
      const { name, envName } = secretRef(longest, kind);
      expect(name).toMatch(/^[0-9a-zA-Z-]{1,127}$/);
      expect(envName).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  test("no two (tenant, kind) pairs share a name", () => {
    // Tenants chosen to collide if one suffix were a hyphenated tail of another.
    const tenants = ["a", "a-", "a-client", "a-district", "a-access", "client", "x-1", "x1", "a--b", "a---b"];
    const names = new Set<string>();
    const envNames = new Set<string>();
    for (const tenant of tenants) {
      for (const kind of SECRET_KIND_NAMES) {
        const ref = secretRef(tenant, kind);
        names.add(ref.name.toLowerCase()); // Key Vault names are case-insensitive
        envNames.add(ref.envName);
      }
    }
    expect(names.size).toBe(tenants.length * SECRET_KIND_NAMES.length);
    expect(envNames.size).toBe(tenants.length * SECRET_KIND_NAMES.length);
  });
});

describe("tenant id validation", () => {
  test.each(["demo", "district-42", "a", "0", "a".repeat(63), "x1-y2", "a-", "a--b"])("%j is valid", (id) => {
    expect(isValidTenantId(id)).toBe(true);
  });

  test.each(["", "../x", "a?b", "A B", "a b", "a".repeat(64), "Demo", "a_b", "a.b", "a/b", "a%2Fb", "-a", "é", "a\n", "a\u0000"])("%j is invalid", (id) => {
    expect(isValidTenantId(id)).toBe(false);
    expect(() => secretRef(id, "clientId")).toThrow(InvalidTenantIdError);
  });

  test.each([undefined, null, 42, {}])("non-string %p is invalid", (id) => {
    expect(isValidTenantId(id)).toBe(false);
  });

  test("the error names the field, shows the input and gives the fix", () => {
    let err: unknown;
    try {
      assertValidTenantId("A B", "body.tenantId");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidTenantIdError);
    const e = err as InvalidTenantIdError;
    expect(e.field).toBe("body.tenantId");
    expect(e.code).toBe("INVALID_TENANT_ID");
    expect(e.message).toBe(
      'Invalid body.tenantId: got "A B" (3 characters). Use 1-63 characters: lowercase letters a-z, digits 0-9 and hyphens, ' +
        'starting with a letter or digit, for example "district-42".',
    );
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ name: "InvalidTenantIdError", code: "INVALID_TENANT_ID", field: "body.tenantId" });
  });

  test("long or missing input is described, not dumped", () => {
    expect(() => assertValidTenantId("x".repeat(500))).toThrow(/got "x{70}…" \(500 characters\)/);
    expect(() => assertValidTenantId(undefined)).toThrow(/^Invalid tenantId: got nothing\./);
    expect(() => assertValidTenantId("")).toThrow(/^Invalid tenantId: got an empty string\./);
  });
});
