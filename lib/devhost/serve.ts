import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DevHost } from "./devHost";
import { SqliteInstanceStore } from "./instanceStore";
import { installCoreModuleHook } from "./moduleHook";

export interface ServeOptions {
  port?: number;
  /** Directory holding host.json and local.settings.json (the app root). */
  appRoot?: string;
  /** Where startup lines and function logs go. */
  print?: (line: string) => void;
  /** SQLite file for durable instances and history; a restart resumes what was in flight. Absent: memory only. */
  stateFile?: string;
}

/**
 * Loads `local.settings.json` Values into the environment the way Core Tools does: existing
 * environment variables win, so a shell export overrides the file.
 */
export function loadLocalSettings(appRoot: string): string[] {
  const file = resolve(appRoot, "local.settings.json");
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { Values?: Record<string, string> };
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parsed.Values ?? {})) {
    if (process.env[name] === undefined) {
      process.env[name] = String(value);
      applied.push(name);
    }
  }
  return applied;
}

function routePrefixOf(appRoot: string): string {
  const file = resolve(appRoot, "host.json");
  if (!existsSync(file)) return "api";
  const hostJson = JSON.parse(readFileSync(file, "utf8")) as { extensions?: { http?: { routePrefix?: string } } };
  return hostJson.extensions?.http?.routePrefix ?? "api";
}

function taskHubOf(appRoot: string): string | undefined {
  const file = resolve(appRoot, "host.json");
  if (!existsSync(file)) return undefined;
  const hostJson = JSON.parse(readFileSync(file, "utf8")) as { extensions?: { durableTask?: { hubName?: string } } };
  const hub = hostJson.extensions?.durableTask?.hubName;
  // "%Setting%" references an app setting, as in the real host.
  const ref = hub && /^%(.+)%$/.exec(hub);
  return ref ? process.env[ref[1]] : hub;
}

/** Serves the app's own functions on the wall clock, as `func start` would. */
export async function serveApp(options: ServeOptions = {}): Promise<DevHost> {
  const appRoot = options.appRoot ?? resolve(__dirname, "../../..");
  const print = options.print ?? ((line: string) => console.log(line));
  loadLocalSettings(appRoot);
  installCoreModuleHook();
  // The app entry point (package.json "main"); importing it registers every function.
  require(resolve(__dirname, "../../functions"));
  const host = await DevHost.start({
    clock: "wall",
    port: options.port ?? 7071,
    serveTimers: true,
    routePrefix: routePrefixOf(appRoot),
    taskHub: taskHubOf(appRoot),
    functionKey: process.env.CLEVERSYNC_LOCAL_FUNCTION_KEY || undefined,
    onLog: (entry) => print(`[${entry.level}] ${entry.functionName}: ${entry.message}`),
    onWarning: (warning) => print(`[warning] devhost${warning.instanceId ? ` ${warning.instanceId}` : ""}: ${warning.message}`),
    store: options.stateFile ? new SqliteInstanceStore(options.stateFile) : undefined,
    appRoot,
  });
  if (options.stateFile) {
    print(`Durable state (instances, history): SQLite at ${options.stateFile}${host.resumed.length ? `; resumed ${host.resumed.length} in-flight instance(s): ${host.resumed.join(", ")}` : ""}`);
  }
  print(`CleverSyncSOS functions are listening on ${host.url}`);
  print(`Durable concurrency per instance (host.json or AzureFunctionsJobHost__extensions__durableTask__*): ${host.concurrency.maxConcurrentActivityFunctions} activities, ${host.concurrency.maxConcurrentOrchestratorFunctions} orchestrators`);
  for (const route of host.httpRoutes()) {
    print(`  ${route.name}: [${route.methods.join(",")}] ${host.url}/${route.route}${route.authLevel === "anonymous" ? "" : "  (needs key)"}`);
  }
  if (host.httpRoutes().some((r) => r.route.startsWith(`${routePrefixOf(appRoot)}/me/`))) {
    print("  (/api/me routes need a sign-in through App Service Authentication; locally they answer 401 — docs/access.md)");
  }
  for (const fn of host.functions().filter((f) => !/^httpTrigger$/i.test(f.trigger))) print(`  ${fn.name}: ${fn.trigger}`);
  print(`Function key (send as x-functions-key or ?code=): ${host.keys.functionKey}`);
  // Operators reach Durable's API with the durabletask_extension system key, as in Azure; the API's own routes never hand it out.
  print(`Durable management API (operators; system key): ${host.url}/runtime/webhooks/durabletask/instances?code=${host.keys.systemKey}`);
  return host;
}
