/**
 * docs/deploy.md stays in step with the code it describes: the files and commands it names
 * exist, the Key Vault secret names follow lib/secrets, the tenant body it sends is valid.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { secretRef } from "../../lib/secrets";
import { parseTenantInput } from "../../lib/tenants/schema";

const root = resolve(__dirname, "../..");
const docPath = join(root, "docs", "deploy.md");
const doc = readFileSync(docPath, "utf8");

test("the title, the one deployment command and the note that Bicep was not compiled here", () => {
  expect(doc.startsWith("# Deploy to Azure\n")).toBe(true);
  expect(doc).toContain("az deployment group create -g <rg> -f bicep/main.bicep -p @bicep/main.parameters.example.json");
  expect(doc).toMatch(/not compiled on the machine where it was written/);
  expect(doc).toMatch(/`bicep` job of \[`\.github\/workflows\/ci\.yml`\]/);
});

test("prerequisites: az CLI, Bicep, a resource group, an Entra admin group for SQL, OIDC federated credentials", () => {
  for (const phrase of ["Azure CLI", "Bicep", "resource group", "group for SQL administrators", "federated credential", "Required reviewers"]) expect(doc).toContain(phrase);
});

test("every relative link points to a file that exists", () => {
  const links = [...doc.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)].map((m) => m[1].replace(/#.*$/, ""));
  expect(links.length).toBeGreaterThan(5);
  expect(links.filter((link) => !existsSync(resolve(dirname(docPath), link)))).toEqual([]);
});

test("Key Vault secret names follow lib/secrets' naming convention", () => {
  for (const kind of ["clientId", "clientSecret"] as const) {
    const name = secretRef("springfield", kind).name;
    expect(doc).toContain(`--name ${name} `);
    expect(doc).toContain(`\`${name.replace("springfield", "<tenant>")}\``);
  }
  expect(doc).toMatch(/az keyvault secret set --vault-name <kv> --name clever-springfield-client-id/);
});

test("the tenant registration it shows is a valid PUT /api/tenants/{id} body", () => {
  const put = doc.match(/curl -X PUT "https:\/\/<functionAppHostName>\/api\/tenants\/(\S+)"[\s\S]*?-d '([^']+)'/)!;
  expect(put).not.toBeNull();
  expect(doc).toContain('-H "x-functions-key: $KEY"');
  const tenant = parseTenantInput({ ...JSON.parse(put[2]), id: put[1].replace(/"$/, "") });
  expect(tenant).toMatchObject({ id: "springfield", credentialSource: "keyvault" });
});

test("the post-deployment SQL step and Durable Functions Monitor are covered", () => {
  expect(doc).toContain("bicep/sql/grant-app-user.sql");
  expect(doc).toContain("FROM EXTERNAL PROVIDER");
  expect(doc).toContain("Durable Functions Monitor");
  expect(doc).toMatch(/`token:<tenantId>`[\s\S]*`sync:<tenantId>:<runId>`/);
});
