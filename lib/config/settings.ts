import { z } from "zod";

/**
 * Every setting the app reads, in one schema: parsed and validated once at startup so a bad
 * value stops the app with a message naming the setting, rather than failing at first use.
 * Names are app-setting names (environment variables locally).
 */
const url = z.string().url({ message: "must be an absolute URL such as https://example.com" });
const positiveNumber = (max: number) => z.coerce.number({ message: "must be a number" }).positive({ message: "must be greater than 0" }).max(max, { message: `must be at most ${max}` });

/**
 * A storage connection string is `key=value` pairs separated by ';'
 * (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string).
 * @azure/data-tables 13.3.2 (src/utils/connectionString.ts) crashes on a pair without '=' with
 * "Cannot read properties of undefined (reading 'toLowerCase')", naming nothing: checked here instead.
 */
const connectionString = z
  .string()
  .min(1)
  .refine((value) => value.split(";").every((part) => part.trim() === "" || /^[^=]+=/.test(part.trim())), {
    message: "is not a storage connection string: expected key=value pairs separated by ';' (e.g. DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net, or UseDevelopmentStorage=true)",
  });

/** The parts @azure/data-tables needs: development storage, an account key string, or a SAS string with a TableEndpoint. */
function tablesProblem(value: string): string | undefined {
  if (!connectionString.safeParse(value).success) return undefined; // already reported as malformed
  const keys = new Set(value.split(";").map((part) => part.trim().split("=")[0]!.trim().toLowerCase()).filter(Boolean));
  if (/usedevelopmentstorage=true/i.test(value)) return undefined;
  if (keys.has("accountkey")) {
    if (!keys.has("defaultendpointsprotocol") || !keys.has("accountname")) return "an account-key connection string needs DefaultEndpointsProtocol, AccountName and AccountKey";
    return undefined;
  }
  if (keys.has("sharedaccesssignature")) return keys.has("tableendpoint") ? undefined : "a SAS connection string needs a TableEndpoint for Azure Tables";
  return "has neither AccountKey nor SharedAccessSignature, so Azure Tables cannot use it (use UseDevelopmentStorage=true locally)";
}

export const settingsSchema = z.object({
  CLEVER_API_BASE_URL: url.default("https://api.clever.com"),
  CLEVER_OAUTH_BASE_URL: url.default("https://clever.com"),
  KEY_VAULT_URL: url.optional(),
  AzureWebJobsStorage: connectionString.optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  TENANT_TABLES_CONNECTION: connectionString.optional(),
  TENANT_TABLES_ENDPOINT: url.optional(),
  SQL_CONNECTION: z.string().min(1).optional(),
  SQLITE_PATH: z.string().min(1).default(".data/cleversync.sqlite"),
  SYNC_RETRY_FIRST_INTERVAL_SECONDS: positiveNumber(3600).default(10),
  SYNC_RETRY_MAX_ATTEMPTS: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1, { message: "must be at least 1" }).max(20, { message: "must be at most 20" }).default(4),
  SYNC_RETRY_MAX_INTERVAL_SECONDS: positiveNumber(24 * 3600).default(120),
  SYNC_PAGE_SIZE: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1, { message: "must be at least 1" }).max(10000, { message: "must be at most 10000 (Clever's page limit)" }).default(10000),
  TOKEN_REFRESH_FRACTION: z.coerce.number({ message: "must be a number" }).min(0.1, { message: "must be at least 0.1" }).max(0.95, { message: "must be at most 0.95" }).default(0.75),
  TOKEN_VALIDATION_INTERVAL_MINUTES: positiveNumber(24 * 60).default(60),
  TOKEN_FAILURE_BACKOFF_MAX_MINUTES: positiveNumber(24 * 60).default(30),
  TOKEN_WAIT_TIMEOUT_SECONDS: positiveNumber(600).default(30),
  CREDENTIAL_CACHE_TTL_SECONDS: positiveNumber(24 * 3600).default(300),
  // Set by App Service when App Service Authentication is on; only then is x-ms-client-principal trusted (lib/api/callerAccess.ts).
  WEBSITE_AUTH_ENABLED: z
    .string()
    .regex(/^(true|false)$/i, { message: "must be true or false (App Service sets it; do not set it yourself)" })
    .optional()
    .transform((value) => value?.toLowerCase() === "true"),
  QUARANTINE_RETENTION_DAYS: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1, { message: "must be at least 1" }).max(3650, { message: "must be at most 3650" }).default(90),
  SYNC_LEASE_SECONDS: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(30, { message: "must be at least 30" }).max(24 * 3600, { message: "must be at most 86400" }).default(900),
  SQL_POOL_MAX: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1, { message: "must be at least 1" }).max(50, { message: "must be at most 50" }).default(3),
  STORE_MAX_ROWS_PER_TRANSACTION: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1, { message: "must be at least 1" }).max(4000, { message: "must be at most 4000 (SQL Server escalates to a table lock near 5000 locks)" }).default(2000),
  // Clever keeps events 30 days (https://dev.clever.com/docs/events-api): stay inside that, with a margin.
  SYNC_EVENTS_MAX_AGE_DAYS: z.coerce.number({ message: "must be a number" }).min(1, { message: "must be at least 1" }).max(29, { message: "must be at most 29 (Clever keeps events for 30 days)" }).default(25),
  CLEVER_MAX_RESPONSE_BYTES: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1_000_000, { message: "must be at least 1000000" }).default(256 * 1024 * 1024),
  // v3.0 by default: the mirror maps v3.0 fields only, and v3.1 adds sensitive student demographics
  // (disability, IEP, 504, FRL) it would otherwise keep in raw JSON. Same paths and events in both.
  CLEVER_API_VERSION: z.enum(["v3.0", "v3.1"], { message: "must be v3.0 or v3.1" }).default("v3.0"),
  CLEVER_MAX_RECORD_BYTES: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(10_000, { message: "must be at least 10000" }).default(2 * 1024 * 1024),
}).superRefine((settings, context) => {
  // The connection the tenant registry uses (see tableConnection in lib/runtime/services.ts) must suit Azure Tables.
  const name = settings.TENANT_TABLES_CONNECTION ? "TENANT_TABLES_CONNECTION" : !settings.TENANT_TABLES_ENDPOINT && settings.AzureWebJobsStorage ? "AzureWebJobsStorage" : undefined;
  const problem = name ? tablesProblem(settings[name]!) : undefined;
  if (name && problem) context.addIssue({ code: "custom", path: [name], message: problem });
});

export type Settings = z.infer<typeof settingsSchema>;

/** Descriptions for docs/configuration.md; a test keeps the doc and the schema in step. */
export const settingNames = Object.keys(settingsSchema.shape) as (keyof Settings)[];

export class SettingsError extends Error {
  override readonly name = "SettingsError";
  constructor(readonly problems: { setting: string; problem: string }[]) {
    super(
      "Invalid settings:\n" +
        problems.map((p) => `  - ${p.setting}: ${p.problem}`).join("\n") +
        "\nFix: correct these app settings (locally: environment variables or local.settings.json Values). See docs/configuration.md.",
    );
  }
}

/** Reads settings from an environment-like map. Values are never echoed back: some are secrets. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const input: Record<string, string | undefined> = {};
  for (const name of settingNames) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === "" ? undefined : value.trim();
  }
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? "settings"), problem: issue.message })));
  }
  return parsed.data;
}
