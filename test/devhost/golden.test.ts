/**
 * Pins the installed library's protocol: enum values and payload shapes the devhost reproduces.
 * An upgrade of durable-functions or @azure/functions that changes any of them fails here first.
 */
import { ActionType } from "../../lib/devhost/actions";
import { HistoryEventType } from "../../lib/devhost/history";

const lib = (path: string) => require(`durable-functions/lib/src/${path}`);

test("the pinned library versions are the ones the devhost was verified against", () => {
  expect(require("durable-functions/package.json").version).toBe("3.5.0");
  expect(require("@azure/functions/package.json").version).toBe("4.16.5");
});

test("history event types match durable-functions' HistoryEventType", () => {
  const theirs = lib("history/HistoryEventType").HistoryEventType as Record<string, number | string>;
  for (const [name, value] of Object.entries(HistoryEventType)) expect(theirs[name]).toBe(value);
});

test("action types match durable-functions' ActionType", () => {
  const theirs = lib("actions/ActionType").ActionType as Record<string, number | string>;
  const names = Object.keys(theirs).filter((k) => Number.isNaN(Number(k)));
  expect(Object.fromEntries(names.map((n) => [n, theirs[n]]))).toEqual(ActionType);
});

test("replay schema values: the devhost sends V2 (1) and V3 (2)", () => {
  expect(lib("orchestrations/ReplaySchema").ReplaySchema).toMatchObject({ V1: 0, V2: 1, V3: 2, V4: 3 });
});

test("the binding keys the orchestrator requires to exist", () => {
  const { DurableOrchestrationBindingInfoReqFields } = lib("orchestrations/DurableOrchestrationBindingInfo");
  expect(Object.keys(new DurableOrchestrationBindingInfoReqFields()).sort()).toEqual(["history", "instanceId", "isReplaying", "upperSchemaVersion"]);
});

test("orchestrator state shape and the out-of-proc failure marker", () => {
  const { OrchestratorState } = lib("orchestrations/OrchestratorState");
  const state = new OrchestratorState({ isDone: false, actions: [[]], output: undefined, schemaVersion: 2 });
  expect(Object.keys(JSON.parse(JSON.stringify(state))).sort()).toEqual(["actions", "isDone", "schemaVersion"]);
  const { OrchestrationFailureError } = lib("error/OrchestrationFailureError");
  expect(new OrchestrationFailureError(false, state).message).toContain("$OutOfProcData$:");
});

test("retry options serialize with the field names the host's RetryOptionsConverter reads", () => {
  const { RetryOptions } = require("durable-functions");
  const options = Object.assign(new RetryOptions(1000, 3), { backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 5000, retryTimeoutInMilliseconds: 9000 });
  expect(Object.keys(JSON.parse(JSON.stringify(options))).sort()).toEqual(
    ["backoffCoefficient", "firstRetryIntervalInMilliseconds", "maxNumberOfAttempts", "maxRetryIntervalInMilliseconds", "retryTimeoutInMilliseconds"].sort(),
  );
});

test("durable client input data requires the fields the devhost provides", () => {
  const { OrchestrationClientInputData } = lib("durableClient/OrchestrationClientInputData");
  const data = { taskHubName: "h", creationUrls: {}, managementUrls: {}, baseUrl: "http://x", requiredQueryStringParameters: "code=1", rpcBaseUrl: "http://x/durabletask/" };
  expect(OrchestrationClientInputData.isOrchestrationClientInputData(data)).toBe(true);
  expect(OrchestrationClientInputData.isOrchestrationClientInputData({ ...data, managementUrls: undefined })).toBe(false);
});
