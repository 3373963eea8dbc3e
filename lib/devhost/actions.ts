/** Orchestrator actions as durable-functions emits them (see lib/src/actions). Pinned by a golden test. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptionsJson;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  operation?: string;
  compoundActions?: OrchestratorAction[];
  httpRequest?: unknown;
}

/**
 * Flattens the action list the way the host walks it: one inner array per yield (V1) or a
 * single array with WhenAll/WhenAny compounds (V2+), children depth-first in order.
 */
export function flattenActions(actions: unknown): OrchestratorAction[] {
  const out: OrchestratorAction[] = [];
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) {
      item.forEach(visit);
      return;
    }
    const action = item as OrchestratorAction;
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      (action.compoundActions ?? []).forEach(visit);
      return;
    }
    out.push(action);
  };
  visit(actions ?? []);
  return out;
}

/** What DTFx compares on replay: the kind of work and its target, never inputs or times. */
export function actionSignature(action: OrchestratorAction): string {
  const kind = Object.entries(ActionType).find(([, v]) => v === action.actionType)?.[0] ?? `Action${action.actionType}`;
  const target = action.functionName ?? action.externalEventName ?? (action.instanceId ? `${action.instanceId}.${action.operation ?? ""}` : "");
  return `${kind}(${target})`;
}

/** Activity/continueAsNew inputs arrive JSON-encoded when strings (Utils.processInput); others raw. */
export function actionInputText(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  return typeof input === "string" ? input : JSON.stringify(input);
}
