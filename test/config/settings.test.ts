import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings, settingNames, SettingsError } from "../../lib/config/settings";

test("defaults apply when nothing is set", () => {
  const settings = loadSettings({});
  expect(settings.TOKEN_REFRESH_FRACTION).toBe(0.75);
  expect(settings.CLEVER_API_BASE_URL).toBe("https://api.clever.com");
  expect(settings.KEY_VAULT_URL).toBeUndefined();
});

test("values are parsed and validated", () => {
  expect(loadSettings({ TOKEN_VALIDATION_INTERVAL_MINUTES: "15", KEY_VAULT_URL: "https://kv.vault.azure.net" })).toMatchObject({
    TOKEN_VALIDATION_INTERVAL_MINUTES: 15,
    KEY_VAULT_URL: "https://kv.vault.azure.net",
  });
});

test("a bad value fails with the setting's name, the problem and the fix, without echoing the value", () => {
  let error: unknown;
  try {
    loadSettings({ TOKEN_REFRESH_FRACTION: "1.5", KEY_VAULT_URL: "not a url s3cr3t" });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SettingsError);
  const message = (error as Error).message;
  expect(message).toContain("TOKEN_REFRESH_FRACTION: must be at most 0.95");
  expect(message).toContain("KEY_VAULT_URL: must be an absolute URL");
  expect(message).toContain("docs/configuration.md");
  expect(message).not.toContain("s3cr3t");
});

test("every setting is documented in docs/configuration.md", () => {
  const doc = readFileSync(join(__dirname, "../../docs/configuration.md"), "utf8");
  const missing = settingNames.filter((name) => !doc.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test("WEBSITE_AUTH_ENABLED reads like the Functions host's bool.TryParse: true/True, anything unset is false", () => {
  expect(loadSettings({}).WEBSITE_AUTH_ENABLED).toBe(false);
  expect(loadSettings({ WEBSITE_AUTH_ENABLED: "True" }).WEBSITE_AUTH_ENABLED).toBe(true);
  expect(loadSettings({ WEBSITE_AUTH_ENABLED: "false" }).WEBSITE_AUTH_ENABLED).toBe(false);
});

describe("storage connection strings", () => {
  const valid = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net";

  test.each(["TENANT_TABLES_CONNECTION", "AzureWebJobsStorage"])("garbage in %s is named, with the expected shape, never echoed", (name) => {
    let error: unknown;
    try {
      loadSettings({ [name]: "garbage-s3cr3t" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([{ setting: name, problem: expect.stringContaining("expected key=value pairs separated by ';'") }]);
    expect((error as Error).message).not.toContain("s3cr3t");
  });

  test("the string the tenant registry uses must suit Azure Tables", () => {
    expect(() => loadSettings({ TENANT_TABLES_CONNECTION: "AccountName=acct;AccountKey=abc" })).toThrow(/TENANT_TABLES_CONNECTION: an account-key connection string needs DefaultEndpointsProtocol, AccountName and AccountKey/);
    expect(() => loadSettings({ AzureWebJobsStorage: "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=x" })).toThrow(/AzureWebJobsStorage: a SAS connection string needs a TableEndpoint/);
    // AzureWebJobsStorage is not used for tables when TENANT_TABLES_CONNECTION is set: only its shape counts.
    expect(() => loadSettings({ TENANT_TABLES_CONNECTION: valid, AzureWebJobsStorage: "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=x" })).not.toThrow();
    expect(loadSettings({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }).AzureWebJobsStorage).toBe("UseDevelopmentStorage=true");
    expect(loadSettings({ TENANT_TABLES_CONNECTION: valid }).TENANT_TABLES_CONNECTION).toBe(valid);
  });
});
