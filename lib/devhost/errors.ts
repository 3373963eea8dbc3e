/** Typed errors of the devhost's client-facing operations (mapped to HTTP codes by the management API). */
export class InstanceNotFoundError extends Error {
  override readonly name = "InstanceNotFoundError";
  constructor(readonly instanceId: string) {
    super(`No instance with ID '${instanceId}' found.`);
  }
}

export class InstanceAlreadyExistsError extends Error {
  override readonly name = "InstanceAlreadyExistsError";
  constructor(readonly instanceId: string, readonly runtimeStatus: string) {
    super(`An Orchestration instance with the status ${runtimeStatus} already exists with ID '${instanceId}'.`);
  }
}

export class InstanceCompletedError extends Error {
  override readonly name = "InstanceCompletedError";
  constructor(readonly instanceId: string, readonly runtimeStatus: string) {
    super(`The instance '${instanceId}' is ${runtimeStatus} and can no longer accept this operation.`);
  }
}

export class FunctionNotFoundError extends Error {
  override readonly name = "FunctionNotFoundError";
  constructor(readonly functionName: string, readonly kind: string) {
    super(`The function '${functionName}' doesn't exist, is disabled, or is not ${kind} function.`);
  }
}

/** Raised by the testing API when an instance is Running with nothing able to move it on. */
export class OrchestrationStalledError extends Error {
  override readonly name = "OrchestrationStalledError";
  constructor(readonly instanceId: string, readonly diagnosis: string) {
    super(`Instance '${instanceId}' is stalled: ${diagnosis}`);
  }
}
