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
import { configFromConnectionString } from "../../lib/store/mssqlConfig";
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
  // @azure/identity's DefaultAzureCredential: which user-assigned identity to use.
  "AZURE_CLIENT_ID",
  // Read by the Functions host through host.durable-task-scheduler.json (checked below).
  "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
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

  test("Flex Consumption (FC1), Linux, Node 22, user-assigned identity, blob deployment storage with that identity", () => {
    expect(app.code).toMatch(/sku:\s*\{\s*name:\s*'FC1'\s*tier:\s*'FlexConsumption'/);
    expect(app.code).toMatch(/kind:\s*'functionapp,linux'/);
    expect(app.code).toMatch(/identity:\s*\{\s*type:\s*'UserAssigned'\s*userAssignedIdentities:\s*\{\s*'\$\{identityId\}':\s*\{\}/);
    expect(app.code).not.toMatch(/SystemAssigned/);
    expect(app.code).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*(?:\/\/[^\n]*\s*)?version:\s*'22'/);
    const deployment = objectAfter(app.code, "deployment");
    expect(deployment).toMatch(/type:\s*'blobContainer'/);
    expect(deployment).toMatch(/type:\s*'UserAssignedIdentity'\s*userAssignedIdentityResourceId:\s*identityId/);
    expect(objectAfter(app.code, "scaleAndConcurrency")).toMatch(/maximumInstanceCount[\s\S]*instanceMemoryMB/);
    // package.json engines names the same major
    const engines = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=22\b/);
  });

  test("the identity and its roles exist before the app: roles go to the user-assigned identity, the app waits for them", () => {
    const functionAppModule = declsOf(main, "module").find((m) => m.name === "functionApp")!.value!;
    expect(objectAfter(functionAppModule, "params")).toMatch(/identityId:\s*identity\.outputs\.id/);
    const dependsOn = /dependsOn:\s*\[([^\]]*)\]/.exec(functionAppModule)![1]!;
    expect(dependsOn.split(/\s+/).filter(Boolean)).toEqual(expect.arrayContaining(["roleAssignments", "durableTaskScheduler"]));
    const rolesModule = declsOf(main, "module").find((m) => m.name === "roleAssignments")!.value!;
    expect(rolesModule).toMatch(/appPrincipalId:\s*identity\.outputs\.principalId/);
    // nothing that grants a role may wait for the app (that was the first-deployment race)
    for (const m of declsOf(main, "module").filter((d) => /roleAssignments|durableTaskScheduler/.test(d.name))) expect(m.value).not.toMatch(/functionApp\.outputs/);
    expect(moduleFile("identity").code).toMatch(/'Microsoft\.ManagedIdentity\/userAssignedIdentities@/);
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

  test("SQL_CONNECTION holds no secret and makes the app sign in as its user-assigned managed identity", () => {
    const template = unquote(declsOf(app, "var").find((v) => v.name === "sqlConnection")!.value!);
    expect(template).not.toMatch(/password|pwd/i);
    const rendered = template
      .replace("${sqlServerFqdn}", "sql-cleversync-staging-abc123.database.windows.net")
      .replace("${sqlDatabaseName}", "cleversync")
      .replace("${identityClientId}", "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
    expect(rendered).not.toContain("${");
    // Through the app's own connection code (lib/store/mssqlConfig.ts), then mssql's tedious config.
    const { config } = configFromConnectionString(rendered, {});
    const tedious = (new sql.ConnectionPool(config) as unknown as { _config(): { server: string; options: Record<string, unknown>; authentication: unknown } })._config();
    expect(tedious).toMatchObject({ server: "sql-cleversync-staging-abc123.database.windows.net", options: { port: 1433, database: "cleversync", encrypt: true, trustServerCertificate: false } });
    expect(tedious.authentication).toEqual({ type: "azure-active-directory-msi-app-service", options: { clientId: "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b" } });
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
      AzureWebJobsStorage__clientId: "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      AZURE_CLIENT_ID: "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      SQL_POOL_MAX: "3",
      TASKHUB_NAME: "CleverSyncstaging",
      KEY_VAULT_URL: "https://kv-clever-abc123.vault.azure.net/",
      TENANT_TABLES_ENDPOINT: tableEndpoint,
      SQL_CONNECTION: sqlTemplate.replace("${sqlServerFqdn}", "sql-x.database.windows.net").replace("${sqlDatabaseName}", "cleversync").replace("${identityClientId}", "5b3f9a84-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
      CLEVER_API_BASE_URL: unquote(declsOf(main, "param").find((p) => p.name === "cleverApiBaseUrl")!.value!),
      CLEVER_OAUTH_BASE_URL: unquote(declsOf(main, "param").find((p) => p.name === "cleverOAuthBaseUrl")!.value!),
    };
    expect(Object.keys(env).sort()).toEqual([...settingKeys].filter((k) => k !== "APPLICATIONINSIGHTS_CONNECTION_STRING").sort());
    expect(tableEndpoint).toBe("https://stcleversyncabc123.table.core.windows.net");
    const settings = loadSettings(env);
    const tables = tableConnection(settings);
    expect(tables).toMatchObject({ endpoint: "https://stcleversyncabc123.table.core.windows.net" });
    expect(tables).not.toHaveProperty("connectionString");
    expect(defaultStoreTarget(settings)).toMatchObject({ kind: "mssql", poolMax: 3 });
  });

  test("the default task hub name is valid for the Azure Storage provider in every environment", () => {
    const hub = declsOf(main, "param").find((p) => p.name === "taskHubName")!;
    expect(hub.value).toBe("'CleverSync${replace(environmentName, '-', '')}'");
    for (const environment of ["staging", "production", "dev-1"]) {
      expect(`CleverSync${environment.replace(/-/g, "")}`).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
    }
  });
});

// ---- SQL server on the first deployment and every one after -----------------------------------

/** Problems with how a SQL module sets its Entra admin: the server-level block must be create-only, child resources must manage it. */
function sqlAdminProblems(file: BicepFile): string[] {
  const problems: string[] = [];
  const server = declsOf(file, "resource").find((r) => r.type.startsWith("Microsoft.Sql/servers@"));
  if (!server) return ["no Microsoft.Sql/servers resource"];
  const line = /properties:\s*([^\n]+)/.exec(server.value!)?.[1] ?? "";
  const properties = line.trim().startsWith("{") ? objectAfter(server.value!, "properties") : line;
  if (/administrators\s*:/.test(properties)) problems.push("server properties always send administrators (fails on redeployment: Azure/bicep#6858)");
  if (!/serverExists\s*\?/.test(properties)) problems.push("server properties do not depend on serverExists");
  const types = declsOf(file, "resource").map((r) => r.type.replace(/@.*/, ""));
  for (const child of ["Microsoft.Sql/servers/administrators", "Microsoft.Sql/servers/azureADOnlyAuthentications"]) if (!types.includes(child)) problems.push(`no ${child} child resource`);
  return problems;
}

describe("SQL server: Entra admin and Entra-only on every deployment", () => {
  const sqlModule = moduleFile("sql");

  test("administrators is sent only when the server is created; child resources manage admin and Entra-only afterwards", () => {
    expect(sqlAdminProblems(sqlModule)).toEqual([]);
    const createOnly = declsOf(sqlModule, "var").find((v) => v.name === "createOnlyProperties")!.value!;
    expect(createOnly).toMatch(/administrators:\s*\{[\s\S]*azureADOnlyAuthentication:\s*true[\s\S]*sid:\s*adminObjectId/);
    const server = declsOf(sqlModule, "resource").find((r) => r.type.startsWith("Microsoft.Sql/servers@"))!.value!;
    expect(server).toMatch(/properties:\s*serverExists\s*\?\s*serverProperties\s*:\s*union\(serverProperties,\s*createOnlyProperties\)/);
    const admin = declsOf(sqlModule, "resource").find((r) => r.type.startsWith("Microsoft.Sql/servers/administrators@"))!;
    expect(admin.value).toMatch(/name:\s*'ActiveDirectory'[\s\S]*sid:\s*adminObjectId/);
    const entraOnly = declsOf(sqlModule, "resource").find((r) => r.type.startsWith("Microsoft.Sql/servers/azureADOnlyAuthentications@"))!;
    expect(entraOnly.value).toMatch(/name:\s*'Default'[\s\S]*dependsOn:\s*\[\s*entraAdmin\s*\][\s\S]*azureADOnlyAuthentication:\s*true/);
    // main passes it, defaulting to a first deployment; the workflow sets it from what exists
    expect(declsOf(main, "param").find((p) => p.name === "sqlServerExists")!.value).toBe("false");
    expect(declsOf(main, "module").find((m) => m.name === "sql")!.value).toMatch(/serverExists:\s*sqlServerExists/);
  });

  test("the check catches a server that always sends administrators (the template before Azure/bicep#6858 was handled)", () => {
    const bad = parseBicep(
      "param adminObjectId string\nresource sqlServer 'Microsoft.Sql/servers@2021-11-01' = {\n  name: 'x'\n  properties: {\n    version: '12.0'\n    administrators: {\n      azureADOnlyAuthentication: true\n      sid: adminObjectId\n    }\n  }\n}\n",
    );
    expect(sqlAdminProblems(bad)).toEqual([
      "server properties always send administrators (fails on redeployment: Azure/bicep#6858)",
      "server properties do not depend on serverExists",
      "no Microsoft.Sql/servers/administrators child resource",
      "no Microsoft.Sql/servers/azureADOnlyAuthentications child resource",
    ]);
  });
});

// ---- durable backend ------------------------------------------------------------------------------

describe("durable backend: Azure Storage or Durable Task Scheduler", () => {
  const app = moduleFile("functionApp");
  const dts = moduleFile("durableTaskScheduler");
  const host = JSON.parse(readFileSync(join(root, "host.json"), "utf8")) as { extensions: { durableTask: Record<string, unknown> } } & Record<string, unknown>;
  const hostDts = JSON.parse(readFileSync(join(root, "host.durable-task-scheduler.json"), "utf8")) as typeof host;

  test("a durableBackend parameter beside Azure Storage, defaulting to Azure Storage; the scheduler module only for DTS", () => {
    const param = declsOf(main, "param").find((p) => p.name === "durableBackend")!;
    expect(param.value).toBe("'AzureStorage'");
    expect(param.decorators.join(" ")).toMatch(/@allowed\(\[\s*'AzureStorage'\s*'DurableTaskScheduler'\s*\]\)/);
    expect(declsOf(main, "module").find((m) => m.name === "durableTaskScheduler")!.value).toMatch(/^\s*if \(useDurableTaskScheduler\)/);
    expect(dts.code).toMatch(/'Microsoft\.DurableTask\/schedulers@\d{4}-\d{2}-\d{2}'/);
    expect(dts.code).toMatch(/'Microsoft\.DurableTask\/schedulers\/taskHubs@\d{4}-\d{2}-\d{2}'[\s\S]*name:\s*taskHubName/);
    // Durable Task Data Contributor for the app identity, on the scheduler
    expect(dts.code).toContain("'0ad04412-c4d5-4796-b79c-f76d14c8d402'");
    expect(declsOf(dts, "resource").find((r) => r.name === "appRole")!.value).toMatch(/principalId:\s*appPrincipalId[\s\S]*|scope:\s*scheduler/);
  });

  test("host.durable-task-scheduler.json differs from host.json only in the durable storage provider (and its log category)", () => {
    const strip = (h: typeof host) => {
      const copy = JSON.parse(JSON.stringify(h)) as typeof host & { logging: { logLevel: Record<string, string> } };
      delete copy.extensions.durableTask.storageProvider;
      delete copy.logging.logLevel["DurableTask.AzureStorage"];
      return copy;
    };
    expect(strip(hostDts)).toEqual(strip(host));
    expect(host.extensions.durableTask.storageProvider).toMatchObject({ type: "AzureStorage" });
    expect(hostDts.extensions.durableTask.storageProvider).toEqual({ type: "azureManaged", connectionStringName: "DURABLE_TASK_SCHEDULER_CONNECTION_STRING" });
    expect(hostDts.extensions.durableTask.hubName).toBe("%TASKHUB_NAME%");
  });

  test("the Bicep sets the connection the DTS host.json names, for the user-assigned identity, only when DTS is chosen", () => {
    const dtsSettings = /var dtsAppSettings = ([\s\S]*?)\n\n/.exec(app.code)![1]!;
    const name = (hostDts.extensions.durableTask.storageProvider as { connectionStringName: string }).connectionStringName;
    expect(dtsSettings).toMatch(/^durableBackend == 'DurableTaskScheduler'\s*\?/);
    expect(dtsSettings).toMatch(/:\s*\{\}$/);
    expect(dtsSettings).toMatch(new RegExp(`${name}:\\s*'Endpoint=\\$\\{durableTaskSchedulerEndpoint\\};Authentication=ManagedIdentity;ClientID=\\$\\{identityClientId\\}'`));
    expect(declsOf(app, "var").find((v) => v.name === "appSettings")!.value).toMatch(/union\(extraAppSettings,\s*coreAppSettings,\s*dtsAppSettings\)/);
  });
});

// ---- SQL connection pool against the database's worker limit --------------------------------------

describe("SQL connection pool sizing", () => {
  // Azure SQL resource limits, serverless GP_S_Gen5_2: max concurrent workers 150
  // (https://learn.microsoft.com/azure/azure-sql/database/resource-limits-vcore-single-databases).
  const GP_S_GEN5_2_WORKERS = 150;
  // Kept free for the Entra admin, migrations from a second deployment, query editors and parallel plans.
  const HEADROOM = 20;

  test("default maximumInstanceCount x sqlPoolMax stays under GP_S_Gen5_2's worker limit with headroom, and the app gets SQL_POOL_MAX", () => {
    const instances = Number(declsOf(main, "param").find((p) => p.name === "maximumInstanceCount")!.value);
    const pool = Number(declsOf(main, "param").find((p) => p.name === "sqlPoolMax")!.value);
    const sku = declsOf(main, "param").find((p) => p.name === "sqlDatabaseSku")!.value!;
    expect(sku).toMatch(/name:\s*'GP_S_Gen5'[\s\S]*capacity:\s*2/);
    expect(instances * pool).toBeLessThanOrEqual(GP_S_GEN5_2_WORKERS - HEADROOM);
    const example = JSON.parse(readFileSync(join(bicepDir, "main.parameters.example.json"), "utf8")) as { parameters: Record<string, { value: unknown }> };
    expect(Number(example.parameters.maximumInstanceCount?.value ?? instances) * Number(example.parameters.sqlPoolMax?.value ?? pool)).toBeLessThanOrEqual(GP_S_GEN5_2_WORKERS - HEADROOM);
    expect(objectAfter(declsOf(main, "module").find((m) => m.name === "functionApp")!.value!, "params")).toMatch(/sqlPoolMax:\s*sqlPoolMax/);
    expect(declsOf(app_(), "var").find((v) => v.name === "coreAppSettings")!.value).toMatch(/SQL_POOL_MAX:\s*sqlPoolMax/);
    // docs/deploy.md shows the same arithmetic
    const doc = readFileSync(join(root, "docs", "deploy.md"), "utf8");
    expect(doc).toContain(`${instances} × ${pool} = ${instances * pool}`);
  });
});

function app_(): BicepFile {
  return moduleFile("functionApp");
}

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
