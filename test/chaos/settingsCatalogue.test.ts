/**
 * Bad input catalogue for settings: every validated setting, fed values an operator could really
 * type, must stop start-up with a SettingsError naming that setting (and only it), without echoing
 * the value. (The HTTP API's catalogues live in test/api/api.test.ts and test/api/security.catalogue.test.ts.)
 */
import { loadSettings, settingNames, SettingsError, type Settings } from "../../lib/config/settings";

const CATALOGUE: Array<[keyof Settings, string[]]> = [
  ["CLEVER_API_BASE_URL", ["not a url", "api.clever.com", "//api.clever.com", "https//api.clever.com"]],
  ["CLEVER_OAUTH_BASE_URL", ["clever.com", "oauth endpoint"]],
  ["KEY_VAULT_URL", ["my-vault", "my-vault.vault.azure.net"]],
  ["TENANT_TABLES_ENDPOINT", ["mystorage.table.core.windows.net"]],
  ["SYNC_RETRY_FIRST_INTERVAL_SECONDS", ["0", "-1", "ten", "3601", "Infinity"]],
  ["SYNC_RETRY_MAX_ATTEMPTS", ["0", "21", "2.5", "four", "-3"]],
  ["SYNC_RETRY_MAX_INTERVAL_SECONDS", ["0", "86401", "2 minutes"]],
  ["SYNC_PAGE_SIZE", ["0", "10001", "1.5", "lots", "-100"]],
  ["QUARANTINE_RETENTION_DAYS", ["0", "3651", "1.5", "ninety"]],
  ["SYNC_LEASE_SECONDS", ["0", "29", "86401", "2.5", "fifteen minutes"]],
  ["TOKEN_REFRESH_FRACTION", ["0.05", "0.96", "1", "75%", "three quarters"]],
  ["TOKEN_VALIDATION_INTERVAL_MINUTES", ["0", "1441", "hourly"]],
  ["TOKEN_FAILURE_BACKOFF_MAX_MINUTES", ["-5", "1441", "half an hour"]],
  ["TOKEN_WAIT_TIMEOUT_SECONDS", ["0", "601", "30s"]],
  ["CREDENTIAL_CACHE_TTL_SECONDS", ["-1", "86401", "5m"]],
  ["WEBSITE_AUTH_ENABLED", ["yes", "1", "enabled"]],
  ["SQL_POOL_MAX", ["0", "51", "2.5", "lots"]],
  ["STORE_MAX_ROWS_PER_TRANSACTION", ["0", "4001", "1.5", "many"]],
  ["SYNC_EVENTS_MAX_AGE_DAYS", ["0", "30", "a month"]],
  ["CLEVER_API_VERSION", ["v4.0", "3.1", "latest", "v2.1"]],
  ["CLEVER_MAX_RESPONSE_BYTES", ["1000", "2500000.5", "huge"]],
  ["CLEVER_MAX_RECORD_BYTES", ["100", "20000.5", "2MB"]],
];

function settingsErrorOf(env: Record<string, string>): SettingsError {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error(`loadSettings accepted ${JSON.stringify(env)}`);
}

describe.each(CATALOGUE)("%s", (name, values) => {
  test.each(values)("%j is refused, naming the setting and not echoing the value", (value) => {
    const error = settingsErrorOf({ [name]: value });
    expect(error.problems.map((p) => p.setting)).toEqual([name]);
    expect(error.problems[0]!.problem.length).toBeGreaterThan(5);
    expect(error.message).toContain(`${name}: `);
    if (!/^[-\d.]+$/.test(value)) expect(error.message).not.toContain(value);
  });
});

test("the catalogue covers every setting that has a rule", () => {
  // Free-form strings (connection strings, paths) have no rule beyond "not blank", and blank means unset.
  const freeForm = ["AzureWebJobsStorage", "APPLICATIONINSIGHTS_CONNECTION_STRING", "TENANT_TABLES_CONNECTION", "SQL_CONNECTION", "SQLITE_PATH"];
  const covered = CATALOGUE.map(([name]) => name as string);
  expect(settingNames.filter((n) => !covered.includes(n) && !freeForm.includes(n))).toEqual([]);
});

test("several bad settings are reported together, each by name", () => {
  const error = settingsErrorOf({ SYNC_PAGE_SIZE: "20000", KEY_VAULT_URL: "vault-with-s3cr3t", TOKEN_WAIT_TIMEOUT_SECONDS: "forever" });
  expect(error.problems.map((p) => p.setting).sort()).toEqual(["KEY_VAULT_URL", "SYNC_PAGE_SIZE", "TOKEN_WAIT_TIMEOUT_SECONDS"]);
  expect(error.message).not.toContain("s3cr3t");
  expect(error.message).not.toContain("forever");
});

test("blank and padded values: blank means unset (the default applies), padding is trimmed", () => {
  const settings = loadSettings({ SYNC_PAGE_SIZE: "   ", SQL_CONNECTION: "", TOKEN_WAIT_TIMEOUT_SECONDS: " 45 ", CLEVER_API_BASE_URL: " http://127.0.0.1:8787 " });
  expect(settings).toMatchObject({ SYNC_PAGE_SIZE: 10000, TOKEN_WAIT_TIMEOUT_SECONDS: 45, CLEVER_API_BASE_URL: "http://127.0.0.1:8787" });
  expect(settings.SQL_CONNECTION).toBeUndefined();
});
