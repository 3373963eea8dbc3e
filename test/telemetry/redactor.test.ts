/** Redaction rules, one by one, plus known secrets and the things that must stay readable. */
import { inspect } from "node:util";
import { REDACTED, createRedactor, isSecretKey, type Redactor } from "../../lib/telemetry";

const CLIENT_SECRET = "cs_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const ACCESS_TOKEN = "5b2a1c9d8e7f60514a3b2c1d0e9f8a7b6c5d4e3f";

describe("Redactor: known secrets", () => {
  let redactor: Redactor;
  beforeEach(() => {
    redactor = createRedactor();
    redactor.addSecret(CLIENT_SECRET);
    redactor.addSecret(ACCESS_TOKEN);
  });

  it("replaces every occurrence of a registered value, wherever it is", () => {
    expect(redactor.redact(`secret=${CLIENT_SECRET} again ${CLIENT_SECRET}; token ${ACCESS_TOKEN}.`)).toBe(`secret=${REDACTED} again ${REDACTED}; token ${REDACTED}.`);
    expect(redactor.redact(`prefix${ACCESS_TOKEN}suffix`)).toBe(`prefix${REDACTED}suffix`);
  });

  it("catches the URL-encoded and JSON-escaped forms too", () => {
    const awkward = 'p@ss/w"rd+with spaces';
    redactor.addSecret(awkward);
    expect(redactor.redact(`https://x.test/cb?v=${encodeURIComponent(awkward)}`)).not.toContain(encodeURIComponent(awkward));
    expect(redactor.redact(JSON.stringify({ note: awkward }))).toBe(`{"note":"${REDACTED}"}`);
  });

  it("ignores values shorter than 8 characters and non-strings", () => {
    redactor.addSecret("short");
    redactor.addSecret("1234567");
    redactor.addSecret(undefined);
    redactor.addSecret(null);
    expect(redactor.redact("short 1234567 true")).toBe("short 1234567 true");
  });

  it("picks up secrets added later (the combined pattern is rebuilt)", () => {
    const later = "added-later-secret-value";
    expect(redactor.redact(`x ${later}`)).toBe(`x ${later}`);
    redactor.addSecret(later);
    expect(redactor.redact(`x ${later}`)).toBe(`x ${REDACTED}`);
  });

  it("replaces a longer secret whole when it contains a shorter one", () => {
    const short = "abcdefgh12";
    const long = `${short}-and-more-of-it`;
    redactor.addSecrets([short, long]);
    expect(redactor.redact(`v=${long}!`)).toBe(`v=${REDACTED}!`);
  });

  it("treats regex metacharacters in secrets literally", () => {
    const tricky = "a.b*c+d?(e)[f]{g}|h^$\\i";
    redactor.addSecret(tricky);
    expect(redactor.redact(`x ${tricky} y aXbbc`)).toBe(`x ${REDACTED} y aXbbc`);
  });

  it("scrubs a secret inside an error message and its stack", () => {
    const error = new Error(`Clever rejected client secret ${CLIENT_SECRET}`);
    expect(error.stack).toContain(CLIENT_SECRET);
    const redacted = redactor.redactError(error);
    expect(redacted.name).toBe("Error");
    expect(redacted.message).toBe(`Clever rejected client secret ${REDACTED}`);
    expect(redacted.stack).toContain(REDACTED);
    expect(redacted.stack).toContain("redactor.test.ts");
    expect(JSON.stringify(redacted)).not.toContain(CLIENT_SECRET);
  });

  it("scrubs nested properties, arrays, errors and maps, and survives cycles", () => {
    const cyclic: Record<string, unknown> = { label: `has ${ACCESS_TOKEN}` };
    cyclic.self = cyclic;
    const properties = {
      tenantId: "district-7",
      request: { url: `https://api.clever.com/v3.0/users?x=${ACCESS_TOKEN}`, attempts: [{ note: `used ${CLIENT_SECRET}` }] },
      failure: new Error(`token ${ACCESS_TOKEN} expired`),
      lookup: new Map([["k", CLIENT_SECRET]]),
      cyclic,
    };
    const redacted = redactor.redactProperties(properties);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(ACCESS_TOKEN);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(redacted.tenantId).toBe("district-7");
    expect(redacted.request).toEqual({ url: `https://api.clever.com/v3.0/users?x=${REDACTED}`, attempts: [{ note: `used ${REDACTED}` }] });
    expect(redacted.cyclic).toEqual({ label: `has ${REDACTED}`, self: "[Circular]" });
  });

  it("never shows its secrets when inspected or serialized", () => {
    expect(inspect(redactor, { depth: 5, showHidden: true })).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify(redactor)).not.toContain(CLIENT_SECRET);
    expect(redactor.secretCount).toBeGreaterThanOrEqual(2);
  });
});

describe("Redactor: patterns", () => {
  const redactor = createRedactor();
  const cases: Array<[string, string, string]> = [
    ["Bearer token", "retrying GET /v3.0/users with Bearer abcDEF123456._~+/xyz== after 401", `retrying GET /v3.0/users with Bearer ${REDACTED} after 401`],
    ["Basic credentials", `token endpoint called with Basic ${Buffer.from("client-id:client-secret").toString("base64")}`, `token endpoint called with Basic ${REDACTED}`],
    ["Authorization header line", "Authorization: Bearer abcdef0123456789, Accept: application/json", `Authorization: ${REDACTED}, Accept: application/json`],
    ["Authorization header in JSON", '{"headers":{"authorization":"Basic Y2xpZW50OnNlY3JldA==","accept":"json"}}', `{"headers":{"authorization":"${REDACTED}","accept":"json"}}`],
    ["access_token query parameter", "GET https://api.clever.com/oauth/tokens?access_token=abc123&owner_type=district", `GET https://api.clever.com/oauth/tokens?access_token=${REDACTED}&owner_type=district`],
    ["access_token in JSON", '{"access_token":"il3WT2hmKQ2JsTBqHiXvsVxwJqRj","token_type":"bearer"}', `{"access_token":"${REDACTED}","token_type":"bearer"}`],
    ["access_token in JSON with spaces", '{ "access_token" : "abc def" }', `{ "access_token" : "${REDACTED}" }`],
    ["access_token in re-stringified JSON", '"{\\"access_token\\":\\"abc\\"}"', `"{\\"access_token\\":\\"${REDACTED}\\"}"`],
    ["client_secret form field", "grant_type=client_credentials&client_secret=s3cr3t!&scope=x", `grant_type=client_credentials&client_secret=${REDACTED}&scope=x`],
    ["client_secret with a colon", "client_secret: s3cr3t-value", `client_secret: ${REDACTED}`],
    ["clientSecret as util.inspect prints it", "{ clientId: 'abc', clientSecret: 'xyz123' }", `{ clientId: 'abc', clientSecret: '${REDACTED}' }`],
    ["SQL Password=", "Server=tcp:db.example.net,1433;Database=roster;User ID=app;Password=Pa55w0rd!;Encrypt=true", `Server=tcp:db.example.net,1433;Database=roster;User ID=app;Password=${REDACTED};Encrypt=true`],
    ["SQL Password={…} with a semicolon", "Server=db;Password={a;b c};Encrypt=true", `Server=db;Password=${REDACTED};Encrypt=true`],
    ["storage AccountKey=", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02xNOcqFl/K1SZFPTOtr==;EndpointSuffix=core.windows.net", `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${REDACTED};EndpointSuffix=core.windows.net`],
    ["Service Bus SharedAccessKey=", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc/def+ghi=", `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${REDACTED}`],
    ["SAS sig=", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sig=abc%2Bdef%3D&sp=r", `https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sig=${REDACTED}&sp=r`],
    ["OAuth code=", "https://app.example/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj", `https://app.example/callback?code=${REDACTED}&state=af0ifjsldkj`],
    ["Functions key code=", "https://fn.azurewebsites.net/api/tenants/demo/sync?code=abcDEF123==", `https://fn.azurewebsites.net/api/tenants/demo/sync?code=${REDACTED}`],
    ["JWT", "id token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk done", `id token ${REDACTED} done`],
    ["unsigned JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhYmMifQ.", REDACTED],
  ];

  it.each(cases)("%s", (_name, input, expected) => {
    expect(redactor.redact(input)).toBe(expected);
  });

  it("redacts values of secret-named property keys whole, at any depth", () => {
    const redacted = redactor.redactProperties({
      password: "p",
      clientSecret: "anything",
      accessToken: { nested: "object" },
      authorization: "Bearer x",
      sqlConnectionString: "Server=db",
      apiKey: "k",
      nested: { deeper: [{ refresh_token: "r", Cookie: "c" }] },
      tokenFingerprint: "9f86d081",
      tokenExpiresAt: "2030-01-01T00:00:00Z",
      secretName: "clever-demo-client-secret",
      keyVaultUrl: "https://kv.vault.azure.net",
      missing: null,
    });
    expect(redacted).toEqual({
      password: REDACTED,
      clientSecret: REDACTED,
      accessToken: REDACTED,
      authorization: REDACTED,
      sqlConnectionString: REDACTED,
      apiKey: REDACTED,
      nested: { deeper: [{ refresh_token: REDACTED, Cookie: REDACTED }] },
      tokenFingerprint: "9f86d081",
      tokenExpiresAt: "2030-01-01T00:00:00Z",
      secretName: "clever-demo-client-secret",
      keyVaultUrl: "https://kv.vault.azure.net",
      missing: null,
    });
  });

  it.each([
    ["password", true],
    ["Password", true],
    ["passwordHash", true],
    ["client_secret", true],
    ["clientSecret", true],
    ["secret", true],
    ["access_token", true],
    ["districtToken", true],
    ["Authorization", true],
    ["proxyAuthorizationHeader", true],
    ["connectionString", true],
    ["APPLICATIONINSIGHTS_CONNECTION_STRING", true],
    ["AccountKey", true],
    ["x-api-key", true],
    ["secretValue", true],
    ["tokenFingerprint", false],
    ["tokenType", false],
    ["secretName", false],
    ["keyVaultUrl", false],
    ["tenantId", false],
    ["resource", false],
  ])("isSecretKey(%p) is %p", (key, expected) => {
    expect(isSecretKey(key)).toBe(expected);
  });
});

describe("Redactor: what stays readable", () => {
  const redactor = createRedactor(["some-registered-secret"]);
  it.each([
    ["a tenant id", "tenant district-7 synced"],
    ["a Clever record id", "user 5f1a2b3c4d5e6f7a8b9c0d1e quarantined: missing email"],
    ["a URL without credentials", "GET https://api.clever.com/v3.0/sections?limit=500&starting_after=5f1a2b3c4d5e6f7a8b9c0d1e → 200"],
    ["an instance id", "sync:district-7:20250106T120000Z is Running"],
    ["prose about tokens", "the bearer token expired; refreshing token for tenant district-7"],
    ["metadata key=value pairs", "statusCode=429 retryAfterMs=7000 tokenExpiresAt=2030-01-01T00:00:00Z keyVaultUrl=https://kv.vault.azure.net/"],
    ["a dotted name", "lib.telemetry.redactor loaded from cleversync.azurewebsites.net"],
    ["an ISO time and a duration", "2025-01-06T12:00:00.000Z took 1234 ms"],
  ])("%s", (_name, text) => {
    expect(redactor.redact(text)).toBe(text);
  });

  it("keeps non-secret structure and scalar types", () => {
    const date = new Date("2025-01-06T12:00:00Z");
    expect(redactor.redactProperties({ tenantId: "district-7", page: 3, ok: true, at: date, ids: ["a", "b"] })).toEqual({
      tenantId: "district-7",
      page: 3,
      ok: true,
      at: "2025-01-06T12:00:00.000Z",
      ids: ["a", "b"],
    });
  });
});
