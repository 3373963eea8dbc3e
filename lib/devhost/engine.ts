import { randomUUID } from "node:crypto";
import { actionInputText, actionSignature, ActionType, flattenActions, OrchestratorAction } from "./actions";
import { Clock } from "./clock";
import { FunctionNotFoundError, InstanceAlreadyExistsError, InstanceCompletedError, InstanceNotFoundError } from "./errors";
import { RegisteredFunction } from "./functionsCore";
import { hostJsonRoundTrip } from "./hostJson";
import { customStatusSizeError, describeOp, findNondeterminism, MAXIMUM_SHORT_TIMER_MS, nextTimerSegment, replaySignature, topLevelActions } from "./hostRules";
import { Execution, HostOp, HostTask, Instance, instanceFromSnapshot, instanceSnapshot, newExecution, opDone, RuntimeStatus, TERMINAL } from "./instanceState";
import { InstanceStore } from "./instanceStore";
import { eventTypeName, HistoryEvent, historyEvent, HistoryEventType, toJsonText } from "./history";
import { FunctionLogSink, fromRpcTypedData, invokeFunction, jsonInput, RpcTypedData, triggerOf } from "./invoker";
import { retryIntervalError, retryOptionsOverflow, retryStepAfterFailure } from "./retry";

export type { RuntimeStatus } from "./instanceState";

/** What the host sends with every orchestration: schema V3 and its timer limits (extension 2.x defaults). */
const UPPER_SCHEMA_VERSION = 1;
const UPPER_SCHEMA_VERSION_NEW = 2;

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: HistoryEvent[] | Record<string, unknown>[];
}

export interface InstanceQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  instanceIdPrefix?: string;
}

/** A replacement for a registered activity, for tests (receives the parsed input). */
export type ActivityOverride = (input: unknown) => unknown;

interface TimerEntry {
  fireAt: number;
  instanceId: string;
  executionId: string;
  timerId: number;
}

interface EntityOperation {
  operation: string;
  inputText?: string;
  reply?: { instanceId: string; executionId: string; requestId: string };
}

interface EntityRecord {
  name: string;
  key: string;
  stateText?: string;
  queue: EntityOperation[];
  busy: boolean;
}

export interface EngineWarning {
  instanceId?: string;
  message: string;
}

export interface EngineOptions {
  functions: Map<string, RegisteredFunction>;
  clock: Clock;
  log: FunctionLogSink;
  /** Concurrent activity invocations: the extension's maxConcurrentActivityFunctions (see durableOptions.ts). */
  maxConcurrentActivities?: number;
  /** Concurrent orchestrator episodes: the extension's maxConcurrentOrchestratorFunctions. */
  maxConcurrentOrchestrators?: number;
  onWarning?: (warning: EngineWarning) => void;
  /** Non-trigger inputs a function declared (the devhost supplies `durableClient` bindings). */
  bindingInputs?: (fn: RegisteredFunction) => Record<string, RpcTypedData>;
  /** Where instances are kept across restarts (none: memory only, forgotten on exit). */
  store?: InstanceStore;
}

/**
 * A Durable Task engine for out-of-proc JS orchestrations: keeps instance state and history,
 * drives the real durable-functions replay one new event per episode, schedules the work the
 * returned actions ask for, and implements the host-side semantics (retries, timers, entities).
 */
export class DurableEngine {
  readonly warnings: EngineWarning[] = [];
  readonly #functions: Map<string, RegisteredFunction>;
  readonly #clock: Clock;
  readonly #log: FunctionLogSink;
  readonly #maxActivities: number;
  readonly #maxOrchestrators: number;
  readonly #onWarning?: (warning: EngineWarning) => void;
  readonly #bindingInputs: (fn: RegisteredFunction) => Record<string, RpcTypedData>;
  readonly #store?: InstanceStore;
  readonly #instances = new Map<string, Instance>();
  readonly #entities = new Map<string, EntityRecord>();
  readonly #overrides = new Map<string, ActivityOverride>();
  readonly #timers: TimerEntry[] = [];
  readonly #activityQueue: (() => Promise<void>)[] = [];
  readonly #busy = new Set<string>();
  readonly #inflight = new Set<Promise<void>>();
  #runningActivities = 0;
  #dispatchScheduled = false;
  #timerListener?: () => void;

  constructor(options: EngineOptions) {
    this.#functions = options.functions;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#maxActivities = options.maxConcurrentActivities ?? 20;
    this.#maxOrchestrators = options.maxConcurrentOrchestrators ?? 20;
    this.#onWarning = options.onWarning;
    this.#bindingInputs = options.bindingInputs ?? (() => ({}));
    this.#store = options.store;
  }

  /**
   * Loads every stored instance and picks up where it was, as the host does after a restart with
   * its task hub: activities that had not reported back run again (at-least-once, like a queue
   * message whose lease expired), durable timers are re-armed, a finished child's result that
   * had not reached its parent is delivered. Returns the ids of instances still in flight.
   */
  restore(): string[] {
    if (!this.#store) return [];
    for (const text of this.#store.loadAll()) {
      const instance = instanceFromSnapshot(text);
      this.#instances.set(instance.instanceId, instance);
    }
    const resumed: string[] = [];
    for (const instance of this.#instances.values()) {
      if (TERMINAL.has(instance.status)) continue;
      resumed.push(instance.instanceId);
      const execution = instance.execution;
      const answered = new Set(instance.inbox.map((e) => (e.TaskScheduledId ?? e.TimerId) as number | undefined).filter((id) => id !== undefined));
      for (const [id, task] of execution.tasks) {
        if (answered.has(id)) continue;
        if (task.kind === "activity") this.#queueActivity(instance, execution.id, id, task.name, task.inputText);
        else if (task.kind === "timer" || task.kind === "retryTimer") this.#addTimer(instance, id, task.fireAt);
        else if (task.kind === "subOrchestration") this.#redeliverChildResult(instance, id, task.childId);
        else this.#warn(instance.instanceId, "An entity call was in flight when the devhost stopped; entity state is not kept across restarts, so it will not be answered.");
      }
      if (instance.inbox.length) this.#kick();
    }
    return resumed;
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** Called whenever the set of pending durable timers changes (the wall-clock scheduler listens). */
  onTimersChanged(listener: () => void): void {
    this.#timerListener = listener;
  }

  overrideActivity(name: string, implementation: ActivityOverride | undefined): void {
    if (implementation) this.#overrides.set(name, implementation);
    else this.#overrides.delete(name);
  }

  // ───────────────────────────── client operations ─────────────────────────────

  startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): string {
    const fn = this.#functionOfType(name, "orchestrationTrigger", "an orchestrator");
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, "");
    const existing = this.#instances.get(instanceId);
    // The extension refuses to overwrite an instance that is still Pending/Running/Suspended.
    if (existing && !TERMINAL.has(existing.status)) throw new InstanceAlreadyExistsError(instanceId, existing.status);
    this.#createInstance(fn.metadata.name, instanceId, toJsonText(options.input));
    return instanceId;
  }

  raiseEvent(instanceId: string, eventName: string, data: unknown): void {
    const instance = this.#require(instanceId);
    if (TERMINAL.has(instance.status)) throw new InstanceCompletedError(instanceId, instance.status);
    this.#enqueue(instance, historyEvent(HistoryEventType.EventRaised, this.#clock.now(), { Name: eventName, Input: toJsonText(data) }));
  }

  terminate(instanceId: string, reason: string): void {
    const instance = this.#require(instanceId);
    if (TERMINAL.has(instance.status)) throw new InstanceCompletedError(instanceId, instance.status);
    const now = this.#clock.now();
    instance.execution.history.push(historyEvent(HistoryEventType.ExecutionTerminated, now, { Input: reason }));
    instance.inbox = [];
    instance.execution.tasks.clear();
    this.#finish(instance, "Terminated", reason, now);
  }

  suspend(instanceId: string, reason: string): void {
    const instance = this.#require(instanceId);
    if (TERMINAL.has(instance.status)) throw new InstanceCompletedError(instanceId, instance.status);
    instance.execution.history.push(historyEvent(HistoryEventType.ExecutionSuspended, this.#clock.now(), { Reason: reason }));
    instance.status = "Suspended";
    instance.updatedAt = this.#clock.now();
    this.#save(instance);
  }

  resume(instanceId: string, reason: string): void {
    const instance = this.#require(instanceId);
    if (instance.status !== "Suspended") return;
    instance.execution.history.push(historyEvent(HistoryEventType.ExecutionResumed, this.#clock.now(), { Reason: reason }));
    instance.status = "Running";
    instance.updatedAt = this.#clock.now();
    this.#save(instance);
    this.#kick();
  }

  purge(instanceId: string): boolean {
    this.#store?.delete(instanceId);
    return this.#instances.delete(instanceId);
  }

  purgeWhere(query: InstanceQuery): number {
    let deleted = 0;
    for (const instance of this.#matching(query)) {
      this.#instances.delete(instance.instanceId);
      this.#store?.delete(instance.instanceId);
      deleted++;
    }
    return deleted;
  }

  getStatus(instanceId: string, options: { showHistory?: boolean; showInput?: boolean } = {}): InstanceStatus | undefined {
    const instance = this.#instances.get(instanceId);
    return instance ? this.#statusOf(instance, options) : undefined;
  }

  listInstances(query: InstanceQuery = {}): InstanceStatus[] {
    return this.#matching(query).map((instance) => this.#statusOf(instance, {}));
  }

  /** The raw history of the current execution (DTFx events), for tests and diagnostics. */
  history(instanceId: string): HistoryEvent[] {
    return this.#require(instanceId).execution.history.map((event) => ({ ...event }));
  }

  signalEntity(name: string, key: string, operation: string, input: unknown): void {
    this.#entityOperation(name, key, { operation, inputText: toJsonText(input) });
  }

  readEntityState(name: string, key: string): { exists: boolean; state?: unknown } {
    const record = this.#entities.get(entityId(name, key));
    if (!record || record.stateText === undefined) return { exists: false };
    return { exists: true, state: JSON.parse(record.stateText) };
  }

  // ───────────────────────────── time and idleness ─────────────────────────────

  /** The earliest pending durable timer, if any. */
  nextTimerAt(): number | undefined {
    return this.#timers.length ? this.#timers[0].fireAt : undefined;
  }

  /** Delivers every timer due at the clock's current time. */
  fireDueTimers(): number {
    const now = this.#clock.now();
    let fired = 0;
    while (this.#timers.length && this.#timers[0].fireAt <= now) {
      const timer = this.#timers.shift()!;
      const instance = this.#instances.get(timer.instanceId);
      if (!instance || instance.execution.id !== timer.executionId || TERMINAL.has(instance.status)) continue;
      this.#enqueue(instance, historyEvent(HistoryEventType.TimerFired, now, { TimerId: timer.timerId, FireAt: new Date(timer.fireAt).toISOString() }));
      fired++;
    }
    if (fired) this.#timerListener?.();
    return fired;
  }

  isIdle(): boolean {
    if (this.#inflight.size || this.#dispatchScheduled || this.#activityQueue.length) return false;
    if (this.#timers.length && this.#timers[0].fireAt <= this.#clock.now()) return false;
    for (const instance of this.#instances.values()) {
      if (instance.inbox.length && instance.status !== "Suspended" && !TERMINAL.has(instance.status)) return false;
    }
    for (const entity of this.#entities.values()) if (entity.queue.length) return false;
    return true;
  }

  /** Resolves when no episode, activity or entity operation is queued or running. */
  async whenIdle(): Promise<void> {
    while (!this.isIdle()) {
      if (this.#inflight.size) await Promise.race(this.#inflight);
      else {
        this.#kick(); // e.g. a timer that has just become due
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * Why a Running instance cannot move on, or undefined when it can: the stall detector. Only
   * meaningful when the engine is idle. Waiting on an external event is not a stall.
   */
  diagnoseStall(instanceId: string): string | undefined {
    const instance = this.#require(instanceId);
    if (instance.status !== "Running" && instance.status !== "Pending") return undefined;
    if (instance.inbox.length || this.#busy.has(instanceId)) return undefined;
    if (instance.execution.tasks.size) return undefined;
    if (instance.execution.faults.length) {
      return (
        `the Azure host dropped an action the orchestrator is waiting for, so it waits forever: ${instance.execution.faults.join(" ")} ` +
        "(DurableOrchestrationContext.CallDurableTaskFunctionAsync throws inside an async Task and OutOfProcOrchestrationShim.ProcessAsyncActionsV2 ignores it)."
      );
    }
    const waiting = this.#openEventWaits(instance);
    if (waiting.length) return undefined;
    const tail = instance.execution.history.slice(-6).map((e) => eventTypeName(e.EventType)).join(", ");
    return (
      "it is Running but has no work queued, no timer pending, no activity or sub-orchestration outstanding, " +
      `and is not waiting for an external event (last history events: ${tail}). ` +
      "Common causes: a task completion whose id does not match any scheduled task, or a retry whose retryTimeout expired (azure-functions-durable-js#629)."
    );
  }

  /** External event names the orchestrator waits for and has not yet received. */
  waitingFor(instanceId: string): string[] {
    return this.#openEventWaits(this.#require(instanceId));
  }

  // ───────────────────────────── internals: instances ─────────────────────────────

  #createInstance(name: string, instanceId: string, inputText: string | undefined, parent?: Instance["parent"]): Instance {
    const now = this.#clock.now();
    const instance: Instance = {
      instanceId,
      name,
      inputText,
      status: "Pending",
      customStatus: null,
      output: null,
      createdAt: now,
      updatedAt: now,
      execution: newExecution(),
      inbox: [],
      parent,
      episodes: 0,
    };
    this.#instances.set(instanceId, instance);
    this.#enqueue(instance, executionStarted(name, instanceId, inputText, now, parent?.instanceId));
    return instance;
  }

  /** Writes the instance to the store; skipped mid-episode (the episode's end writes it whole). */
  #save(instance: Instance): void {
    if (!this.#store || this.#busy.has(instance.instanceId) || this.#instances.get(instance.instanceId) !== instance) return;
    this.#store.save(instance.instanceId, instanceSnapshot(instance));
  }

  /** A child that ended while its parent's copy of the result was lost (stopped in between): deliver it again. */
  #redeliverChildResult(parent: Instance, taskId: number, childId: string): void {
    const child = this.#instances.get(childId);
    if (child && !TERMINAL.has(child.status)) return;
    const now = this.#clock.now();
    const link = { instanceId: parent.instanceId, executionId: parent.execution.id, taskId };
    if (child?.status === "Completed") {
      this.#deliverToParent(link, historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: taskId, Result: toJsonText(child.output) ?? null }));
    } else {
      const reason = child ? String(child.output) : `The sub-orchestration '${childId}' no longer exists.`;
      this.#deliverToParent(link, historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, { TaskScheduledId: taskId, Reason: reason, Details: reason }));
    }
  }

  #require(instanceId: string): Instance {
    const instance = this.#instances.get(instanceId);
    if (!instance) throw new InstanceNotFoundError(instanceId);
    return instance;
  }

  #matching(query: InstanceQuery): Instance[] {
    return [...this.#instances.values()].filter(
      (i) =>
        (!query.runtimeStatus?.length || query.runtimeStatus.includes(i.status)) &&
        (!query.createdTimeFrom || i.createdAt >= query.createdTimeFrom.getTime()) &&
        (!query.createdTimeTo || i.createdAt <= query.createdTimeTo.getTime()) &&
        (!query.instanceIdPrefix || i.instanceId.startsWith(query.instanceIdPrefix)),
    );
  }

  #statusOf(instance: Instance, options: { showHistory?: boolean; showInput?: boolean }): InstanceStatus {
    const status: InstanceStatus = {
      name: instance.name,
      instanceId: instance.instanceId,
      runtimeStatus: instance.status,
      input: options.showInput === false || instance.inputText === undefined ? null : JSON.parse(instance.inputText),
      customStatus: instance.customStatus ?? null,
      output: instance.output ?? null,
      createdTime: hostTime(instance.createdAt),
      lastUpdatedTime: hostTime(instance.updatedAt),
    };
    if (options.showHistory) status.historyEvents = this.history(instance.instanceId);
    return status;
  }

  #enqueue(instance: Instance, event: HistoryEvent): void {
    instance.inbox.push(event);
    this.#save(instance);
    this.#kick();
  }

  #openEventWaits(instance: Instance): string[] {
    const open = new Map<string, number>();
    for (const action of instance.execution.lastActions) {
      const name = action.actionType === ActionType.WaitForExternalEvent ? action.externalEventName : undefined;
      if (name !== undefined) open.set(name, (open.get(name) ?? 0) + 1);
    }
    for (const event of instance.execution.history) {
      if (event.EventType === HistoryEventType.EventRaised && open.has(event.Name as string)) {
        open.set(event.Name as string, open.get(event.Name as string)! - 1);
      }
    }
    return [...open.entries()].filter(([, count]) => count > 0).map(([name]) => name);
  }

  // ───────────────────────────── internals: dispatch ─────────────────────────────

  #kick(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    // A timer already due (a retry's immediate dummy timer, a timer for "now") fires as it would on
    // the wall clock: at once, not when everything else has gone idle.
    if (this.#timers.length && this.#timers[0].fireAt <= this.#clock.now()) this.fireDueTimers();
    for (const instance of this.#instances.values()) {
      // maxConcurrentOrchestratorFunctions: at most this many orchestrator work items at once per
      // host instance (durable-functions-perf-and-scale#concurrency-throttles); the rest wait in
      // their inbox and go when an episode ends (#track kicks the dispatcher again).
      if (this.#busy.size >= this.#maxOrchestrators) break;
      if (!instance.inbox.length || this.#busy.has(instance.instanceId)) continue;
      if (instance.status === "Suspended" || TERMINAL.has(instance.status)) continue;
      this.#track(this.#runEpisode(instance));
    }
    for (const entity of this.#entities.values()) {
      if (entity.queue.length && !entity.busy) this.#track(this.#runEntityOperation(entity));
    }
    while (this.#activityQueue.length && this.#runningActivities < this.#maxActivities) {
      const run = this.#activityQueue.shift()!;
      this.#runningActivities++;
      this.#track(run().finally(() => this.#runningActivities--));
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.#warn(undefined, `devhost internal error: ${describe(error)}`));
    this.#inflight.add(tracked);
    void tracked.finally(() => {
      this.#inflight.delete(tracked);
      this.#kick();
    });
  }

  #warn(instanceId: string | undefined, message: string): void {
    const warning = { instanceId, message };
    this.warnings.push(warning);
    this.#onWarning?.(warning);
  }

  // ───────────────────────────── internals: episodes ─────────────────────────────

  async #runEpisode(instance: Instance): Promise<void> {
    this.#busy.add(instance.instanceId);
    try {
      const event = instance.inbox.shift()!;
      if (TERMINAL.has(instance.status)) return;
      await this.#episode(instance, event);
    } finally {
      this.#busy.delete(instance.instanceId);
      this.#save(instance);
    }
  }

  async #episode(instance: Instance, newEvent: HistoryEvent): Promise<void> {
    const execution = instance.execution;
    const now = this.#clock.now();
    if (instance.status === "Pending") instance.status = "Running";
    const started = historyEvent(HistoryEventType.OrchestratorStarted, now);
    // Host-side work the new event causes before the orchestrator runs (retry timers, timer segments).
    const hostEvents = this.#applyHostSemantics(instance, newEvent, now);

    const fn = this.#functions.get(instance.name);
    if (!fn) {
      this.#fail(instance, `The function '${instance.name}' doesn't exist, is disabled, or is not an orchestrator function.`, now);
      return;
    }
    const past = execution.history.map((e) => ({ ...e, IsPlayed: true }));
    const payload = {
      history: [...past, started, newEvent],
      input: instance.inputText === undefined ? null : JSON.parse(instance.inputText),
      instanceId: instance.instanceId,
      isReplaying: past.length > 0,
      parentInstanceId: instance.parent?.instanceId ?? null,
      upperSchemaVersion: UPPER_SCHEMA_VERSION,
      upperSchemaVersionNew: UPPER_SCHEMA_VERSION_NEW,
      longRunningTimerIntervalDuration: "3.00:00:00",
      maximumShortTimerDuration: "6.00:00:00",
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    execution.history.push(started, newEvent, ...hostEvents);
    instance.episodes++;

    let state: OrchestratorStateJson;
    let failure: string | undefined;
    try {
      const result = await invokeFunction(fn, { [triggerOf(fn).name]: jsonInput(payload) }, this.#log);
      state = fromRpcTypedData(result.returnValue) as OrchestratorStateJson;
    } catch (error) {
      const parsed = parseOutOfProcFailure(error);
      if (!parsed) {
        // The real host would leave the instance Running forever here (nothing to parse); failing
        // it loudly is more useful locally, and the message says what the host would do.
        this.#fail(instance, `Orchestrator function '${instance.name}' failed without out-of-proc state (the Azure host would leave it Running): ${describe(error)}`, now);
        return;
      }
      state = parsed;
      failure = state.error ?? describe(error);
    }
    if (execution !== instance.execution || TERMINAL.has(instance.status)) return;
    // The host reads the result through JObject.Parse: date-like strings come back re-formatted.
    state = hostJsonRoundTrip(state);

    const topActions = topLevelActions(state.actions);
    const actions = flattenActions(topActions);
    // OutOfProcOrchestrationShim.ScheduleDurableTaskEvents deserializes the actions first
    // (RetryOptionsConverter: Int32 fields), then sets the custom status (16 KB limit); either
    // exception fails the orchestration (TaskOrchestrationShim.InvokeUserCodeAndHandleResults).
    const overflow = actions.map((a) => (a.retryOptions ? retryOptionsOverflow(a.retryOptions) : undefined)).find(Boolean);
    if (overflow) {
      this.#fail(instance, `Orchestrator function '${instance.name}' failed: ${overflow}`, now);
      return;
    }
    if (state.customStatus !== undefined && state.customStatus !== null) {
      const tooBig = customStatusSizeError(state.customStatus);
      if (tooBig) {
        this.#fail(instance, `Orchestrator function '${instance.name}' failed: ${tooBig}`, now);
        return;
      }
      instance.customStatus = state.customStatus;
    }
    const divergence = findNondeterminism(execution, actions);
    if (divergence) {
      this.#fail(instance, `Non-Deterministic workflow detected: ${divergence}`, now);
      return;
    }
    execution.lastActions = actions;
    execution.outcome = { isDone: state.isDone, output: state.output, failure };
    this.#cancelTimers(execution, actions);
    this.#advanceShim(instance, topActions, now);
    execution.history.push(historyEvent(HistoryEventType.OrchestratorCompleted, now));
    instance.updatedAt = now;
    this.#completeIfSettled(instance, topActions, now);
  }

  /**
   * OutOfProcOrchestrationShim.ProcessAsyncActionsV2: invoke the next top-level action only once
   * the previous one's task has completed (a WhenAll only when ALL its children have, retries
   * included). Work the orchestrator yields after catching a Task.all failure therefore waits for
   * the siblings, and DTFx hands out its sequence ids only then.
   */
  #advanceShim(instance: Instance, topActions: OrchestratorAction[], now: number): void {
    const execution = instance.execution;
    while (execution.top.length < topActions.length) {
      const previous = execution.top[execution.top.length - 1];
      if (previous && !opDone(previous)) {
        // The orchestrator moved past an action the host still awaits: only a Task.all that failed
        // fast while siblings are open does that. Say so once: on Azure this is the mis-numbering hazard.
        if (execution.warnedAhead !== execution.top.length) {
          execution.warnedAhead = execution.top.length;
          this.#warn(
            instance.instanceId,
            `The orchestrator scheduled ${actionSignature(topActions[execution.top.length])} while action #${execution.top.length - 1} (${describeOp(topActions[execution.top.length - 1])}) still has open work. ` +
              "The Azure host schedules it only after all of that work ends, under a later sequence id than the orchestrator gave it, so the orchestrator may take another task's result for it (OutOfProcOrchestrationShim.ProcessAsyncActionsV2). Do not catch a fan-out failure while siblings run.",
          );
        }
        return;
      }
      execution.top.push(this.#invoke(instance, topActions[execution.top.length], now));
      if (execution !== instance.execution || TERMINAL.has(instance.status)) return;
    }
  }

  /**
   * The instance ends only when the shim has walked every action AND DTFx has no open task
   * (TaskOrchestrationExecutor.ExecuteCore: `if (!this.context.HasOpenTasks)`): an orchestrator
   * that returns or throws while an activity, retry or timer is still open stays Running until
   * that work finishes.
   */
  #completeIfSettled(instance: Instance, topActions: OrchestratorAction[], now: number): void {
    const execution = instance.execution;
    const outcome = execution.outcome;
    if (!outcome || execution !== instance.execution || TERMINAL.has(instance.status)) return;
    if (execution.top.length < topActions.length) return;
    const last = execution.top[execution.top.length - 1];
    if (last && !opDone(last)) return;
    if (outcome.failure === undefined && !outcome.isDone) return;
    if ([...execution.tasks.values()].some((task) => task.kind !== "entityCall")) return;
    if (outcome.failure !== undefined) this.#fail(instance, `Orchestrator function '${instance.name}' failed: ${outcome.failure}`, now);
    else if (execution.continueAsNew) this.#continueAsNew(instance, execution.continueAsNew, now);
    else this.#complete(instance, outcome.output, now);
  }

  /** A timer the orchestrator cancelled (isCanceled) is no longer an open DTFx task (TaskOrchestrationContext.CreateTimer's cancel registration). */
  #cancelTimers(execution: Execution, actions: OrchestratorAction[]): void {
    for (let i = 0; i < execution.leaves.length && i < actions.length; i++) {
      if (actions[i].actionType !== ActionType.CreateTimer || !actions[i].isCanceled || execution.leaves[i].done) continue;
      execution.leaves[i].done = true;
      for (const [id, task] of execution.tasks) if (task.kind === "timer" && task.op === execution.leaves[i]) execution.tasks.delete(id);
    }
  }

  /** Host-side reaction to the event about to be delivered; returns the events it adds. */
  #applyHostSemantics(instance: Instance, event: HistoryEvent, now: number): HistoryEvent[] {
    const execution = instance.execution;
    const added: HistoryEvent[] = [];
    switch (event.EventType) {
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.SubOrchestrationInstanceCompleted: {
        const task = execution.tasks.get(event.TaskScheduledId as number);
        execution.tasks.delete(event.TaskScheduledId as number);
        if (task && (task.kind === "activity" || task.kind === "subOrchestration")) task.op.done = true;
        break;
      }
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceFailed: {
        const task = execution.tasks.get(event.TaskScheduledId as number);
        execution.tasks.delete(event.TaskScheduledId as number);
        if (!task || (task.kind !== "activity" && task.kind !== "subOrchestration")) break;
        if (!task.retry) {
          task.op.done = true;
          break;
        }
        // DTFx RetryInterceptor.Invoke: a (dummy, immediate) timer after the last attempt; a
        // backoff timer before the next one; none at all once the retry timeout has expired.
        const retry = task.retry;
        const step = retryStepAfterFailure(retry.options, retry.attempt - 1, retry.firstAttemptAt, now);
        if (step.kind === "giveUp") {
          task.op.done = true;
          this.#warn(
            instance.instanceId,
            `Retry timeout of '${task.name}' expired: the host gives up without a timer and the JS task never completes, so the instance will hang (azure-functions-durable-js#629).`,
          );
          break;
        }
        const timerId = execution.nextSequence++;
        const fireAt = step.kind === "retry" ? now + step.delayMs : now;
        added.push(historyEvent(HistoryEventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, timerId));
        execution.tasks.set(timerId, { kind: "retryTimer", of: { ...task, retry }, final: step.kind === "lastAttempt", fireAt });
        this.#addTimer(instance, timerId, fireAt);
        break;
      }
      case HistoryEventType.TimerFired: {
        const timerId = event.TimerId as number;
        const task = execution.tasks.get(timerId);
        execution.tasks.delete(timerId);
        if (task?.kind === "retryTimer") {
          const { of } = task;
          if (task.final) {
            of.op.done = true;
          } else {
            of.retry.attempt++;
            added.push(this.#scheduleAttempt(instance, of, now));
          }
        } else if (task?.kind === "timer") {
          const fireAt = nextTimerSegment(now, task.finalFireAt, false);
          if (fireAt === undefined) {
            task.op.done = true;
            break;
          }
          // Long timers are split by the host into segments, each with its own sequence id.
          const segmentId = execution.nextSequence++;
          added.push(historyEvent(HistoryEventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, segmentId));
          task.fireAt = fireAt;
          execution.tasks.set(segmentId, task);
          this.#addTimer(instance, segmentId, fireAt);
        }
        break;
      }
      case HistoryEventType.EventRaised: {
        let entityReply = false;
        for (const [id, task] of execution.tasks) {
          if (task.kind === "entityCall" && task.requestId === event.Name) {
            execution.tasks.delete(id);
            task.op.done = true;
            entityReply = true;
          }
        }
        if (entityReply) break;
        // DurableOrchestrationContext.RaiseEvent: the oldest pending wait of that name (names
        // compared OrdinalIgnoreCase) gets it, otherwise it is buffered for a later wait.
        const name = String(event.Name).toLowerCase();
        const waiter = execution.eventWaits.get(name)?.shift();
        if (waiter) waiter.done = true;
        else execution.bufferedEvents.set(name, (execution.bufferedEvents.get(name) ?? 0) + 1);
        break;
      }
      default:
        break;
    }
    return added;
  }

  /** OutOfProcOrchestrationShim.InvokeAPIFromAction for one (possibly compound) action. */
  #invoke(instance: Instance, action: OrchestratorAction, now: number): HostOp {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      const children = (action.compoundActions ?? []).map((child) => this.#invoke(instance, child, now));
      return { kind: action.actionType === ActionType.WhenAll ? "all" : "any", done: false, children };
    }
    const op: HostOp = { kind: "leaf", done: false };
    instance.execution.leaves.push(op);
    const fault = this.#validate(instance, action);
    if (fault) {
      // CallDurableTaskFunctionAsync is async: its ArgumentException faults the returned Task,
      // and ProcessAsyncActionsV2 "silently ignores exceptions" of awaited tasks. Nothing is
      // scheduled, no sequence id is used, and the orchestrator's task never completes.
      op.done = true;
      instance.execution.faults.push(fault);
      this.#warn(instance.instanceId, `${fault} The Azure host drops this action without telling the orchestrator, so the instance will wait forever.`);
      return op;
    }
    op.signature = replaySignature(action);
    if (op.signature) instance.execution.recordedActions.push(op.signature);
    this.#schedule(instance, action, op, now);
    return op;
  }

  /** The checks CallDurableTaskFunctionAsync makes before scheduling (DurableOrchestrationContext.cs). */
  #validate(instance: Instance, action: OrchestratorAction): string | undefined {
    const name = action.functionName ?? "";
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        if (action.retryOptions) {
          const invalid = retryIntervalError(action.retryOptions, MAXIMUM_SHORT_TIMER_MS);
          if (invalid) return `'${name}': ${invalid}.`;
        }
        const activity = action.actionType === ActionType.CallActivity || action.actionType === ActionType.CallActivityWithRetry;
        const fn = this.#functions.get(name);
        // DurableTaskExtension.ThrowIfFunctionDoesNotExist.
        if (!fn || triggerOf(fn).type !== (activity ? "activityTrigger" : "orchestrationTrigger")) {
          return `The function '${name}' doesn't exist, is disabled, or is not ${activity ? "an activity" : "an orchestrator"} function.`;
        }
        if (!activity && action.instanceId) {
          const id = action.instanceId.toLowerCase();
          if (id === instance.instanceId.toLowerCase() || (instance.parent && id === instance.parent.instanceId.toLowerCase())) {
            return "The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.";
          }
          if (id.startsWith("@")) return "Orchestration instance ids must not start with @";
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  #schedule(instance: Instance, action: OrchestratorAction, op: HostOp, now: number): void {
    const execution = instance.execution;
    const push = (event: HistoryEvent): void => {
      execution.history.push(event);
    };
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const task: HostTask = {
          kind: "activity",
          name: action.functionName!,
          inputText: actionInputText(action.input),
          retry: action.retryOptions ? { options: action.retryOptions, attempt: 1, firstAttemptAt: now } : undefined,
          op,
        };
        push(this.#scheduleAttempt(instance, task, now));
        break;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const task: HostTask = {
          kind: "subOrchestration",
          name: action.functionName!,
          inputText: toJsonText(action.input),
          childId: "",
          explicitId: action.instanceId || undefined,
          retry: action.retryOptions ? { options: action.retryOptions, attempt: 1, firstAttemptAt: now } : undefined,
          op,
        };
        push(this.#scheduleAttempt(instance, task, now));
        break;
      }
      case ActionType.CreateTimer: {
        const id = execution.nextSequence++;
        const finalFireAt = Date.parse(action.fireAt!);
        const fireAt = nextTimerSegment(now, finalFireAt, true) ?? finalFireAt;
        push(historyEvent(HistoryEventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, id));
        if (action.isCanceled) {
          op.done = true; // created, then cancelled at once on this replay
          break;
        }
        execution.tasks.set(id, { kind: "timer", finalFireAt, op, fireAt });
        this.#addTimer(instance, id, fireAt);
        break;
      }
      case ActionType.WaitForExternalEvent: {
        // No sequence id and no history: events are matched by name (host side case-insensitively).
        const name = (action.externalEventName ?? "").toLowerCase();
        const buffered = execution.bufferedEvents.get(name) ?? 0;
        if (buffered > 0) {
          execution.bufferedEvents.set(name, buffered - 1);
          op.done = true;
        } else {
          execution.eventWaits.set(name, [...(execution.eventWaits.get(name) ?? []), op]);
        }
        break;
      }
      case ActionType.ContinueAsNew:
        execution.continueAsNew = action;
        op.done = true;
        break;
      case ActionType.CallEntity:
      case ActionType.SignalEntity: {
        const id = execution.nextSequence++;
        const [name, key] = parseEntityInstanceId(action.instanceId!);
        const requestId = randomUUID();
        const isSignal = action.actionType === ActionType.SignalEntity;
        const inputText = toJsonText(action.input);
        const request = { op: action.operation, signal: isSignal, input: inputText, parent: instance.instanceId, id: requestId };
        push(historyEvent(HistoryEventType.EventSent, now, { InstanceId: action.instanceId, Name: "op", Input: JSON.stringify(request) }, id));
        if (isSignal) op.done = true;
        else execution.tasks.set(id, { kind: "entityCall", requestId, op });
        this.#entityOperation(name, key, {
          operation: action.operation ?? "",
          inputText,
          reply: isSignal ? undefined : { instanceId: instance.instanceId, executionId: execution.id, requestId },
        });
        break;
      }
      default:
        this.#fail(instance, `The devhost does not support the ${actionSignature(action)} action.`, now);
    }
  }

  /** Schedules one attempt of an activity or sub-orchestration under a new sequence id. */
  #scheduleAttempt(instance: Instance, task: Extract<HostTask, { kind: "activity" | "subOrchestration" }>, now: number): HistoryEvent {
    const execution = instance.execution;
    const id = execution.nextSequence++;
    execution.tasks.set(id, task);
    if (task.kind === "activity") {
      this.#queueActivity(instance, execution.id, id, task.name, task.inputText);
      return historyEvent(HistoryEventType.TaskScheduled, now, { Name: task.name, Input: task.inputText }, id);
    }
    // TaskOrchestrationContext.CreateSubOrchestrationInstanceCore: `ExecutionId + ":" + id` when no id is given.
    const childId = task.explicitId ?? `${execution.id}:${id}`;
    task.childId = childId;
    this.#startChild(instance, id, task.name, childId, task.inputText);
    return historyEvent(HistoryEventType.SubOrchestrationInstanceCreated, now, { Name: task.name, InstanceId: childId, Input: task.inputText }, id);
  }

  #startChild(parent: Instance, taskId: number, name: string, childId: string, inputText: string | undefined): void {
    const link = { instanceId: parent.instanceId, executionId: parent.execution.id, taskId };
    const existing = this.#instances.get(childId);
    if (existing && !TERMINAL.has(existing.status)) {
      const reason = `An Orchestration instance with the status ${existing.status} already exists with ID '${childId}'.`;
      this.#deliverToParent(link, historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, this.#clock.now(), { TaskScheduledId: taskId, Reason: reason, Details: reason }));
      return;
    }
    this.#createInstance(name, childId, inputText, link);
  }

  #continueAsNew(instance: Instance, action: OrchestratorAction, now: number): void {
    const inputText = actionInputText(action.input);
    // Events that arrived but were not yet processed carry over to the new execution; stale
    // completions of the old execution do not.
    const carried = instance.inbox.filter((e) => e.EventType === HistoryEventType.EventRaised);
    instance.inputText = inputText;
    instance.execution = newExecution();
    instance.inbox = [executionStarted(instance.name, instance.instanceId, inputText, now, instance.parent?.instanceId), ...carried];
    instance.updatedAt = now;
    this.#kick();
  }

  #complete(instance: Instance, output: unknown, now: number): void {
    instance.execution.history.push(historyEvent(HistoryEventType.ExecutionCompleted, now, { OrchestrationStatus: "Completed", Result: toJsonText(output) ?? null }));
    this.#finish(instance, "Completed", output ?? null, now);
    if (instance.parent) {
      this.#deliverToParent(instance.parent, historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: instance.parent.taskId, Result: toJsonText(output) ?? null }));
    }
  }

  #fail(instance: Instance, message: string, now: number): void {
    instance.execution.history.push(historyEvent(HistoryEventType.ExecutionCompleted, now, { OrchestrationStatus: "Failed", Result: JSON.stringify(message) }));
    this.#finish(instance, "Failed", message, now);
    if (instance.parent) {
      this.#deliverToParent(instance.parent, historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, { TaskScheduledId: instance.parent.taskId, Reason: message, Details: message }));
    }
  }

  #finish(instance: Instance, status: RuntimeStatus, output: unknown, now: number): void {
    instance.status = status;
    instance.output = output;
    instance.updatedAt = now;
    instance.execution.tasks.clear();
    this.#save(instance);
    this.#timerListener?.();
  }

  #deliverToParent(link: NonNullable<Instance["parent"]>, event: HistoryEvent): void {
    const parent = this.#instances.get(link.instanceId);
    if (!parent || parent.execution.id !== link.executionId || TERMINAL.has(parent.status)) return;
    this.#enqueue(parent, event);
  }

  #addTimer(instance: Instance, timerId: number, fireAt: number): void {
    const entry = { fireAt, instanceId: instance.instanceId, executionId: instance.execution.id, timerId };
    const index = this.#timers.findIndex((t) => t.fireAt > fireAt);
    if (index === -1) this.#timers.push(entry);
    else this.#timers.splice(index, 0, entry);
    this.#timerListener?.();
    if (fireAt <= this.#clock.now()) this.#kick();
  }

  // ───────────────────────────── internals: activities ─────────────────────────────

  #queueActivity(instance: Instance, executionId: string, taskId: number, name: string, inputText: string | undefined): void {
    const instanceId = instance.instanceId;
    this.#activityQueue.push(async () => {
      let completion: HistoryEvent;
      try {
        const value = await this.#runActivity(name, inputText);
        completion = historyEvent(HistoryEventType.TaskCompleted, this.#clock.now(), { TaskScheduledId: taskId, Result: toJsonText(value) ?? null });
      } catch (error) {
        // Extension 2.x shape: Reason carries the message, Details the serialized exception.
        const { reason, details } = activityFailure(name, error);
        completion = historyEvent(HistoryEventType.TaskFailed, this.#clock.now(), { TaskScheduledId: taskId, Reason: reason, Details: details });
      }
      const target = this.#instances.get(instanceId);
      if (target && target.execution.id === executionId && !TERMINAL.has(target.status)) this.#enqueue(target, completion);
    });
    this.#kick();
  }

  async #runActivity(name: string, inputText: string | undefined): Promise<unknown> {
    const input = inputText === undefined ? undefined : JSON.parse(inputText);
    const override = this.#overrides.get(name);
    if (override) {
      const value = roundTrip(await override(input));
      return typeof value === "string" ? value : hostJsonRoundTrip(value);
    }
    const fn = this.#functionOfType(name, "activityTrigger", "an activity");
    const trigger: RpcTypedData = inputText === undefined ? {} : { string: inputText };
    const result = await invokeFunction(fn, { ...this.#bindingInputs(fn), [triggerOf(fn).name]: trigger }, this.#log);
    const value = fromRpcTypedData(result.returnValue);
    // A JSON return value is parsed by the Functions host with JsonConvert defaults (dates re-formatted); a string is not.
    return (result.returnValue as RpcTypedData | undefined)?.json !== undefined ? hostJsonRoundTrip(value) : value;
  }

  #functionOfType(name: string, triggerType: string, kind: string): RegisteredFunction {
    const fn = this.#functions.get(name);
    if (!fn || triggerOf(fn).type !== triggerType) throw new FunctionNotFoundError(name, kind);
    return fn;
  }

  // ───────────────────────────── internals: entities ─────────────────────────────

  #entityOperation(name: string, key: string, operation: EntityOperation): void {
    const id = entityId(name, key);
    let record = this.#entities.get(id);
    if (!record) {
      record = { name: name.toLowerCase(), key, queue: [], busy: false };
      this.#entities.set(id, record);
    }
    record.queue.push(operation);
    this.#kick();
  }

  async #runEntityOperation(entity: EntityRecord): Promise<void> {
    entity.busy = true;
    const operation = entity.queue.shift()!;
    try {
      const fn = [...this.#functions.values()].find(
        (f) => f.metadata.name.toLowerCase() === entity.name && triggerOf(f).type === "entityTrigger",
      );
      let resultText: string | undefined;
      let isError = false;
      if (!fn) {
        isError = true;
        resultText = JSON.stringify(`The function '${entity.name}' doesn't exist, is disabled, or is not an entity function.`);
      } else {
        const batchInput = {
          self: { name: entity.name, key: entity.key },
          exists: entity.stateText !== undefined,
          state: entity.stateText,
          batch: [{ name: operation.operation, input: operation.inputText, isSignal: !operation.reply }],
        };
        const response = await invokeFunction(fn, { [triggerOf(fn).name]: jsonInput(batchInput) }, this.#log);
        const output = fromRpcTypedData(response.returnValue) as EntityStateJson;
        entity.stateText = output.entityExists ? output.entityState : undefined;
        const first = output.results?.[0];
        isError = Boolean(first?.isError);
        resultText = first?.result;
        for (const signal of output.signals ?? []) {
          this.#entityOperation(signal.target.name, signal.target.key, { operation: signal.name, inputText: signal.input });
        }
      }
      if (operation.reply) {
        const response: Record<string, unknown> = { result: resultText };
        if (isError) response.exceptionType = "Error";
        const target = this.#instances.get(operation.reply.instanceId);
        if (target && target.execution.id === operation.reply.executionId && !TERMINAL.has(target.status)) {
          this.#enqueue(target, historyEvent(HistoryEventType.EventRaised, this.#clock.now(), { Name: operation.reply.requestId, Input: JSON.stringify(response) }));
        }
      }
    } finally {
      entity.busy = false;
    }
  }
}

interface OrchestratorStateJson {
  isDone: boolean;
  actions: unknown;
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

interface EntityStateJson {
  entityExists: boolean;
  entityState?: string;
  results?: { isError: boolean; result?: string }[];
  signals?: { target: { name: string; key: string }; name: string; input?: string }[];
}

function executionStarted(name: string, instanceId: string, inputText: string | undefined, at: number, parentInstanceId?: string): HistoryEvent {
  return historyEvent(HistoryEventType.ExecutionStarted, at, {
    Name: name,
    Version: "",
    Input: inputText ?? null,
    OrchestrationInstance: { InstanceId: instanceId },
    ParentInstance: parentInstanceId ? { OrchestrationInstance: { InstanceId: parentInstanceId } } : null,
  });
}

/** The JSON state the library embeds after `$OutOfProcData$:` when an orchestrator throws. */
function parseOutOfProcFailure(error: unknown): OrchestratorStateJson | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const marker = "$OutOfProcData$:";
  const at = message.indexOf(marker);
  if (at === -1) return undefined;
  try {
    return JSON.parse(message.slice(at + marker.length)) as OrchestratorStateJson;
  } catch {
    return undefined;
  }
}

function activityFailure(name: string, error: unknown): { reason: string; details: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  const reason = error instanceof FunctionNotFoundError ? err.message : `Activity function '${name}' failed: ${err.message}`;
  return { reason, details: JSON.stringify({ ClassName: err.name, Message: err.message, StackTraceString: err.stack ?? null }) };
}

function parseEntityInstanceId(id: string): [string, string] {
  const match = /^@([^@]*)@(.*)$/.exec(id);
  if (!match) throw new Error(`Malformed entity id '${id}'.`);
  return [match[1], match[2]];
}

function entityId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

/** The host's status timestamps: second precision, UTC, 'Z'. */
function hostTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function roundTrip(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
