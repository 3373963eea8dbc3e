import { DurableEngine, InstanceQuery, RuntimeStatus } from "./engine";
import { FunctionNotFoundError, InstanceAlreadyExistsError, InstanceCompletedError, InstanceNotFoundError } from "./errors";

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
      const id = engine.startNew(first, { instanceId: action, input });
      const payload = payloadFor(id);
      return { status: 202, body: payload, headers: { location: payload.statusQueryGetUri } };
    }
    if (collection === "instances" && !first) {
      const query = instanceQuery(request.query);
      if (method === "GET") return listPage(engine, query, request);
      if (method === "DELETE") {
        const deleted = engine.purgeWhere(query);
        return deleted ? { status: 200, body: { instancesDeleted: deleted } } : { status: 404, body: { message: "No instances matched." } };
      }
    }
    if (collection === "instances" && first) {
      if (method === "GET" && !action) {
        const status = engine.getStatus(first, {
          showHistory: request.query.get("showHistory") === "true",
          showInput: request.query.get("showInput") !== "false",
        });
        if (!status) return { status: 404, body: { message: `No instance with ID '${first}' found.` } };
        const running = ["Pending", "Running", "ContinuedAsNew", "Suspended"].includes(status.runtimeStatus);
        return { status: running ? 202 : 200, body: status, headers: running ? { location: payloadFor(first).statusQueryGetUri } : undefined };
      }
      if (method === "DELETE" && !action) {
        return engine.purge(first) ? { status: 200, body: { instancesDeleted: 1 } } : { status: 404, body: { message: `No instance with ID '${first}' found.` } };
      }
      if (method === "POST") {
        const reason = request.query.get("reason") ?? "";
        switch (action) {
          case "raiseEvent":
            if (!extra) return { status: 400, body: { message: "An event name is required." } };
            engine.raiseEvent(first, extra, request.body.length ? JSON.parse(request.body) : undefined);
            return { status: 202 };
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
    if (error instanceof InstanceAlreadyExistsError) return { status: 409, body: { message: error.message } };
    if (error instanceof FunctionNotFoundError) return { status: 400, body: { message: error.message } };
    if (error instanceof SyntaxError) return { status: 400, body: { message: "The request body is not valid JSON." } };
    throw error;
  }
}

function instanceQuery(query: URLSearchParams): InstanceQuery {
  const statuses = query.get("runtimeStatus");
  const from = query.get("createdTimeFrom");
  const to = query.get("createdTimeTo");
  return {
    runtimeStatus: statuses ? (statuses.split(",").filter(Boolean) as RuntimeStatus[]) : undefined,
    createdTimeFrom: from ? new Date(from) : undefined,
    createdTimeTo: to ? new Date(to) : undefined,
    instanceIdPrefix: query.get("instanceIdPrefix") ?? undefined,
  };
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
