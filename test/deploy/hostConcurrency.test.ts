/**
 * The durable concurrency caps in host.json against an instance's memory (docs/deploy.md, "Sizing
 * activity concurrency against instance memory"), kept in step across both host.json variants.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { declsOf, readBicep } from "./bicepSource";

const root = resolve(__dirname, "../..");
type HostJson = { extensions: { durableTask: { maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number } } };
const readHost = (file: string) => JSON.parse(readFileSync(join(root, file), "utf8")) as HostJson;
const host = readHost("host.json");
const hostDts = readHost("host.durable-task-scheduler.json");
const deployDoc = readFileSync(join(root, "docs/deploy.md"), "utf8");

// The figures of the arithmetic in docs/deploy.md.
const PER_SYNC_ACTIVITY_MB = 150; // an upper bound on the bench's measurement (≈125 MB one tenant, ≈83 MB four at once; docs/deploy.md)
const WORKER_AT_REST_MB = 155; // the served app before any sync, measured locally
const FUNCTIONS_HOST_MB = 350; // the .NET host: a reserve, not measurable without Azure
const USABLE_FRACTION = 0.9;

const fmt = (n: number) => n.toLocaleString("en-US");

test("both host.json variants set the same caps explicitly", () => {
  for (const file of [host, hostDts]) {
    expect(Number.isInteger(file.extensions.durableTask.maxConcurrentActivityFunctions)).toBe(true);
    expect(Number.isInteger(file.extensions.durableTask.maxConcurrentOrchestratorFunctions)).toBe(true);
  }
  expect(hostDts.extensions.durableTask.maxConcurrentActivityFunctions).toBe(host.extensions.durableTask.maxConcurrentActivityFunctions);
  expect(hostDts.extensions.durableTask.maxConcurrentOrchestratorFunctions).toBe(host.extensions.durableTask.maxConcurrentOrchestratorFunctions);
});

test("the activity cap keeps an instance of the template's default memory within 90% of it, as docs/deploy.md shows", () => {
  const main = readBicep(join(root, "bicep/main.bicep"));
  const instanceMemoryMB = Number(declsOf(main, "param").find((p) => p.name === "instanceMemoryMB")!.value);
  const cap = host.extensions.durableTask.maxConcurrentActivityFunctions!;
  const used = cap * PER_SYNC_ACTIVITY_MB + WORKER_AT_REST_MB + FUNCTIONS_HOST_MB;
  const usable = Math.floor(instanceMemoryMB * USABLE_FRACTION);
  expect(used).toBeLessThanOrEqual(usable);
  expect(deployDoc).toContain(`${cap} × ${PER_SYNC_ACTIVITY_MB} MB + ${WORKER_AT_REST_MB} MB + ${FUNCTIONS_HOST_MB} MB = ${fmt(used)} MB ≤ ${fmt(usable)} MB (90% of ${fmt(instanceMemoryMB)} MB)`);
});

test("the documented app setting is the one the host reads to override host.json", () => {
  expect(deployDoc).toContain("AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions");
  expect(readFileSync(join(root, "docs/configuration.md"), "utf8")).toContain(`| \`AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions\` | no | \`${host.extensions.durableTask.maxConcurrentActivityFunctions}\` (host.json)`);
});
