import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { handleManagement, ManagementResponse } from "./managementApi";
import { DurableEngine } from "./engine";
import { RegisteredFunction } from "./functionsCore";
import { fromRpcTypedData, RpcHttpData, RpcTypedData, triggerOf } from "./invoker";
import { HostKeys, basicPassword, presentedKey, RequiredLevel, satisfies } from "./hostAuth";
import { dotSegments, hostProblem, internalError, methodNotAllowed, notFound, tooLarge, unauthorized } from "./hostProblem";
import { rawPath } from "./rawPath";
import { compileRoute, CompiledRoute } from "./routes";

/** Largest request body the devhost accepts; the Azure host's own limit is 100 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The function key (authLevel "function"), the master key (everywhere) and the durabletask_extension system key. */
export type HttpHostKeys = HostKeys;

export interface HttpHostDependencies {
  engine: DurableEngine;
  functions: Map<string, RegisteredFunction>;
  keys: HttpHostKeys;
  routePrefix: string;
  managementPayload(origin: string, instanceId: string): Record<string, string>;
  invokeHttp(fn: RegisteredFunction, request: RpcHttpData, origin: string): Promise<unknown>;
  invokeNonHttp(fn: RegisteredFunction, input: unknown): Promise<void>;
  onError(message: string): void;
}

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: string[];
  authLevel: string;
}

/**
 * The Functions host's HTTP surface on loopback: `/{routePrefix}/<route>` for HTTP triggers,
 * `/runtime/webhooks/durabletask/*` (public, key-protected) and `/durabletask/*` (the
 * extension's local RPC endpoint used by DurableClient), plus `POST /admin/functions/{name}`.
 */
export class HttpHost {
  readonly #deps: HttpHostDependencies;
  readonly #routes: HttpRoute[];
  #server?: Server;

  constructor(deps: HttpHostDependencies) {
    this.#deps = deps;
    this.#routes = [...deps.functions.values()]
      .filter((fn) => triggerOf(fn).type.toLowerCase() === "httptrigger")
      .map((fn) => {
        const binding = triggerOf(fn).binding;
        return {
          fn,
          route: compileRoute((binding.route as string | undefined) ?? fn.metadata.name),
          methods: ((binding.methods as string[] | undefined) ?? ["GET", "POST"]).map((m) => m.toUpperCase()),
          authLevel: ((binding.authLevel as string | undefined) ?? "anonymous").toLowerCase(),
        };
      });
  }

  /** Routes in the order the host prints them at startup. */
  describeRoutes(): { name: string; methods: string[]; route: string; authLevel: string }[] {
    return this.#routes.map((r) => ({ name: r.fn.metadata.name, methods: r.methods, route: `${this.#deps.routePrefix}/${r.route.template}`, authLevel: r.authLevel }));
  }

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#deps.onError(`devhost HTTP error on ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) send(res, internalError());
        else res.end();
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
    const url = new URL(req.url ?? "/", origin);
    // Route on the path as sent, never on the URL parser's normalized one (see rawPath.ts).
    const { path, hasDotSegments } = rawPath(req.url);
    const body = await readBody(req);
    if (body === undefined) return send(res, tooLarge(MAX_BODY_BYTES));
    if (hasDotSegments) return send(res, dotSegments());

    const managementPrefix = ["/runtime/webhooks/durabletask/", "/durabletask/"].find((p) => path.startsWith(p));
    if (managementPrefix) {
      // Both doors to the durable management API need the durabletask_extension system key (or
      // the master key), as the public webhook does in Azure; the RPC door also takes it as the
      // Basic password carried in rpcBaseUrl (see hostAuth.ts).
      const keys = managementPrefix === "/durabletask/" ? [presentedKey(req.headers, url.searchParams), basicPassword(req.headers)] : [presentedKey(req.headers, url.searchParams)];
      if (!this.#authorized("system", keys)) return send(res, unauthorized("system"));
      const response = handleManagement(
        this.#deps.engine,
        { method: req.method ?? "GET", path: path.slice(managementPrefix.length), query: url.searchParams, headers: req.headers, body: body.toString("utf8") },
        (id) => this.#deps.managementPayload(origin, id),
      );
      return send(res, response);
    }

    const adminMatch = /^\/admin\/functions\/([^/]+)$/.exec(path);
    if (adminMatch && req.method === "POST") {
      if (!this.#authorized("admin", [presentedKey(req.headers, url.searchParams)])) return send(res, unauthorized("admin"));
      const fn = this.#deps.functions.get(decodeURIComponent(adminMatch[1]));
      if (!fn) return send(res, notFound(path));
      let parsed: { input?: unknown } = {};
      try {
        if (body.length) parsed = JSON.parse(body.toString("utf8")) as { input?: unknown };
      } catch {
        return send(res, hostProblem(400, "Body is not valid JSON", 'The admin API takes {"input": <JSON>} or no body. Fix: send valid JSON.'));
      }
      await this.#deps.invokeNonHttp(fn, parsed.input);
      return send(res, { status: 202 });
    }

    const prefix = `/${this.#deps.routePrefix}`;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return send(res, notFound(path));
    const routePath = path.slice(prefix.length);
    const method = (req.method ?? "GET").toUpperCase();
    // The first route (registration order) whose template matches the path and whose methods take
    // the method; a path that some route matches under other methods only is a 405 naming them.
    let hit: { r: HttpRoute; params: Record<string, string> } | undefined;
    let allowed: Set<string> | undefined;
    for (const r of this.#routes) {
      const params = r.route.match(routePath);
      if (!params) continue;
      if (r.methods.includes(method)) {
        hit = { r, params };
        break;
      }
      allowed ??= new Set();
      for (const m of r.methods) allowed.add(m);
    }
    if (!hit) return send(res, allowed ? methodNotAllowed(method, [...allowed]) : notFound(path));
    if (!this.#authorized(hit.r.authLevel as RequiredLevel, [presentedKey(req.headers, url.searchParams)])) return send(res, unauthorized(hit.r.authLevel));

    const rpcRequest: RpcHttpData = {
      method,
      url: url.href,
      headers: flattenHeaders(req.headers),
      query: Object.fromEntries(url.searchParams.entries()),
      params: hit.params,
      body: body.length ? { bytes: body } : undefined,
    };
    const rpcResponse = await this.#deps.invokeHttp(hit.r.fn, rpcRequest, origin);
    writeRpcHttpResponse(res, rpcResponse);
  }

  #authorized(level: RequiredLevel, presented: (string | undefined)[]): boolean {
    return satisfies(this.#deps.keys, level, presented);
  }
}

const EMPTY = Buffer.alloc(0);

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  // No Content-Length and no Transfer-Encoding: the request has no body (RFC 9112 §6.3), so there
  // is nothing to wait for; Node discards the (empty) stream when the response ends.
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Writes the worker's RPC HTTP output ({ http: { statusCode, headers, body } }) to the socket. */
function writeRpcHttpResponse(res: ServerResponse, rpc: unknown): void {
  const http = (rpc as RpcTypedData | undefined)?.http;
  if (!http) {
    res.statusCode = 204;
    res.end();
    return;
  }
  res.statusCode = Number(http.statusCode ?? 200);
  for (const [name, value] of Object.entries(http.headers ?? {})) res.setHeader(name, value);
  const body = fromRpcTypedData(http.body);
  if (body === undefined) res.end();
  else res.end(Buffer.isBuffer(body) ? body : typeof body === "string" ? body : JSON.stringify(body));
}


function send(res: ServerResponse, response: ManagementResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body === undefined) {
    res.end();
    return;
  }
  if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(response.body));
}
