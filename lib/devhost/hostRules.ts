import { actionSignature, ActionType, OrchestratorAction } from "./actions";
import { Execution } from "./instanceState";

/**
 * Rules of the Azure host (Durable extension + DTFx) that the engine applies to an
 * orchestrator's answer: the shim's action list, long-timer segments, the custom status limit
 * and the replay comparison. Each names the upstream code it follows.
 */

/** AzureStorageDurabilityProvider: MaximumDelayTime 6 days, LongRunningTimerIntervalLength 3 days. */
export const MAXIMUM_SHORT_TIMER_MS = 6 * 24 * 3600 * 1000;
export const LONG_RUNNING_TIMER_INTERVAL_MS = 3 * 24 * 3600 * 1000;

/** An action as the "orchestrator is ahead of the host" warning names it. */
export function describeOp(action: OrchestratorAction): string {
  if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
    return `${action.actionType === ActionType.WhenAll ? "Task.all" : "Task.any"} of ${(action.compoundActions ?? []).map(describeOp).join(", ")}`;
  }
  return actionSignature(action);
}

/** The V2/V3 action list: `[[...actions]]` (one outer element, OutOfProcOrchestrationShim.ReplayOOProcOrchestration). */
export function topLevelActions(actions: unknown): OrchestratorAction[] {
  if (!Array.isArray(actions)) return [];
  if (actions.length === 1 && Array.isArray(actions[0])) return actions[0] as OrchestratorAction[];
  return actions.flat() as OrchestratorAction[];
}

/**
 * DurableOrchestrationContext.CreateTimer: a timer further away than MaximumDelayTime (6 days)
 * becomes a loop of LongRunningTimerIntervalLength (3 day) segments; after each fires, the rest
 * is one segment when under 3 days, else another 3 days. Undefined = the timer is due.
 */
export function nextTimerSegment(now: number, finalFireAt: number, first: boolean): number | undefined {
  if (first) return finalFireAt - now > MAXIMUM_SHORT_TIMER_MS ? now + LONG_RUNNING_TIMER_INTERVAL_MS : finalFireAt;
  const remaining = finalFireAt - now;
  if (remaining <= 0) return undefined;
  return remaining < LONG_RUNNING_TIMER_INTERVAL_MS ? now + remaining : now + LONG_RUNNING_TIMER_INTERVAL_MS;
}

/** The 16 KB UTF-16 limit of MessagePayloadDataConverter.Serialize(value, 16), which SetCustomStatus uses. */
export function customStatusSizeError(customStatus: unknown): string | undefined {
  // UTF-16 bytes = 2 per JS code unit; the host compares whole KB: (int)(bytes / 1024.0) > 16.
  const kb = Math.floor((JSON.stringify(customStatus).length * 2) / 1024);
  return kb > 16 ? `The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is ${kb} KB.` : undefined;
}

/**
 * What DTFx compares when it replays history against the actions (TaskOrchestrationContext
 * HandleTaskScheduledEvent & co): the kind of history event and its name, OrdinalIgnoreCase. A
 * plain and a retried call produce the same TaskScheduled; event waits leave no history.
 */
export function replaySignature(action: OrchestratorAction): string | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `TaskScheduled(${(action.functionName ?? "").toLowerCase()})`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return `SubOrchestrationInstanceCreated(${(action.functionName ?? "").toLowerCase()})`;
    case ActionType.CreateTimer:
      return "TimerCreated";
    case ActionType.CallEntity:
    case ActionType.SignalEntity:
      return "EventSent";
    default:
      return undefined;
  }
}

/** The first place where this replay's actions differ from what the host already scheduled (and wrote to history). */
export function findNondeterminism(execution: Execution, actions: OrchestratorAction[]): string | undefined {
  const now: string[] = [];
  for (let i = 0; i < execution.leaves.length && i < actions.length; i++) {
    const signature = execution.leaves[i].signature ? replaySignature(actions[i]) : undefined;
    if (execution.leaves[i].signature) now.push(signature ?? actionSignature(actions[i]));
  }
  const recorded = execution.recordedActions;
  for (let i = 0; i < recorded.length; i++) {
    if (i >= now.length) {
      return `A previous execution of this orchestration scheduled ${recorded[i]} as action #${i}, but the current replay execution hasn't (yet?) scheduled it. Was a change made to the orchestrator code after this instance had already started running?`;
    }
    if (now[i] !== recorded[i]) {
      return `A previous execution of this orchestration scheduled ${recorded[i]} as action #${i}, but the current replay execution scheduled ${now[i]} instead. Was a change made to the orchestrator code after this instance had already started running?`;
    }
  }
  return undefined;
}

