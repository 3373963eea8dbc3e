/**
 * The Durable extension's per-instance concurrency throttles as the Functions host resolves them:
 * `extensions.durableTask.maxConcurrentActivityFunctions` / `maxConcurrentOrchestratorFunctions`
 * from host.json, overridden by app settings named after the JSON path.
 *
 * - host.json lands in the host's configuration under `AzureFunctionsJobHost:<path>`
 *   (Azure/azure-functions-host src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs,
 *   ConfigurationSectionNames.JobHost), and an app setting `AzureFunctionsJobHost__<path with __>`
 *   overrides it ("Override host.json values",
 *   https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values).
 *   .NET configuration keys are case-insensitive, so the name is matched without regard to case.
 * - Unset: the extension's defaults (azure-functions-durable-extension
 *   src/WebJobs.Extensions.DurableTask/AzureStorageDurabilityProviderFactory.cs: 10 × processor
 *   count for both off the Consumption plan — the devhost is never on it).
 * - A value that is not a positive integer stops the host (DurableTaskOptions.Validate: "... must
 *   be a positive integer value"; a non-number fails the configuration binder).
 * Docs: https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-bindings#host-json,
 * https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-perf-and-scale#concurrency-throttles
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface DurableConcurrency {
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
}

const SETTINGS = ["maxConcurrentActivityFunctions", "maxConcurrentOrchestratorFunctions"] as const;
type SettingName = (typeof SETTINGS)[number];

/** The app setting that overrides `extensions.durableTask.<name>` in host.json. */
export function overrideSettingName(name: SettingName): string {
  return `AzureFunctionsJobHost__extensions__durableTask__${name}`;
}

export class DurableOptionsError extends Error {
  override readonly name = "DurableOptionsError";
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/** The directory holding the app's host.json: the first one up from this module (lib/devhost or dist/lib/devhost). */
export function defaultAppRoot(from = __dirname): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "host.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function readHostJson(appRoot: string | undefined): unknown {
  if (!appRoot) return {};
  const file = join(appRoot, "host.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
}

function envValue(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(env)) {
    if (key.toLowerCase() === wanted && value !== undefined && value.trim() !== "") return { name: key, value };
  }
  return undefined;
}

function positiveInteger(where: string, raw: unknown): number {
  const value = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new DurableOptionsError(where, "must be a positive integer (the Durable extension refuses to start otherwise). Fix: set a whole number such as 8, or remove it for the default.");
  }
  return value;
}

/** Resolves both throttles from a parsed host.json and the environment (app settings win). */
export function durableConcurrency(hostJson: unknown, env: NodeJS.ProcessEnv = process.env, processors = availableParallelism()): DurableConcurrency {
  const section = ((hostJson as { extensions?: { durableTask?: Record<string, unknown> } } | undefined)?.extensions?.durableTask ?? {}) as Record<string, unknown>;
  const resolved = {} as DurableConcurrency;
  for (const name of SETTINGS) {
    const override = envValue(env, overrideSettingName(name));
    if (override) resolved[name] = positiveInteger(override.name, override.value);
    else if (section[name] !== undefined && section[name] !== null) resolved[name] = positiveInteger(`host.json extensions.durableTask.${name}`, section[name]);
    else resolved[name] = 10 * processors;
  }
  return resolved;
}
