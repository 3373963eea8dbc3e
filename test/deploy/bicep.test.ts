/**
 * Static checks of bicep/ that need no Bicep compiler (none is installed where this is built; the
 * CI job `bicep` in .github/workflows/ci.yml compiles main.bicep). Each check also runs against a
 * deliberately bad snippet, so a check that can never fail is caught.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import sql from "mssql";
import { settingNames, loadSettings } from "../../lib/config/settings";
import { defaultStoreTarget, tableConnection } from "../../lib/runtime/services";
import { isSecretKey, TELEMETRY_SIGNALS } from "../../lib/telemetry";
import { BicepDecl, BicepFile, declsOf, isReferenced, isSecure, objectAfter, objectKeys, parseBicep, readBicep, verbatimStrings } from "./bicepSource";

const root = resolve(__dirname, "../..");
const bicepDir = join(root, "bicep");
const mainPath = join(bicepDir, "main.bicep");
const main = readBicep(mainPath);
const moduleFiles = readdirSync(join(bicepDir, "modules")).filter((f) => f.endsWith(".bicep"));
const allFiles: BicepFile[] = [main, ...moduleFiles.map((f) => readBicep(join(bicepDir, "modules", f)))];
const moduleFile = (name: string) => allFiles.find((f) => f.path.endsWith(`modules/${name}.bicep`))!;
const unquote = (text: string) => text.replace(/^'|'$/g, "");

/** Functions platform settings the app does not read itself (lib/config/settings.ts has only the app's). */
const PLATFORM_SETTINGS = new Set([
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  // host.json: extensions.durableTask.hubName = %TASKHUB_NAME% (checked below)
  "TASKHUB_NAME",
]);
/** Settings Flex Consumption rejects (runtime and package live in functionAppConfig). */
const FLEX_REJECTED = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
];

// ---- the checks, as functions, so the bad-snippet tests exercise the same code ----------------

/** Modules referenced by a file that do not exist next to it. */
function missingModules(file: BicepFile): string[] {
  return declsOf(file, "module")
    .map((m) => m.type)
    .filter((path) => !path.startsWith("br:") && !path.startsWith("ts:") && !existsSync(resolve(dirname(file.path), path)));
}

/** Problems with the params a module declaration passes, against the module file's own params. */
function moduleParamProblems(caller: BicepFile, module: BicepDecl, target: BicepFile): string[] {
  const passed = objectKeys(objectAfter(module.value!, "params"));
  const declared = declsOf(target, "param");
  const problems: string[] = [];
  for (const key of passed) if (!declared.some((p) => p.name === key)) problems.push(`${module.name}: passes unknown param ${key}`);
  for (const p of declared) if (p.value === undefined && !passed.includes(p.name)) problems.push(`${module.name}: required param ${p.name} not passed`);
  // <module>.outputs.<name> must be declared outputs
  for (const m of caller.bare.matchAll(new RegExp(`(?<![\\w.])${module.name}\\.outputs\\.(\\w+)`, "g"))) {
    if (!declsOf(target, "output").some((o) => o.name === m[1])) problems.push(`${module.name}: no output ${m[1]}`);
  }
  return problems;
}

const secureParamsWithDefault = (file: BicepFile) => declsOf(file, "param").filter((p) => isSecure(p) && p.value !== undefined).map((p) => p.name);
const secretNamedParamsNotSecure = (file: BicepFile) => declsOf(file, "param").filter((p) => isSecretKey(p.name) && !isSecure(p)).map((p) => p.name);

/** Outputs whose name looks secret (the app's own redaction rule) or whose value reads one. */
function secretOutputs(file: BicepFile): string[] {
  const secureParams = declsOf(file, "param").filter(isSecure).map((p) => p.name);
  return declsOf(file, "output")
    .filter(
      (o) =>
        isSecretKey(o.name) ||
        /connectionstring|password|secret/i.test(o.name) ||
        /\blist\w*\(|ConnectionString|InstrumentationKey|primaryKey|secondaryKey/i.test(o.value!) ||
        secureParams.some((p) => new RegExp(`(?<![\\w.])${p}\\b`).test(o.value!)),
    )
    .map((o) => o.name);
}

const unusedSymbols = (file: BicepFile) => [...declsOf(file, "param"), ...declsOf(file, "var")].filter((d) => !isReferenced(file, d)).map((d) => d.name);

/** Signal names quoted in KQL (`name == "X"`, `name in ("X", "Y")`) that the app does not emit. */
function unknownSignals(queries: string[]): string[] {
  return signalsIn(queries).filter((name) => !(name in TELEMETRY_SIGNALS));
}
function signalsIn(queries: string[]): string[] {
  const names = new Set<string>();
  for (const q of queries) {
    for (const m of q.matchAll(/\bname\s*==\s*"([^"]+)"/g)) names.add(m[1]);
    for (const m of q.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) for (const n of m[1].matchAll(/"([^"]+)"/g)) names.add(n[1]);
  }
  return [...names];
}

// ---- files and modules -----------------------------------------------------------------------

describe("bicep files and modules", () => {
  test("main.bicep references only modules that exist, and every module file is used", () => {
    expect(missingModules(main)).toEqual([]);
    const used = declsOf(main, "module").map((m) => m.type.replace(/^modules\//, ""));
    expect(used.length).toBeGreaterThanOrEqual(7);
    expect(moduleFiles.filter((f) => !used.includes(f))).toEqual([]);
    for (const file of allFiles.slice(1)) expect(missingModules(file)).toEqual([]);
  });

  test("a reference to a missing module is caught", () => {
    const bad = parseBicep("module x 'modules/doesNotExist.bicep' = {\n  name: 'x'\n  params: {}\n}\n", mainPath);
    expect(missingModules(bad)).toEqual(["modules/doesNotExist.bicep"]);
  });

  test("every module gets exactly its declared params (required ones included), and only declared outputs are read", () => {
    const problems = declsOf(main, "module").flatMap((m) => moduleParamProblems(main, m, readBicep(resolve(bicepDir, m.type))));
    expect(problems).toEqual([]);
  });

  test("a misspelt or missing module param and an unknown output are caught", () => {
    const target = parseBicep("param a string\nparam b string = 'x'\noutput o string = a\n");
    const caller = parseBicep("module m 'm.bicep' = {\n  name: 'm'\n  params: {\n    bb: 'y'\n  }\n}\noutput z string = m.outputs.nope\n");
    expect(moduleParamProblems(caller, declsOf(caller, "module")[0], target)).toEqual(["m: passes unknown param bb", "m: required param a not passed", "m: no output nope"]);
  });

  test("no unused params or vars (bicepconfig.json makes them linter errors in CI)", () => {
    for (const file of allFiles) expect({ file: file.path, unused: unusedSymbols(file) }).toEqual({ file: file.path, unused: [] });
    expect(unusedSymbols(parseBicep("param used string\nparam unused string\nvar v = '${used}-x'\noutput o string = v\n"))).toEqual(["unused"]);
  });

  test("no hard-coded cloud host names in strings (bicepconfig.json makes no-hardcoded-env-urls an error)", () => {
    // The rule's default host list, for the hosts this template could plausibly contain.
    const hosts = /core\.windows\.net|database\.windows\.net|vault\.azure\.net|management\.azure\.com|login\.microsoftonline\.com|graph\.windows\.net|api\.loganalytics\.io/i;
    // code view: comments blanked, strings kept; the same check on a bad line proves it can fail
    for (const file of allFiles) expect({ file: file.path, hit: hosts.exec(file.code)?.[0] }).toEqual({ file: file.path, hit: undefined });
    expect(hosts.test(parseBicep("// https://x.vault.azure.net is fine in a comment\nvar u = 'https://x.table.core.windows.net'\n").code)).toBe(true);
    expect(hosts.test(parseBicep("// https://x.vault.azure.net is fine in a comment\n").code)).toBe(false);
  });

  test("resource API versions are stable (no -preview)", () => {
    const types = allFiles.flatMap((f) => declsOf(f, "resource").map((r) => r.type));
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((t) => /-preview$/.test(t))).toEqual([]);
    for (const t of types) expect(t).toMatch(/^[A-Za-z]+\.[A-Za-z]+\/[\w/]+@\d{4}-\d{2}-\d{2}$/);
  });
});

// ---- secrets -----------------------------------------------------------------------------------

describe("no secret in parameters or outputs", () => {
  test("no @secure() param has a default; secret-looking params are @secure()", () => {
    for (const file of allFiles) {
      expect({ file: file.path, withDefault: secureParamsWithDefault(file), notSecure: secretNamedParamsNotSecure(file) }).toEqual({ file: file.path, withDefault: [], notSecure: [] });
    }
    // the one secure param is the App Insights connection string, inside the app module
    expect(declsOf(moduleFile("functionApp"), "param").filter(isSecure).map((p) => p.name)).toEqual(["appInsightsConnectionString"]);
    expect(declsOf(main, "param").filter(isSecure)).toEqual([]);
  });

  test("the secure-param checks fail on bad input", () => {
    const bad = parseBicep("@secure()\n@description('x')\nparam adminPassword string = 'hunter2hunter2'\nparam clientSecret string\n");
    expect(secureParamsWithDefault(bad)).toEqual(["adminPassword"]);
    expect(secretNamedParamsNotSecure(bad)).toEqual(["clientSecret"]);
  });

  test("no output has a secret-looking name or reads a key, connection string or secure param", () => {
    for (const file of allFiles) expect({ file: file.path, secret: secretOutputs(file) }).toEqual({ file: file.path, secret: [] });
    // metadata that merely mentions "key" stays allowed
    expect(declsOf(main, "output").map((o) => o.name)).toEqual(expect.arrayContaining(["keyVaultName", "keyVaultUri", "functionAppName", "functionAppHostName"]));
  });

  test("the output check fails on bad outputs", () => {
    const bad = parseBicep(
      [
        "@secure()",
        "param pw string",
        "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {",
        "  name: 'x'",
        "}",
        "output storageKey string = st.listKeys().keys[0].value",
        "output appInsightsConnectionString string = 'x'",
        "output harmless string = ai.properties.ConnectionString",
        "output echo string = pw",
        "output fine string = st.name",
      ].join("\n"),
    );
    expect(secretOutputs(bad)).toEqual(["storageKey", "appInsightsConnectionString", "harmless", "echo"]);
  });

  test("no password anywhere: SQL is Microsoft Entra-only", () => {
    const sqlModule = moduleFile("sql");
    expect(sqlModule.code).toMatch(/azureADOnlyAuthentication:\s*true/);
    expect(sqlModule.code).toMatch(/administratorType:\s*'ActiveDirectory'/);
    for (const file of allFiles) expect(file.code).not.toMatch(/administratorLoginPassword|administratorLogin:|listKeys\(|Password=/i);
    expect(sqlModule.code).toMatch(/name:\s*'AllowAllWindowsAzureIps'[\s\S]*startIpAddress:\s*'0\.0\.0\.0'[\s\S]*endIpAddress:\s*'0\.0\.0\.0'/);
  });

  test("storage is identity-only and Key Vault uses RBAC", () => {
    expect(moduleFile("storage").code).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(moduleFile("keyVault").code).toMatch(/enableRbacAuthorization:\s*true/);
  });
});

// ---- the Function App and its settings ---------------------------------------------------------

describe("Function App", () => {
  const app = moduleFile("functionApp");
  const coreSettings = declsOf(app, "var").find((v) => v.name === "coreAppSettings")!;
  const settingKeys = objectKeys(coreSettings.value!);

  test("Flex Consumption (FC1), Linux, Node 20, system-assigned identity, blob deployment storage with that identity", () => {
    expect(app.code).toMatch(/sku:\s*\{\s*name:\s*'FC1'\s*tier:\s*'FlexConsumption'/);
    expect(app.code).toMatch(/kind:\s*'functionapp,linux'/);
    expect(app.code).toMatch(/identity:\s*\{\s*type:\s*'SystemAssigned'/);
    expect(app.code).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'20'/);
    const deployment = objectAfter(app.code, "deployment");
    expect(deployment).toMatch(/type:\s*'blobContainer'/);
    expect(deployment).toMatch(/type:\s*'SystemAssignedIdentity'/);
    expect(objectAfter(app.code, "scaleAndConcurrency")).toMatch(/maximumInstanceCount[\s\S]*instanceMemoryMB/);
  });

  test("every app setting is one of the app's settings (lib/config) or a Functions platform setting", () => {
    expect(settingKeys.length).toBeGreaterThanOrEqual(9);
    const known = new Set<string>([...settingNames, ...PLATFORM_SETTINGS]);
    expect(settingKeys.filter((k) => !known.has(k))).toEqual([]);
    expect(settingKeys.filter((k) => FLEX_REJECTED.includes(k))).toEqual([]);
    // Plain AzureWebJobsStorage would be a connection string, and lib/runtime would prefer it over the identity-based endpoint.
    expect(settingKeys).not.toContain("AzureWebJobsStorage");
    expect(settingKeys).toEqual(
      expect.arrayContaining([
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "TASKHUB_NAME",
        "KEY_VAULT_URL",
        "TENANT_TABLES_ENDPOINT",
        "SQL_CONNECTION",
        "CLEVER_API_BASE_URL",
        "CLEVER_OAUTH_BASE_URL",
      ]),
    );
  });

  test("the setting-name check catches an unknown or Flex-rejected name", () => {
    const bad = objectKeys("{\n  KEY_VAULT_URL: x\n  KEY_VAULT_URI: y\n  FUNCTIONS_WORKER_RUNTIME: 'node'\n  'quoted-name': z\n  nested: {\n    INNER: 1\n  }\n}");
    expect(bad).toEqual(["KEY_VAULT_URL", "KEY_VAULT_URI", "FUNCTIONS_WORKER_RUNTIME", "quoted-name", "nested"]);
    const known = new Set<string>([...settingNames, ...PLATFORM_SETTINGS]);
    expect(bad.filter((k) => !known.has(k))).toEqual(["KEY_VAULT_URI", "FUNCTIONS_WORKER_RUNTIME", "quoted-name", "nested"]);
  });

  test("every %SETTING% that host.json reads is set by the Bicep", () => {
    const host = readFileSync(join(root, "host.json"), "utf8");
    const referenced = [...host.matchAll(/%(\w+)%/g)].map((m) => m[1]);
    expect(referenced).toContain("TASKHUB_NAME");
    expect(referenced.filter((name) => !settingKeys.includes(name))).toEqual([]);
  });

  test("SQL_CONNECTION holds no credential and makes the app's driver sign in with the managed identity", () => {
    const template = unquote(declsOf(app, "var").find((v) => v.name === "sqlConnection")!.value!);
    expect(template).not.toMatch(/password|pwd|user id|uid=/i);
    const rendered = template.replace("${sqlServerFqdn}", "sql-cleversync-staging-abc123.database.windows.net").replace("${sqlDatabaseName}", "cleversync");
    expect(rendered).not.toContain("${");
    const parsed = sql.ConnectionPool.parseConnectionString(rendered) as sql.config & { authentication_type?: string };
    expect(parsed).toMatchObject({ server: "sql-cleversync-staging-abc123.database.windows.net", port: 1433, database: "cleversync", options: { encrypt: true, trustServerCertificate: false } });
    expect(parsed.authentication_type).toBe("azure-active-directory-default");
  });

  test('pin: mssql does not understand ADO.NET\'s "Active Directory Default" (it would try a password login)', () => {
    // If this starts failing, mssql learned the keyword; functionApp.bicep may then use it.
    const parsed = sql.ConnectionPool.parseConnectionString("Server=tcp:x.database.windows.net,1433;Database=d;Authentication=Active Directory Default") as { authentication_type?: string };
    expect(parsed.authentication_type).toBe("default");
  });

  test("the settings as deployed load, pick identity-based Tables and SQL Server", () => {
    const storage = moduleFile("storage");
    const tableEndpoint = unquote(declsOf(storage, "output").find((o) => o.name === "tableEndpoint")!.value!)
      .replace("${storage.name}", "stcleversyncabc123")
      .replace("${environment().suffixes.storage}", "core.windows.net");
    const sqlTemplate = unquote(declsOf(app, "var").find((v) => v.name === "sqlConnection")!.value!);
    const env: Record<string, string> = {
      AzureWebJobsStorage__accountName: "stcleversyncabc123",
      AzureWebJobsStorage__credential: "managedidentity",
      TASKHUB_NAME: "CleverSyncstaging",
      KEY_VAULT_URL: "https://kv-clever-abc123.vault.azure.net/",
      TENANT_TABLES_ENDPOINT: tableEndpoint,
      SQL_CONNECTION: sqlTemplate.replace("${sqlServerFqdn}", "sql-x.database.windows.net").replace("${sqlDatabaseName}", "cleversync"),
      CLEVER_API_BASE_URL: unquote(declsOf(main, "param").find((p) => p.name === "cleverApiBaseUrl")!.value!),
      CLEVER_OAUTH_BASE_URL: unquote(declsOf(main, "param").find((p) => p.name === "cleverOAuthBaseUrl")!.value!),
    };
    expect(Object.keys(env).sort()).toEqual([...settingKeys].filter((k) => k !== "APPLICATIONINSIGHTS_CONNECTION_STRING").sort());
    expect(tableEndpoint).toBe("https://stcleversyncabc123.table.core.windows.net");
    const settings = loadSettings(env);
    const tables = tableConnection(settings);
    expect(tables).toMatchObject({ endpoint: "https://stcleversyncabc123.table.core.windows.net" });
    expect(tables).not.toHaveProperty("connectionString");
    expect(defaultStoreTarget(settings)).toMatchObject({ kind: "mssql" });
  });

  test("the default task hub name is valid for the Azure Storage provider in every environment", () => {
    const hub = declsOf(main, "param").find((p) => p.name === "taskHubName")!;
    expect(hub.value).toBe("'CleverSync${replace(environmentName, '-', '')}'");
    for (const environment of ["staging", "production", "dev-1"]) {
      expect(`CleverSync${environment.replace(/-/g, "")}`).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
    }
  });
});

// ---- roles ---------------------------------------------------------------------------------------

describe("role assignments", () => {
  const BUILT_IN_ROLES: Record<string, string> = {
    storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  };

  test("the app identity gets Storage Blob Data Owner, Queue Data Contributor, Table Data Contributor and Key Vault Secrets Officer", () => {
    const roles = moduleFile("roleAssignments");
    const table = declsOf(roles, "var").find((v) => v.name === "roles")!.value!;
    for (const [name, id] of Object.entries(BUILT_IN_ROLES)) expect(table).toMatch(new RegExp(`${name}:\\s*'${id}'`));
    const appStorage = declsOf(roles, "var").find((v) => v.name === "appStorageRoles")!.value!;
    expect(appStorage.match(/roles\.(\w+)/g)).toEqual(["roles.storageBlobDataOwner", "roles.storageQueueDataContributor", "roles.storageTableDataContributor"]);
    const kv = declsOf(roles, "resource").find((r) => r.name === "appKeyVault")!.value!;
    expect(kv).toMatch(/roles\.keyVaultSecretsOfficer/);
    expect(kv).toMatch(/scope:\s*vault/);
    expect(moduleFile("keyVault").code).toContain(`'${BUILT_IN_ROLES.keyVaultSecretsOfficer}'`);
  });
});

// ---- alerts ----------------------------------------------------------------------------------------

describe("alert rules", () => {
  const alerts = moduleFile("alerts");
  const queries = verbatimStrings(alerts.source);

  test("every signal an alert query names exists in lib/telemetry TELEMETRY_SIGNALS, in the right table", () => {
    expect(queries.length).toBe(4);
    expect(unknownSignals(queries)).toEqual([]);
    for (const q of queries) {
      for (const name of signalsIn([q])) {
        const signal = TELEMETRY_SIGNALS[name as keyof typeof TELEMETRY_SIGNALS];
        expect(q).toContain(signal.table);
        // every custom dimension read is one the emitters set
        for (const m of q.matchAll(/customDimensions\.(\w+)/g)) expect(signal.properties).toContain(m[1]);
      }
    }
  });

  test("the required alerts exist: SyncFailed, TokenRefreshFailed, HealthUnhealthy, with an email action group", () => {
    expect(signalsIn(queries)).toEqual(expect.arrayContaining(["SyncFailed", "SyncHeld", "TokenRefreshFailed", "HealthUnhealthy"]));
    expect(alerts.code).toMatch(/'Microsoft\.Insights\/scheduledQueryRules@/);
    expect(alerts.code).toMatch(/emailReceivers:\s*\[[\s\S]*emailAddress:\s*alertEmail/);
    expect(alerts.code).toMatch(/actionGroups:\s*\[\s*actionGroup\.id/);
  });

  test("each rule splits by a column its query produces", () => {
    const list = declsOf(alerts, "var").find((v) => v.name === "alertRules")!;
    const dims = [...list.value!.matchAll(/dimension:\s*'(\w+)'/g)].map((m) => m[1]);
    expect(dims).toHaveLength(queries.length);
    dims.forEach((dim, i) => expect(queries[i]).toMatch(new RegExp(`\\b${dim}\\b`)));
  });

  test("a query on a renamed or unknown signal is caught", () => {
    expect(unknownSignals(['customEvents | where name == "SyncFailure"', 'customEvents | where name in ("SyncFailed", "TokenRefreshError")'])).toEqual(["SyncFailure", "TokenRefreshError"]);
  });
});

// ---- parameters file and SQL script -----------------------------------------------------------------

describe("main.parameters.example.json", () => {
  const example = JSON.parse(readFileSync(join(bicepDir, "main.parameters.example.json"), "utf8")) as { parameters: Record<string, { value: unknown }> };
  const params = declsOf(main, "param");

  test("names only declared params, gives every required one, with values of the declared type and allowed values", () => {
    const given = Object.keys(example.parameters);
    expect(given.filter((name) => !params.some((p) => p.name === name))).toEqual([]);
    expect(params.filter((p) => p.value === undefined && !given.includes(p.name)).map((p) => p.name)).toEqual([]);
    const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : typeof v === "number" ? "int" : typeof v === "boolean" ? "bool" : typeof v);
    for (const p of params.filter((p) => given.includes(p.name))) {
      const value = example.parameters[p.name].value;
      expect({ param: p.name, type: typeOf(value) }).toEqual({ param: p.name, type: p.type });
      const allowed = p.decorators.find((d) => d.startsWith("@allowed("));
      if (allowed) expect(allowed).toContain(`'${String(value)}'`);
    }
  });

  test("holds no secret: no secret-looking or @secure() parameter", () => {
    const secureNames = params.filter(isSecure).map((p) => p.name);
    expect(Object.keys(example.parameters).filter((name) => isSecretKey(name) || secureNames.includes(name))).toEqual([]);
    expect(JSON.stringify(example)).not.toMatch(/password|AccountKey=|SharedAccessSignature|client[-_]?secret/i);
  });

  test("extraAppSettings are known app settings with valid values, and do not shadow a setting the template sets", () => {
    const extra = example.parameters.extraAppSettings.value as Record<string, string>;
    expect(Object.keys(extra).filter((k) => !(settingNames as string[]).includes(k))).toEqual([]);
    const core = objectKeys(declsOf(moduleFile("functionApp"), "var").find((v) => v.name === "coreAppSettings")!.value!);
    expect(Object.keys(extra).filter((k) => core.includes(k))).toEqual([]);
    expect(() => loadSettings(extra)).not.toThrow();
  });
});

test("bicep/sql/grant-app-user.sql creates the app's identity as a user with reader, writer and DDL roles", () => {
  const script = readFileSync(join(bicepDir, "sql", "grant-app-user.sql"), "utf8");
  const statements = script
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n");
  expect(statements).toMatch(/CREATE USER \[\$\(APP_NAME\)\] FROM EXTERNAL PROVIDER;/);
  for (const role of ["db_datareader", "db_datawriter", "db_ddladmin"]) expect(statements).toContain(`ALTER ROLE ${role} ADD MEMBER [$(APP_NAME)];`);
  expect(statements).not.toMatch(/PASSWORD/i);
});
