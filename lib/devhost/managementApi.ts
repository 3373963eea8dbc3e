import { DurableEngine, InstanceQuery, RuntimeStatus } from "./engine";
import { FunctionNotFoundError, InstanceAlreadyExistsError, InstanceCompletedError, InstanceNotFoundError } from "./errors";
import { historyView } from "./historyView";

export interface ManagementRequest {
  method: string;
  /** Path below the management prefix, e.g. `instances/abc/raiseEvent/go`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ManagementResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const PAGE_SIZE_DEFAULT = 100;

/** The URLs the extension hands out for an instance (HttpManagementPayload). */
export function managementPayload(baseUrl: string, taskHub: string, code: string, instanceId: string): Record<string, string> {
  const id = encodeURIComponent(instanceId);
  const common = `taskHub=${encodeURIComponent(taskHub)}&connection=Storage&code=${encodeURIComponent(code)}`;
  const instance = `${baseUrl}/instances/${id}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${common}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${common}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${common}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${common}`,
    purgeHistoryDeleteUri: `${instance}?${common}`,
    restartPostUri: `${instance}/restart?${common}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${common}`,
    resumePostUri: `${instance}/resume?reason={text}&${common}`,
  };
}

/**
 * The Durable extension's HTTP management API (HttpApiHandler) over the engine: what the real
 * `DurableClient` calls through `rpcBaseUrl`, and what the public webhook URLs point at.
 */
export function handleManagement(engine: DurableEngine, request: ManagementRequest, payloadFor: (id: string) => Record<string, string>): ManagementResponse {
  const segments = request.path.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
  const [collection, first, action, extra] = segments;
  const method = request.method.toUpperCase();
  try {
    if (collection === "orchestrators" && method === "POST" && first) {
      const input = request.body.length ? JSON.parse(request.body) : undefined;
      return checkStatusResponse(engine.startNew(first, { instanceId: action, input }), payloadFor);
    }
    if (collection === "instances" && !first) {
      const query = instanceQuery(request.query);
      if (method === "GET") return listPage(engine, query, request);
      if (method === "DELETE") {
        // HandleDeleteHistoryWithFiltersRequestAsync: createdTimeFrom is required; createdTimeTo defaults to now.
        if (!query.createdTimeFrom) return { status: 400, body: "Please provide value for 'createdTimeFrom' parameter." };
        const deleted = engine.purgeWhere({ ...query, createdTimeTo: query.createdTimeTo ?? new Date(engine.clock.now()), instanceIdPrefix: undefined });
        return deleted ? { status: 200, body: { instancesDeleted: deleted } } : { status: 404, body: { message: "No instances matched." } };
      }
    }
    if (collection === "instances" && first) {
      if (method === "GET" && !action) {
        const showInput = queryBoolean(request.query, "showInput") ?? true;
        const status = engine.getStatus(first, { showInput });
        if (!status) return { status: 404, body: { message: `No instance with ID '${first}' found.` } };
        if (queryBoolean(request.query, "showHistory") && status.runtimeStatus !== "Pending") {
          status.historyEvents = historyView(engine.history(first), { showHistoryOutput: queryBoolean(request.query, "showHistoryOutput") ?? false, showInput });
        }
        // HttpApiHandler.HandleGetStatusRequestAsync: 202 + Location + Retry-After: 5 while running;
        // Failed is 200 unless returnInternalServerErrorOnFailure=true asks for 500.
        const running = ["Pending", "Running", "ContinuedAsNew", "Suspended"].includes(status.runtimeStatus);
        if (running) return { status: 202, body: status, headers: { location: payloadFor(first).statusQueryGetUri, "retry-after": "5" } };
        const failedAs500 = status.runtimeStatus === "Failed" && queryBoolean(request.query, "returnInternalServerErrorOnFailure") === true;
        return { status: failedAs500 ? 500 : 200, body: status };
      }
      if (method === "DELETE" && !action) {
        return engine.purge(first) ? { status: 200, body: { instancesDeleted: 1 } } : { status: 404, body: { message: `No instance with ID '${first}' found.` } };
      }
      if (method === "POST") {
        const reason = request.query.get("reason") ?? "";
        switch (action) {
          case "raiseEvent": {
            if (!extra) return { status: 400, body: { message: "An event name is required." } };
            // HandleRaiseEventRequestAsync: 404, then 410 for a finished instance, then only application/json.
            const target = engine.getStatus(first, { showInput: false });
            if (!target) throw new InstanceNotFoundError(first);
            if (["Completed", "Failed", "Terminated", "Canceled"].includes(target.runtimeStatus)) throw new InstanceCompletedError(first, target.runtimeStatus);
            const mediaType = String(request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
            if (mediaType !== "application/json") return { status: 400, body: { Message: "Only application/json request content is supported" } };
            engine.raiseEvent(first, extra, request.body.length ? JSON.parse(request.body) : undefined);
            return { status: 202 };
          }
          case "restart": {
            // DurableClient.RestartAsync(instanceId, restartWithNewInstanceId = true): a new start with the old input.
            const old = engine.getStatus(first);
            if (!old) return { status: 400, body: { Message: "InstanceId does not match a valid orchestration instance." } };
            const sameId = queryBoolean(request.query, "restartWithNewInstanceId") === false;
            const id = engine.startNew(old.name, { instanceId: sameId ? first : undefined, input: old.input ?? undefined });
            return checkStatusResponse(id, payloadFor);
          }
          case "terminate":
            engine.terminate(first, reason);
            return { status: 202 };
          case "suspend":
            engine.suspend(first, reason);
            return { status: 202 };
          case "resume":
            engine.resume(first, reason);
            return { status: 202 };
          case "rewind":
            return { status: 501, body: { message: "The devhost does not support rewind." } };
          default:
            break;
        }
      }
    }
    if (collection === "entities" && first && action) {
      if (method === "GET") {
        const state = engine.readEntityState(first, action);
        return state.exists ? { status: 200, body: state.state } : { status: 404 };
      }
      if (method === "POST") {
        engine.signalEntity(first, action, request.query.get("op") ?? "", request.body.length ? JSON.parse(request.body) : undefined);
        return { status: 202 };
      }
    }
    return { status: 404, body: { message: `No durable management route for ${method} ${request.path}.` } };
  } catch (error) {
    if (error instanceof InstanceNotFoundError) return { status: 404, body: { message: error.message } };
    if (error instanceof InstanceCompletedError) return { status: 410, body: { message: error.message } };
    // DTFx OrchestrationAlreadyExistsException is an InvalidOperationException: HandleRequestAsync's
    // catch-all answers 500; a missing function is an ArgumentException: 400.
    if (error instanceof InstanceAlreadyExistsError) return { status: 500, body: { Message: "Something went wrong while processing your request", ExceptionMessage: error.message } };
    if (error instanceof FunctionNotFoundError) return { status: 400, body: { Message: "One or more of the arguments submitted is incorrect", ExceptionMessage: error.message } };
    if (error instanceof SyntaxError) return { status: 400, body: { Message: "Invalid JSON content" } };
    throw error;
  }
}

/** OrchestrationRuntimeStatus / DTFx OrchestrationStatus values, by number. */
const STATUS_BY_NUMBER: RuntimeStatus[] = ["Running", "Completed", "ContinuedAsNew", "Failed", "Canceled", "Terminated", "Pending", "Suspended"];

function instanceQuery(query: URLSearchParams): InstanceQuery {
  // TryGetIEnumerableQueryParameterValue: `Enum.TryParse(value, out T)`, case-sensitive, numbers
  // accepted; values that do not parse are skipped, and none left means no status filter at all.
  const statuses = query
    .getAll("runtimeStatus")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .map((v) => (/^\d+$/.test(v) ? STATUS_BY_NUMBER[Number(v)] : STATUS_BY_NUMBER.find((s) => s === v)))
    .filter((s): s is RuntimeStatus => s !== undefined);
  return {
    runtimeStatus: statuses.length ? statuses : undefined,
    createdTimeFrom: queryDate(query, "createdTimeFrom"),
    createdTimeTo: queryDate(query, "createdTimeTo"),
    instanceIdPrefix: query.get("instanceIdPrefix") ?? undefined,
  };
}

/** TryGetDateTimeQueryParameterValue: a value that does not parse counts as absent. */
function queryDate(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  const ms = value ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** TryGetBooleanQueryParameterValue: bool.TryParse (case-insensitive "true"/"false"), else absent. */
function queryBoolean(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)?.trim().toLowerCase();
  return value === "true" ? true : value === "false" ? false : undefined;
}

/** HttpApiHandler.CreateCheckStatusResponse: 202, the management payload, Location and Retry-After: 10. */
function checkStatusResponse(id: string, payloadFor: (id: string) => Record<string, string>): ManagementResponse {
  const payload = payloadFor(id);
  return { status: 202, body: payload, headers: { location: payload.statusQueryGetUri, "retry-after": "10" } };
}

/** Paged listing with the extension's `x-ms-continuation-token` header. */
function listPage(engine: DurableEngine, query: InstanceQuery, request: ManagementRequest): ManagementResponse {
  const all = engine.listInstances(query);
  const top = Number(request.query.get("top") ?? PAGE_SIZE_DEFAULT) || PAGE_SIZE_DEFAULT;
  const tokenHeader = request.headers["x-ms-continuation-token"];
  const offset = Number(Array.isArray(tokenHeader) ? tokenHeader[0] : (tokenHeader ?? 0)) || 0;
  const page = all.slice(offset, offset + top);
  const next = offset + top < all.length ? String(offset + top) : undefined;
  return { status: 200, body: page, headers: next ? { "x-ms-continuation-token": next } : undefined };
}
