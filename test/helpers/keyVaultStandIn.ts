/**
 * A local HTTPS stand-in for the Azure Key Vault secrets REST API, for tests of code that uses the
 * real SecretClient over real TLS.
 *
 * Implements what SecretClient exercises (see docs/local-stack.md §2): the bearer challenge (401 +
 * WWW-Authenticate when no/unknown bearer token), GET /secrets/{name}[/{version}] (the SDK sends a
 * trailing slash and a percent-encoded `api%2Dversion`), PUT /secrets/{name}, 404 SecretNotFound,
 * and faults: down (503, connection reset, or refused), throttling (429 + Retry-After), latency.
 * Secret names are case-insensitive, as in Key Vault. Every request is recorded.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type { SecretClientOptions } from "@azure/keyvault-secrets";
import { listenHttpsOnLoopback } from "./tlsCert";

export interface RecordedRequest {
  method: string;
  /** Raw path as sent, e.g. `/secrets/clever-demo-client-id/`. */
  path: string;
  /** Decoded query, e.g. { "api-version": "2025-07-01" }. */
  query: Record<string, string>;
  /** Secret name from the path (lower-cased), when the path is a secret path. */
  secretName?: string;
  /** Whether a valid bearer token was sent. */
  authorized: boolean;
  /** Status answered; undefined when the connection was reset. */
  status?: number;
}

/** unavailable: 503 ServiceUnavailable · reset: socket destroyed mid-request · refuse: port closed. */
export type DownMode = "unavailable" | "reset" | "refuse";

export interface ThrottleOptions {
  /** How many requests get 429 before normal service resumes; default: until resetFaults(). */
  times?: number;
  /** Retry-After in seconds (Key Vault sends seconds). Default 0 so tests stay fast. */
  retryAfterSeconds?: number;
}

export interface KeyVaultStandInOptions {
  secrets?: Record<string, string>;
  /** The bearer token the stand-in accepts (and its credential() returns). */
  token?: string;
}

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  exp?: number;
  created: number;
}

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const API_VERSION = "api-version";

export class KeyVaultStandIn {
  readonly url: string;
  /** PEM of the self-signed certificate; trust it as the CA. */
  readonly ca: string;
  readonly requests: RecordedRequest[] = [];
  readonly token: string;

  readonly #server: https.Server;
  readonly #port: number;
  readonly #secrets = new Map<string, SecretVersion[]>();
  readonly #agents: https.Agent[] = [];
  #down: DownMode | undefined;
  #throttle: { remaining: number; retryAfterSeconds: number } | undefined;
  #latencyMs = 0;

  private constructor(server: https.Server, port: number, ca: string, token: string) {
    this.#server = server;
    this.#port = port;
    this.url = `https://127.0.0.1:${port}`;
    this.ca = ca;
    this.token = token;
  }

  static async start(options: KeyVaultStandInOptions = {}): Promise<KeyVaultStandIn> {
    const { server, port, cert } = await listenHttpsOnLoopback();
    const standIn = new KeyVaultStandIn(server, port, cert, options.token ?? "stand-in-token");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      standIn.#handle(req, res).catch(() => res.destroy());
    });
    for (const [name, value] of Object.entries(options.secrets ?? {})) standIn.setSecret(name, value);
    return standIn;
  }

  // ---- test control -------------------------------------------------------------------------

  setSecret(name: string, value: string): void {
    this.#put(name, { value });
  }

  deleteSecret(name: string): void {
    this.#secrets.delete(name.toLowerCase());
  }

  /** Latest value, or undefined. */
  secretValue(name: string): string | undefined {
    return this.#secrets.get(name.toLowerCase())?.at(-1)?.value;
  }

  /** Latest version's metadata (content type, tags, expiry) for assertions on writes. */
  secretProperties(name: string): Omit<SecretVersion, "value"> | undefined {
    const latest = this.#secrets.get(name.toLowerCase())?.at(-1);
    if (!latest) return undefined;
    const { value: _value, ...properties } = latest;
    return properties;
  }

  async down(mode: DownMode = "unavailable"): Promise<void> {
    this.#down = mode;
    if (mode === "refuse" && this.#server.listening) {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await closed;
    }
  }

  async up(): Promise<void> {
    if (this.#down === "refuse" && !this.#server.listening) {
      await new Promise<void>((resolve, reject) => {
        this.#server.once("error", reject);
        this.#server.listen(this.#port, "127.0.0.1", () => {
          this.#server.off("error", reject);
          resolve();
        });
      });
    }
    this.#down = undefined;
  }

  throttle(options: ThrottleOptions = {}): void {
    this.#throttle = { remaining: options.times ?? Number.POSITIVE_INFINITY, retryAfterSeconds: options.retryAfterSeconds ?? 0 };
  }

  latency(ms: number): void {
    this.#latencyMs = ms;
  }

  async resetFaults(): Promise<void> {
    await this.up();
    this.#throttle = undefined;
    this.#latencyMs = 0;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Authorized GETs of secrets, the number that matters for cache assertions. */
  secretReads(name?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "GET" && r.authorized && r.secretName !== undefined && (name === undefined || r.secretName === name.toLowerCase()));
  }

  // ---- client side --------------------------------------------------------------------------

  /** A TokenCredential that hands out the token this stand-in accepts. */
  credential(): TokenCredential {
    return { getToken: async () => ({ token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  }

  /**
   * An httpClient that trusts this stand-in's certificate. Setting NODE_EXTRA_CA_CERTS inside a
   * running process has no effect (Node reads it at start), hence an https.Agent carrying the CA.
   */
  httpClient(): HttpClient {
    const agent = new https.Agent({ ca: this.ca, keepAlive: true });
    this.#agents.push(agent);
    const inner = createDefaultHttpClient();
    return {
      sendRequest: (request) => {
        request.agent = agent;
        return inner.sendRequest(request);
      },
    };
  }

  /** SecretClient options for tests: trusted TLS, no resource-domain check, quick retries. */
  clientOptions(overrides: SecretClientOptions = {}): SecretClientOptions {
    return {
      httpClient: this.httpClient(),
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      ...overrides,
    };
  }

  async close(): Promise<void> {
    this.#down = undefined;
    this.#throttle = undefined;
    this.#latencyMs = 0;
    for (const agent of this.#agents) agent.destroy();
    if (this.#server.listening) {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await closed;
    }
  }

  // ---- server side --------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    // URLSearchParams decodes percent-encoded names, so `api%2Dversion` arrives as `api-version`.
    const query = Object.fromEntries(url.searchParams);
    // "/secrets/{name}/" (no version: the SDK leaves the segment empty) → ["secrets", name]
    const segments = url.pathname.split("/").slice(1);
    if (segments.length > 1 && segments.at(-1) === "") segments.pop();
    const isSecretPath = segments[0] === "secrets" && segments.length >= 2 && segments.length <= 3;
    const secretName = isSecretPath ? decodeURIComponent(segments[1]) : undefined;
    const authorized = req.headers.authorization === `Bearer ${this.token}`;
    const record: RecordedRequest = { method: req.method ?? "", path: url.pathname, query, authorized };
    if (secretName !== undefined) record.secretName = secretName.toLowerCase();
    this.requests.push(record);
    const body = await readBody(req);

    if (this.#latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#latencyMs));
    if (this.#down === "reset" || this.#down === "refuse") {
      req.socket.destroy();
      return;
    }
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string, headers?: Record<string, string>) => send(status, { error: { code, message } }, headers);

    if (this.#down === "unavailable") return error(503, "ServiceUnavailable", "The service is temporarily unavailable.");
    if (this.#throttle && this.#throttle.remaining > 0) {
      this.#throttle.remaining -= 1;
      return error(429, "Throttled", "Request was not processed because too many requests were received.", {
        "retry-after": String(this.#throttle.retryAfterSeconds),
      });
    }
    if (!authorized) {
      return error(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", {
        "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/common", resource="https://vault.azure.net"`,
      });
    }
    if (!query[API_VERSION]) return error(400, "BadParameter", "The 'api-version' query parameter is missing.");
    if (secretName === undefined) return error(404, "NotFound", `No route for ${req.method} ${url.pathname}.`);
    if (!SECRET_NAME.test(secretName)) return error(400, "BadParameter", "The request URI contains an invalid name.");

    if (req.method === "GET") {
      const versions = this.#secrets.get(secretName.toLowerCase());
      const wanted = segments[2] ? decodeURIComponent(segments[2]) : undefined;
      const found = wanted === undefined ? versions?.at(-1) : versions?.find((v) => v.version === wanted);
      if (!found) {
        return error(404, "SecretNotFound", `A secret with (name/id) ${secretName}${wanted ? `/${wanted}` : ""} was not found in this key vault.`);
      }
      return send(200, this.#bundle(secretName, found));
    }
    if (req.method === "PUT" && segments.length === 2) {
      let parsed: { value?: unknown; contentType?: string; tags?: Record<string, string>; attributes?: { exp?: number } };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return error(400, "BadParameter", "The request body is not valid JSON.");
      }
      if (typeof parsed.value !== "string") return error(400, "BadParameter", "Property 'value' is required.");
      const stored = this.#put(secretName, { value: parsed.value, contentType: parsed.contentType, tags: parsed.tags, exp: parsed.attributes?.exp });
      return send(200, this.#bundle(secretName, stored));
    }
    return error(405, "MethodNotAllowed", `${req.method} is not supported by the stand-in.`);
  }

  #put(name: string, fields: Omit<SecretVersion, "version" | "created">): SecretVersion {
    const version: SecretVersion = { ...fields, version: randomBytes(16).toString("hex"), created: Math.floor(Date.now() / 1000) };
    const key = name.toLowerCase();
    this.#secrets.set(key, [...(this.#secrets.get(key) ?? []), version]);
    return version;
  }

  #bundle(name: string, v: SecretVersion): Record<string, unknown> {
    const attributes: Record<string, unknown> = { enabled: true, created: v.created, updated: v.created, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 };
    if (v.exp !== undefined) attributes.exp = v.exp;
    const bundle: Record<string, unknown> = { value: v.value, id: `${this.url}/secrets/${name}/${v.version}`, attributes };
    if (v.contentType !== undefined) bundle.contentType = v.contentType;
    if (v.tags !== undefined) bundle.tags = v.tags;
    return bundle;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
