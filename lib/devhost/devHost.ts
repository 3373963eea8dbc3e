import { randomBytes } from "node:crypto";
import { Clock, VirtualClock, WallClock } from "./clock";
import { ActivityOverride, DurableEngine, EngineWarning, InstanceStatus } from "./engine";
import { defaultAppRoot, DurableConcurrency, durableConcurrency, readHostJson } from "./durableOptions";
import { OrchestrationStalledError } from "./errors";
import { RegisteredFunction, registeredFunctions, setCoreLogSink } from "./functionsCore";
import { HistoryEvent, HistoryEventType } from "./history";
import { HttpHost } from "./httpHost";
import { InstanceStore } from "./instanceStore";
import { durableClientBindings, FunctionLogSink, invokeFunction, jsonInput, RpcHttpData, RpcTypedData, triggerOf } from "./invoker";
import { managementPayload } from "./managementApi";
import { timerPayload, timerTriggers, TimerTriggerScheduler } from "./timerTriggers";

export interface LogEntry {
  functionName: string;
  invocationId: string;
  level: string;
  message: string;
}

export interface DevHostOptions {
  /** "virtual" (default; tests advance time) or "wall" (serving), or a clock of your own. */
  clock?: "virtual" | "wall" | Clock;
  /** Start of virtual time (ms since epoch). */
  virtualStart?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  functionKey?: string;
  masterKey?: string;
  /** The durabletask_extension system key (the durable management API's key). */
  systemKey?: string;
  taskHub?: string;
  routePrefix?: string;
  /** Fire timer triggers on their schedule (serving only). */
  serveTimers?: boolean;
  /** Functions to host; defaults to everything registered so far. */
  functions?: Map<string, RegisteredFunction>;
  /** Overrides host.json's extensions.durableTask.maxConcurrentActivityFunctions (and its app-setting override). */
  maxConcurrentActivities?: number;
  /** Overrides host.json's extensions.durableTask.maxConcurrentOrchestratorFunctions (and its app-setting override). */
  maxConcurrentOrchestrators?: number;
  /**
   * The app's root, whose host.json sets the durable concurrency throttles (see durableOptions.ts);
   * default: the nearest directory up from the devhost holding a host.json (this project's).
   */
  appRoot?: string;
  /** Where app settings are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Receives function logs as they happen (the newest are also kept in `logs`). */
  onLog?: (entry: LogEntry) => void;
  /** How many of the newest log entries `logs` keeps (default DEFAULT_KEPT_LOGS). */
  keptLogs?: number;
  onWarning?: (warning: EngineWarning) => void;
  /** Keep durable instances here and resume them at start (default: memory only). */
  store?: InstanceStore;
}

export interface RunOptions {
  /** Let virtual time jump to the next durable timer whenever nothing else can run (default true). */
  autoAdvance?: boolean;
  /** Stop advancing virtual time beyond this many ms from now (guards eternal orchestrations). */
  maxVirtualMs?: number;
}

/**
 * The local Functions + Durable Task host: the project's registered functions, a durable
 * engine, an HTTP surface on loopback, and the testing API the project's tests drive.
 */
/** Log entries a DevHost keeps for its testing API: the newest this many (older ones went to onLog). */
export const DEFAULT_KEPT_LOGS = 20_000;

export class DevHost {
  readonly engine: DurableEngine;
  readonly clock: Clock;
  readonly logs: LogEntry[] = [];
  readonly keys: { functionKey: string; masterKey: string; systemKey: string };
  readonly taskHub: string;
  /** The durable concurrency throttles in force (host.json, app-setting overrides, or the options). */
  readonly concurrency: DurableConcurrency;
  /** Instances found in flight in the store at start, now resumed. */
  resumed: string[] = [];
  readonly #store?: InstanceStore;
  readonly #functions: Map<string, RegisteredFunction>;
  readonly #http: HttpHost;
  readonly #log: FunctionLogSink;
  #timers?: TimerTriggerScheduler;
  #wake?: NodeJS.Timeout;
  #url?: string;
  #clientJson?: string;

  private constructor(options: DevHostOptions) {
    // As the host does at start: a bad throttle value stops it, naming the setting.
    const concurrency = durableConcurrency(readHostJson(options.appRoot ?? defaultAppRoot()), options.env ?? process.env);
    this.concurrency = {
      maxConcurrentActivityFunctions: options.maxConcurrentActivities ?? concurrency.maxConcurrentActivityFunctions,
      maxConcurrentOrchestratorFunctions: options.maxConcurrentOrchestrators ?? concurrency.maxConcurrentOrchestratorFunctions,
    };
    this.#functions = options.functions ?? registeredFunctions();
    this.clock = typeof options.clock === "object" ? options.clock : options.clock === "wall" ? new WallClock() : new VirtualClock(options.virtualStart);
    this.keys = {
      functionKey: options.functionKey ?? randomBytes(18).toString("base64url"),
      masterKey: options.masterKey ?? randomBytes(18).toString("base64url"),
      systemKey: options.systemKey ?? randomBytes(18).toString("base64url"),
    };
    this.taskHub = options.taskHub ?? "CleverSyncLocal";
    const kept = Math.max(1, Math.floor(options.keptLogs ?? DEFAULT_KEPT_LOGS));
    const log: FunctionLogSink = (entry) => {
      // A host that runs for weeks (`cleversync start`) must not keep every log line it ever wrote.
      if (this.logs.length >= kept) this.logs.splice(0, Math.ceil(kept / 2));
      this.logs.push(entry);
      options.onLog?.(entry);
    };
    this.#log = log;
    setCoreLogSink((level, category, message) => log({ functionName: `worker:${category}`, invocationId: "", level, message }));
    this.engine = new DurableEngine({
      functions: this.#functions,
      clock: this.clock,
      log,
      maxConcurrentActivities: this.concurrency.maxConcurrentActivityFunctions,
      maxConcurrentOrchestrators: this.concurrency.maxConcurrentOrchestratorFunctions,
      onWarning: options.onWarning,
      bindingInputs: (fn) => this.#clientInputs(fn),
      store: options.store,
    });
    this.#store = options.store;
    this.#http = new HttpHost({
      engine: this.engine,
      functions: this.#functions,
      keys: this.keys,
      routePrefix: options.routePrefix ?? "api",
      // The extension's URLs carry its system key, not the master key (HttpApiHandler.GetClientResponseLinks:
      // "e.g. http://{host}/runtime/webhooks/durabletask?code={systemKey}").
      managementPayload: (origin, id) => managementPayload(`${origin}/runtime/webhooks/durabletask`, this.taskHub, this.keys.systemKey, id),
      invokeHttp: (fn, request) => this.#invokeHttp(fn, request),
      invokeNonHttp: (fn, input) => this.#invokeNonHttp(fn, input),
      onError: (message) => log({ functionName: "devhost", invocationId: "", level: "error", message }),
    });
  }

  /** Creates the host and starts its HTTP listener (and, when serving, timers on the wall clock). */
  static async start(options: DevHostOptions = {}): Promise<DevHost> {
    const host = new DevHost(options);
    host.#url = await host.#http.listen(options.port ?? 0, options.host ?? "127.0.0.1");
    // Activities resumed from the store may call back through the durableClient binding: listen first.
    host.resumed = host.engine.restore();
    if (host.clock.kind === "wall") {
      host.engine.onTimersChanged(() => host.#armWallTimer());
      host.#armWallTimer();
      if (options.serveTimers) {
        host.#timers = new TimerTriggerScheduler(timerTriggers(host.#functions), (fn, payload) => host.#invokeNonHttp(fn, payload), (message) =>
          host.#log({ functionName: "devhost", invocationId: "", level: "error", message }),
        );
        host.#timers.start();
      }
    }
    return host;
  }

  get url(): string {
    if (!this.#url) throw new Error("The devhost is not listening.");
    return this.#url;
  }

  functions(): { name: string; trigger: string }[] {
    return [...this.#functions.values()].map((fn) => ({ name: fn.metadata.name, trigger: triggerOf(fn).type }));
  }

  httpRoutes(): ReturnType<HttpHost["describeRoutes"]> {
    return this.#http.describeRoutes();
  }

  async stop(): Promise<void> {
    this.#timers?.stop();
    if (this.#wake) clearTimeout(this.#wake);
    await this.#http.close();
    // Like a host that goes away: work still running is not waited for. Every change was stored
    // as it happened, so the next start resumes from there (unfinished activities run again).
    this.#store?.close();
    setCoreLogSink(undefined);
  }

  // ─────────────── testing API ───────────────

  startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): string {
    return this.engine.startNew(name, options);
  }

  raiseEvent(instanceId: string, eventName: string, data?: unknown): void {
    this.engine.raiseEvent(instanceId, eventName, data);
  }

  terminate(instanceId: string, reason = ""): void {
    this.engine.terminate(instanceId, reason);
  }

  getStatus(instanceId: string): InstanceStatus | undefined {
    return this.engine.getStatus(instanceId);
  }

  history(instanceId: string): HistoryEvent[] {
    return this.engine.history(instanceId);
  }

  /** The history of an instance followed by those of its sub-orchestrations (depth-first), for tests that look at a whole run. */
  historyWithChildren(instanceId: string): HistoryEvent[] {
    const own = this.engine.history(instanceId);
    const children = own.filter((e) => e.EventType === HistoryEventType.SubOrchestrationInstanceCreated).map((e) => String(e.InstanceId));
    return [...own, ...children.flatMap((child) => (this.engine.getStatus(child) ? this.historyWithChildren(child) : []))];
  }

  /** Replaces an activity's implementation for this host (undefined restores the registered one). */
  replaceActivity(name: string, implementation: ActivityOverride | undefined): void {
    this.engine.overrideActivity(name, implementation);
  }

  /** Runs until no episode, activity or entity operation can make progress without time passing. */
  async runUntilIdle(): Promise<void> {
    await this.engine.whenIdle();
  }

  /** Moves virtual time forward by `ms`, firing each due timer in order and running to idle after each. */
  async advance(ms: number): Promise<void> {
    const clock = this.#virtualClock();
    const until = clock.now() + ms;
    await this.engine.whenIdle();
    for (let next = this.engine.nextTimerAt(); next !== undefined && next <= until; next = this.engine.nextTimerAt()) {
      clock.set(next);
      this.engine.fireDueTimers();
      await this.engine.whenIdle();
    }
    clock.set(until);
    await this.engine.whenIdle();
  }

  /**
   * Runs an instance until it reaches a terminal status, jumping virtual time to each next timer.
   * Throws OrchestrationStalledError when it can make no progress and is not waiting for an event;
   * returns the (non-terminal) status when it waits for an external event.
   */
  async runToCompletion(instanceId: string, options: RunOptions = {}): Promise<InstanceStatus> {
    const autoAdvance = options.autoAdvance ?? true;
    const limit = this.clock.now() + (options.maxVirtualMs ?? 365 * 24 * 3600 * 1000);
    for (;;) {
      await this.engine.whenIdle();
      const status = this.engine.getStatus(instanceId);
      if (!status) throw new Error(`No instance with ID '${instanceId}' found.`);
      if (["Completed", "Failed", "Terminated", "Canceled"].includes(status.runtimeStatus)) return status;
      const stall = this.engine.diagnoseStall(instanceId);
      if (stall) throw new OrchestrationStalledError(instanceId, stall);
      const next = this.engine.nextTimerAt();
      if (!autoAdvance || next === undefined || next > limit) return status;
      this.#virtualClock().set(next);
      this.engine.fireDueTimers();
    }
  }

  /** Invokes a timer- or other non-HTTP-triggered function now (what the admin API does). */
  async invokeFunction(name: string, input?: unknown): Promise<void> {
    const fn = this.#functions.get(name);
    if (!fn) throw new Error(`No function named '${name}' is registered.`);
    const payload = triggerOf(fn).type.toLowerCase() === "timertrigger" && input === undefined ? timerPayload(undefined, this.clock.now(), false) : input;
    await this.#invokeNonHttp(fn, payload);
  }

  /** `fetch` against the host, with the master key unless `key: false`. */
  async fetch(path: string, init: RequestInit & { key?: string | false } = {}): Promise<Response> {
    const url = new URL(path, this.url);
    const key = init.key === undefined ? this.keys.masterKey : init.key;
    const headers = new Headers(init.headers);
    if (key) headers.set("x-functions-key", key);
    return fetch(url, { ...init, headers });
  }

  // ─────────────── invocation plumbing ───────────────

  #clientData(): Record<string, unknown> {
    const base = `${this.url}/runtime/webhooks/durabletask`;
    const code = this.keys.systemKey;
    const rpc = new URL("/durabletask/", this.url);
    // The devhost's RPC door needs the key too; it rides as Basic credentials (see hostAuth.ts basicPassword).
    rpc.username = "durabletask";
    rpc.password = code;
    return {
      taskHubName: this.taskHub,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${code}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${code}`,
      },
      managementUrls: managementPayload(base, this.taskHub, code, "INSTANCEID"),
      baseUrl: base,
      requiredQueryStringParameters: `code=${code}`,
      rpcBaseUrl: rpc.href,
    };
  }

  #clientInputs(fn: RegisteredFunction): Record<string, RpcTypedData> {
    const inputs: Record<string, RpcTypedData> = {};
    const names = durableClientBindings(fn);
    if (!names.length) return inputs;
    // The binding's data depends only on the host's URL, task hub and system key, fixed once the
    // host listens: serialize it once, not on every invocation. Each invocation still gets its own
    // typed data, which @azure/functions parses as it would the host's.
    this.#clientJson ??= JSON.stringify(this.#clientData());
    for (const name of names) inputs[name] = { string: this.#clientJson };
    return inputs;
  }

  #inputsFor(fn: RegisteredFunction, trigger: RpcTypedData): Record<string, RpcTypedData> {
    return { ...this.#clientInputs(fn), [triggerOf(fn).name]: trigger };
  }

  async #invokeHttp(fn: RegisteredFunction, request: RpcHttpData): Promise<unknown> {
    const result = await invokeFunction(fn, this.#inputsFor(fn, { http: request }), this.#log);
    const returnBinding = fn.metadata.bindings["$return"];
    if (returnBinding) return result.returnValue;
    const httpOutput = Object.entries(fn.metadata.bindings).find(([, b]) => b.direction === "out" && b.type === "http");
    return httpOutput ? result.outputs[httpOutput[0]] : undefined;
  }

  async #invokeNonHttp(fn: RegisteredFunction, input: unknown): Promise<void> {
    await invokeFunction(fn, this.#inputsFor(fn, input === undefined ? {} : jsonInput(input)), this.#log);
  }

  #virtualClock(): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new Error("Virtual time can only be advanced on a devhost started with clock: 'virtual'.");
    return this.clock;
  }

  /** Wall-clock mode: wake up at the next durable timer. */
  #armWallTimer(): void {
    if (this.#wake) clearTimeout(this.#wake);
    const next = this.engine.nextTimerAt();
    if (next === undefined) return;
    this.#wake = setTimeout(() => {
      this.#wake = undefined;
      this.engine.fireDueTimers();
      this.#armWallTimer();
    }, Math.min(Math.max(0, next - Date.now()), 2 ** 31 - 1));
    this.#wake.unref();
  }
}
