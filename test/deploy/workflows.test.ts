/**
 * The GitHub workflows: each validates against the workflow schema with action-validator (and a
 * broken copy does not, so the check can fail), plus what the schema cannot know: that the SQL
 * Server service really feeds the store contract tests, that deploy.yml reads outputs main.bicep
 * declares, that the smoke test calls a route the app registers anonymously, and so on.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import sql from "mssql";
import { declsOf, readBicep } from "./bicepSource";

// js-yaml arrives transitively (jest's istanbul / eslint) and has no types installed: declare the two calls used.
const yaml = require("js-yaml") as { load(text: string): unknown; dump(value: unknown): string };

const root = resolve(__dirname, "../..");
const workflowsDir = join(root, ".github", "workflows");
const validatorCli = join(root, "node_modules", "@action-validator", "cli", "cli.mjs");
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

type Json = Record<string, unknown>;
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  id?: string;
}
interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps?: Step[];
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  environment?: string | { name: string; url?: string };
  env?: Record<string, string>;
  secrets?: unknown;
}
interface Workflow {
  on: Json;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (file: string) => yaml.load(readFileSync(join(workflowsDir, file), "utf8")) as Workflow;
const ci = load("ci.yml");
const deploy = load("deploy.yml");
const deployEnv = load("deploy-environment.yml");
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const needsOf = (job: Job) => (Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : []);

function validate(path: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [validatorCli, path], { encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

/** Replaces ${{ env.NAME }} with the workflow's env values (what GitHub does for this simple case). */
const expandEnv = (text: string, env: Record<string, string>) => text.replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, (_, name: string) => env[name] ?? `<<unset ${name}>>`);

describe("action-validator", () => {
  test.each(workflowFiles)("%s validates", (file) => {
    const { status, stderr } = validate(join(workflowsDir, file));
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
  });

  test("the expected workflows exist", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "deploy.yml", "deploy-environment.yml"]));
  });

  test("a broken copy fails: a step with both uses and run, a job without runs-on, an unknown key", () => {
    const dir = mkdtempSync(join(tmpdir(), "workflows-"));
    try {
      const breakages: ((wf: Workflow) => void)[] = [
        (wf) => Object.assign(wf.jobs.test.steps![0], { run: "echo both" }),
        (wf) => delete (wf.jobs.test as Json)["runs-on"],
        (wf) => Object.assign(wf.jobs.bicep, { "runs-onn": "ubuntu-latest" }),
      ];
      breakages.forEach((breakIt, i) => {
        const copy = load("ci.yml");
        breakIt(copy);
        const path = join(dir, `broken-${i}.yml`);
        writeFileSync(path, yaml.dump(copy));
        const { status, stderr } = validate(path);
        expect(status).toBe(1);
        expect(JSON.parse(stderr).errors.length).toBeGreaterThan(0);
      });
      // and the unbroken copy, dumped the same way, still passes (the breakage is what fails)
      const path = join(dir, "intact.yml");
      writeFileSync(path, yaml.dump(load("ci.yml")));
      expect(validate(path).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("all workflows", () => {
  test("no ${{ }} expression inside a run script (inputs and vars go through env: no script injection)", () => {
    for (const file of workflowFiles) {
      const bad = steps(load(file)).filter((s) => s.run?.includes("${{"));
      expect({ file, bad: bad.map((s) => s.name) }).toEqual({ file, bad: [] });
    }
  });

  test("local reusable workflows exist, accept workflow_call, and get exactly their inputs", () => {
    for (const file of workflowFiles) {
      for (const [name, job] of Object.entries(load(file).jobs)) {
        if (!job.uses?.startsWith("./")) continue;
        const target = job.uses.replace(/^\.\/\.github\/workflows\//, "");
        expect(workflowFiles).toContain(target);
        const called = load(target);
        expect(called.on).toHaveProperty("workflow_call");
        const inputs = ((called.on.workflow_call ?? {}) as { inputs?: Record<string, { required?: boolean }> }).inputs ?? {};
        const given = Object.keys(job.with ?? {});
        expect({ job: name, unknown: given.filter((k) => !(k in inputs)) }).toEqual({ job: name, unknown: [] });
        const missing = Object.entries(inputs)
          .filter(([k, spec]) => spec.required && !given.includes(k))
          .map(([k]) => k);
        expect({ job: name, missing }).toEqual({ job: name, missing: [] });
      }
    }
  });
});

describe("ci.yml", () => {
  const test_ = ci.jobs.test;

  test("Node 22 and 24 (a matrix), then .ci/run (npm ci && npm test: typecheck, lint, build, jest)", () => {
    expect((test_ as unknown as { strategy: { matrix: { node: number[] } } }).strategy.matrix.node).toEqual([22, 24]);
    expect(test_.steps!.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"]).toBe("${{ matrix.node }}");
    const run = readFileSync(join(root, ".ci", "run"), "utf8");
    expect(run).toMatch(/npm ci/);
    expect(run).toMatch(/npm test/);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/typecheck[\s\S]*lint[\s\S]*jest/);
    expect(test_.steps!.some((s) => s.run?.trim() === "bash .ci/run")).toBe(true);
  });

  test("a SQL Server 2022 service container with a throwaway SA password from a workflow env var", () => {
    const mssql = test_.services!.mssql;
    expect(mssql.image).toBe("mcr.microsoft.com/mssql/server:2022-latest");
    expect(mssql.env!.ACCEPT_EULA).toBe("Y");
    expect(mssql.env!.MSSQL_SA_PASSWORD).toMatch(/\$\{\{\s*env\.MSSQL_SA_PASSWORD\s*\}\}/);
    expect(mssql.ports).toContain("1433:1433");
    // SQL Server's password policy: 8+ characters from at least 3 of the 4 classes
    const password = ci.env!.MSSQL_SA_PASSWORD;
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect([/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length).toBeGreaterThanOrEqual(3);
  });

  test("waits for the server and creates the database that MSSQL_TEST_CONNECTION names, before the tests", () => {
    const all = test_.steps!;
    const waitIndex = all.findIndex((s) => /docker exec/.test(s.run ?? "") && /mssql-tools18\/bin\/sqlcmd/.test(s.run ?? ""));
    const testIndex = all.findIndex((s) => s.env?.MSSQL_TEST_CONNECTION !== undefined);
    expect(waitIndex).toBeGreaterThan(-1);
    expect(testIndex).toBeGreaterThan(waitIndex);
    const wait = all[waitIndex];
    expect(wait.env!.MSSQL_CONTAINER).toMatch(/job\.services\.mssql\.id/);
    expect(wait.run).toMatch(/CREATE DATABASE \[\$MSSQL_TEST_DATABASE\]/);
    expect(all[testIndex].run).toMatch(/\.ci\/run/);

    const connection = expandEnv(all[testIndex].env!.MSSQL_TEST_CONNECTION, ci.env!);
    const parsed = sql.ConnectionPool.parseConnectionString(connection);
    expect(parsed).toMatchObject({ server: "localhost", port: 1433, database: ci.env!.MSSQL_TEST_DATABASE, user: "sa", password: ci.env!.MSSQL_SA_PASSWORD });
    expect(parsed.options).toMatchObject({ encrypt: true, trustServerCertificate: true });
    // the contract test reads exactly this variable
    expect(readFileSync(join(root, "test", "store", "mssql.test.ts"), "utf8")).toContain("process.env.MSSQL_TEST_CONNECTION");
  });

  test("a job installs a pinned Bicep CLI release (never 'latest') and compiles bicep/main.bicep", () => {
    const runs = (ci.jobs.bicep.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/github\.com\/Azure\/bicep\/releases\/download\/\$BICEP_VERSION\/bicep-linux-x64/);
    expect(runs).not.toMatch(/latest/);
    expect(ci.jobs.bicep.env!.BICEP_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(runs).toMatch(/bicep build bicep\/main\.bicep/);
  });

  test("runs once per change: pull requests here, pushes to main inside deploy.yml (workflow_call), never both", () => {
    expect(ci.on).toHaveProperty("workflow_call");
    expect(ci.on).toHaveProperty("pull_request");
    expect(ci.on).not.toHaveProperty("push");
    expect(deploy.jobs.ci.uses).toBe("./.github/workflows/ci.yml");
    expect(Object.keys(deploy.on)).toEqual(expect.arrayContaining(["push"]));
  });

  test("current major versions of the actions (Node 24 runtimes)", () => {
    const uses = [ci, deploy, deployEnv].flatMap((w) => Object.values(w.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses).filter((u): u is string => !!u)));
    const current: Record<string, string> = {
      "actions/checkout": "v6",
      "actions/setup-node": "v6",
      "actions/upload-artifact": "v7",
      "actions/download-artifact": "v8",
      "azure/login": "v3",
      "Azure/functions-action": "v1",
    };
    expect(uses.length).toBeGreaterThanOrEqual(8);
    for (const use of uses) {
      const [name, version] = use.split("@") as [string, string];
      expect([name, version]).toEqual([name, current[name]]);
    }
  });
});

describe("deploy.yml", () => {
  const main = readBicep(join(root, "bicep", "main.bicep"));
  const mainParams = declsOf(main, "param").map((p) => p.name);
  const mainOutputs = declsOf(main, "output").map((o) => o.name);
  const envJob = deployEnv.jobs.deploy;
  const envSteps = envJob.steps!;

  test("runs on push to main and on demand; staging, then production, after CI and the package build", () => {
    expect(deploy.on).toHaveProperty("workflow_dispatch");
    expect((deploy.on.push as { branches: string[] }).branches).toEqual(["main"]);
    expect(needsOf(deploy.jobs.package)).toEqual(["ci"]);
    expect(deploy.jobs.staging).toMatchObject({ uses: "./.github/workflows/deploy-environment.yml", with: { environment: "staging" } });
    expect(deploy.jobs.production).toMatchObject({ uses: "./.github/workflows/deploy-environment.yml", with: { environment: "production" } });
    expect(needsOf(deploy.jobs.staging)).toEqual(["package"]);
    expect(needsOf(deploy.jobs.production)).toEqual(["staging"]);
    expect(envJob.environment).toMatchObject({ name: "${{ inputs.environment }}" });
  });

  test("OIDC: id-token write only where Azure is called, azure/login with ids from secrets", () => {
    expect(deploy.permissions).toEqual({ contents: "read" });
    for (const job of ["staging", "production"]) expect(deploy.jobs[job].permissions).toMatchObject({ "id-token": "write" });
    expect(deployEnv.permissions).toMatchObject({ "id-token": "write" });
    const login = envSteps.find((s) => s.uses?.startsWith("azure/login@"))!;
    expect(login.with).toEqual({
      "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
      "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
      "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
    });
    expect(JSON.stringify(deployEnv)).not.toMatch(/client-secret|creds:|publish-profile/);
  });

  test("builds with npm ci && npm run build, prunes dev dependencies, and ships the zip that the deploy step uses", () => {
    const runs = deploy.jobs.package.steps!.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm ci[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
    const zipName = runs.match(/release\/([\w.-]+\.zip)/)![1];
    for (const part of ["host.json", "package.json", "dist", "node_modules"]) expect(runs).toContain(part);
    const upload = deploy.jobs.package.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(deploy.jobs.staging.with!["artifact-name"]).toBe(upload.with!.name);
    const functions = envSteps.find((s) => s.uses === "Azure/functions-action@v1")!;
    expect(functions.with).toMatchObject({ sku: "flexconsumption", "remote-build": false, package: `release/${zipName}` });
  });

  test("deploys bicep/main.bicep with parameters main.bicep declares, and reads outputs it declares", () => {
    const infra = envSteps.find((s) => s.id === "infra")!;
    expect(infra.run).toMatch(/az deployment group create/);
    expect(infra.run).toMatch(/--template-file bicep\/main\.bicep/);
    const passed = [...infra.run!.matchAll(/"(\w+)=\$/g)].map((m) => m[1]);
    expect(passed.length).toBeGreaterThanOrEqual(4);
    expect(passed.filter((p) => !mainParams.includes(p))).toEqual([]);
    const read = [...infra.run!.matchAll(/jq -r '\.(\w+)\.value'/g)].map((m) => m[1]);
    expect(read).toEqual(expect.arrayContaining(["functionAppName", "functionAppHostName"]));
    expect(read.filter((o) => !mainOutputs.includes(o))).toEqual([]);
    // every deployment after the first says the SQL server exists (Azure/bicep#6858), found by tags main.bicep sets
    expect(infra.run).toMatch(/az sql server list[\s\S]*tags\.application=='cleversync' && tags\.environment=='\$ENVIRONMENT_NAME'[\s\S]*sqlServerExists=true/);
    expect(mainParams).toContain("sqlServerExists");
    expect(readFileSync(join(root, "bicep", "main.bicep"), "utf8")).toMatch(/application: 'cleversync'/);
    // the default parameters file exists
    const file = envJob.env!.BICEP_PARAMETERS_FILE.match(/'([^']+)'/)![1];
    expect(() => readFileSync(join(root, file))).not.toThrow();
  });

  test("the package carries the host.json of the durable backend the Bicep deployed", () => {
    const swap = envSteps.find((s) => /host\.durable-task-scheduler\.json/.test(s.run ?? ""))!;
    expect(swap.env!.DURABLE_BACKEND_DEPLOYED).toBe("${{ steps.infra.outputs.durable-backend }}");
    expect(swap.run).toMatch(/= DurableTaskScheduler/);
    expect(envSteps.indexOf(swap)).toBeLessThan(envSteps.findIndex((s) => s.uses?.startsWith("Azure/functions-action@")));
    expect(envSteps.find((s) => s.id === "infra")!.run).toMatch(/durable-backend=\$backend/);
    expect(mainOutputs).toContain("durableBackend");
    expect(() => readFileSync(join(root, "host.durable-task-scheduler.json"))).not.toThrow();
  });

  test("the smoke test calls GET /api/health/live, a route the app registers anonymously", () => {
    const smoke = envSteps.find((s) => /smoke/i.test(s.name ?? ""))!;
    const path = smoke.run!.match(/https:\/\/\$HOST_NAME(\/api\/[\w/]+)/)![1];
    expect(path).toBe("/api/health/live");
    const host = JSON.parse(readFileSync(join(root, "host.json"), "utf8")) as { extensions: { http: { routePrefix: string } } };
    const route = path.replace(`/${host.extensions.http.routePrefix}/`, "");
    const functionsSource = readdirSync(join(root, "functions"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(root, "functions", f), "utf8"))
      .join("\n");
    expect(functionsSource).toMatch(new RegExp(`route:\\s*"${route}",\\s*methods:\\s*\\["GET"\\],\\s*authLevel:\\s*"anonymous"`));
  });

  test("every secret and variable the deployment reads is documented in docs/deploy.md", () => {
    const doc = readFileSync(join(root, "docs", "deploy.md"), "utf8");
    const text = readFileSync(join(workflowsDir, "deploy-environment.yml"), "utf8");
    const names = new Set([...text.matchAll(/\b(?:secrets|vars)\.(\w+)/g)].map((m) => m[1]));
    expect(names.size).toBeGreaterThanOrEqual(8);
    expect([...names].filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
});
