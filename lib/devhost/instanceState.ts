import { randomUUID } from "node:crypto";
import { OrchestratorAction, RetryOptionsJson } from "./actions";
import { HistoryEvent } from "./history";

/**
 * The engine's state of one instance, and its JSON snapshot for an InstanceStore: what the
 * host's task hub keeps (history, pending messages, status) plus what DTFx/the extension would
 * rebuild by replaying that history (open tasks, the shim's place in the action list), stored
 * directly so a restarted devhost resumes exactly where it was.
 */
export type RuntimeStatus = "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Canceled" | "Terminated" | "Suspended";

export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

export interface RetryState {
  options: RetryOptionsJson;
  attempt: number;
  firstAttemptAt: number;
}

/**
 * What the extension's shim awaits for one orchestrator action: OutOfProcOrchestrationShim
 * `InvokeAPIFromAction` turns each action into a .NET Task (WhenAll/WhenAny into Task.WhenAll /
 * Task.WhenAny of the children), and `ProcessAsyncActionsV2` awaits them ONE AFTER ANOTHER.
 */
export interface HostOp {
  kind: "leaf" | "all" | "any";
  done: boolean;
  children?: HostOp[];
  /** DTFx's replay comparison key ("activity:name", lower-cased), absent when the action leaves no history. */
  signature?: string;
}

export type HostTask =
  | { kind: "activity"; name: string; inputText?: string; retry?: RetryState; op: HostOp }
  | { kind: "subOrchestration"; name: string; inputText?: string; childId: string; explicitId?: string; retry?: RetryState; op: HostOp }
  | { kind: "retryTimer"; of: Extract<HostTask, { kind: "activity" | "subOrchestration" }> & { retry: RetryState }; final: boolean; fireAt: number }
  | { kind: "timer"; finalFireAt: number; op: HostOp; fireAt: number }
  | { kind: "entityCall"; requestId: string; op: HostOp };

/** The orchestrator's answer of the latest episode, kept until the host may act on it. */
export interface PendingOutcome {
  isDone: boolean;
  output: unknown;
  failure?: string;
}

export interface Execution {
  id: string;
  history: HistoryEvent[];
  nextSequence: number;
  /** Signatures of the invoked actions that left history, in order (what DTFx replays against). */
  recordedActions: string[];
  tasks: Map<number, HostTask>;
  /** Top-level actions the shim has invoked so far (its cursor is `top.length`). */
  top: HostOp[];
  /** Leaf actions invoked so far, in the depth-first order of the orchestrator's action list. */
  leaves: HostOp[];
  /** The orchestrator's latest flattened action list. */
  lastActions: OrchestratorAction[];
  /** Host-side external-event waits and buffered events (DurableOrchestrationContext, case-insensitive names). */
  eventWaits: Map<string, HostOp[]>;
  bufferedEvents: Map<string, number>;
  /** Why an action was dropped by the host (an exception the shim swallows): the orchestrator will wait forever. */
  faults: string[];
  continueAsNew?: OrchestratorAction;
  outcome?: PendingOutcome;
  /** Top-level index the "orchestrator is ahead of the host" warning was given for. */
  warnedAhead?: number;
}

export interface Instance {
  instanceId: string;
  name: string;
  inputText?: string;
  status: RuntimeStatus;
  customStatus: unknown;
  output: unknown;
  createdAt: number;
  updatedAt: number;
  execution: Execution;
  inbox: HistoryEvent[];
  parent?: { instanceId: string; executionId: string; taskId: number };
  episodes: number;
}


export function newExecution(): Execution {
  return {
    // DTFx execution ids: Guid.NewGuid().ToString("N") (TaskOrchestrationDispatcher, TaskHubClient).
    id: randomUUID().replace(/-/g, ""),
    history: [],
    nextSequence: 0,
    recordedActions: [],
    tasks: new Map(),
    top: [],
    leaves: [],
    lastActions: [],
    eventWaits: new Map(),
    bufferedEvents: new Map(),
    faults: [],
  };
}

export function opDone(op: HostOp): boolean {
  if (op.kind === "leaf") return op.done;
  const children = op.children ?? [];
  // Task.WhenAll completes when every child has; Task.WhenAny when one has (an empty WhenAll at once).
  return op.kind === "all" ? children.every(opDone) : children.some(opDone);
}


// ───────────────────────────── snapshots ─────────────────────────────

interface OpJson {
  kind: HostOp["kind"];
  done: boolean;
  children?: number[];
  signature?: string;
}

type TaskJson = Record<string, unknown> & { kind: HostTask["kind"] };

interface InstanceJson extends Omit<Instance, "execution"> {
  snapshotVersion: 1;
  execution: Omit<Execution, "tasks" | "top" | "leaves" | "eventWaits" | "bufferedEvents"> & {
    ops: OpJson[];
    tasks: [number, TaskJson][];
    top: number[];
    leaves: number[];
    eventWaits: [string, number[]][];
    bufferedEvents: [string, number][];
  };
}

/** The instance as JSON text; ops shared by several structures become indexes into one list. */
export function instanceSnapshot(instance: Instance): string {
  const execution = instance.execution;
  const ops: OpJson[] = [];
  const index = new Map<HostOp, number>();
  const ref = (op: HostOp): number => {
    const known = index.get(op);
    if (known !== undefined) return known;
    const at = ops.length;
    index.set(op, at);
    ops.push({ kind: op.kind, done: op.done, signature: op.signature });
    if (op.children) ops[at].children = op.children.map(ref);
    return at;
  };
  const top = execution.top.map(ref);
  const taskJson = (task: HostTask): TaskJson => {
    if (task.kind === "retryTimer") return { ...task, of: taskJson(task.of) };
    return { ...task, op: ref(task.op) };
  };
  const json: InstanceJson = {
    ...instance,
    snapshotVersion: 1,
    execution: {
      ...execution,
      top,
      leaves: execution.leaves.map(ref),
      tasks: [...execution.tasks].map(([id, task]) => [id, taskJson(task)]),
      eventWaits: [...execution.eventWaits].map(([name, waits]) => [name, waits.map(ref)]),
      bufferedEvents: [...execution.bufferedEvents],
      ops,
    },
  };
  return JSON.stringify(json);
}

/** Rebuilds an instance from `instanceSnapshot` text. */
export function instanceFromSnapshot(text: string): Instance {
  const json = JSON.parse(text) as InstanceJson;
  if (json.snapshotVersion !== 1) throw new Error(`Unknown devhost instance snapshot version ${String(json.snapshotVersion)}.`);
  const ops: HostOp[] = json.execution.ops.map((op) => ({ kind: op.kind, done: op.done, signature: op.signature }));
  json.execution.ops.forEach((op, i) => {
    if (op.children) ops[i].children = op.children.map((c) => ops[c]);
  });
  const task = (t: TaskJson): HostTask => {
    if (t.kind === "retryTimer") return { ...(t as object), of: task(t.of as TaskJson) } as HostTask;
    return { ...(t as object), op: ops[t.op as number] } as HostTask;
  };
  const { snapshotVersion: _version, execution, ...rest } = json;
  return {
    ...rest,
    execution: {
      ...execution,
      tasks: new Map(execution.tasks.map(([id, t]) => [id, task(t)])),
      top: execution.top.map((i) => ops[i]),
      leaves: execution.leaves.map((i) => ops[i]),
      eventWaits: new Map(execution.eventWaits.map(([name, waits]) => [name, waits.map((i) => ops[i])])),
      bufferedEvents: new Map(execution.bufferedEvents),
    },
  };
}
