/**
 * A local Application Insights ingestion endpoint for tests that drive the real
 * `applicationinsights` SDK (see docs/local-stack.md §3).
 *
 * HTTPS only, because the SDK rewrites an `http://` IngestionEndpoint to `https://`. Accepts
 * POST /v2.1/track (and /v2/track): a JSON array of envelopes, gzip tolerated; answers 200 with
 * the Breeze response. Every envelope and every raw body is kept, so a test can both query
 * telemetry by kind and scan everything received for secrets.
 *
 * Trusting the self-signed certificate: in-process, give the SDK the CA (`ca`, e.g. the telemetry
 * sink's `extraCaCertificates`); in a child process, set NODE_EXTRA_CA_CERTS=`certPath` at spawn
 * (Node reads it only at start-up).
 */
import type https from "node:https";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, inflateSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listenHttpsOnLoopback } from "./tlsCert";

/** One telemetry item as the SDK sends it. */
export interface Envelope {
  name: string;
  iKey?: string;
  time?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface ReceivedTrace {
  message: string;
  severityLevel?: string;
  properties: Record<string, string>;
}

export interface ReceivedEvent {
  name: string;
  properties: Record<string, string>;
  measurements: Record<string, number>;
}

/** One metric data point; `value` is the sum of what was tracked since the last export. */
export interface ReceivedMetric {
  name: string;
  value: number;
  count?: number;
  min?: number;
  max?: number;
  properties: Record<string, string>;
}

export interface ReceivedException {
  typeName: string;
  message: string;
  /** Stack frames as sent (`assembly` is the frame's text). */
  parsedStack: Array<{ assembly?: string; method?: string; fileName?: string; line?: number }>;
  severityLevel?: string;
  properties: Record<string, string>;
}

const INSTRUMENTATION_KEY = "00000000-0000-0000-0000-000000000000";
const TRACK_PATHS = new Set(["/v2.1/track", "/v2/track"]);

export class AppInsightsSink {
  /** Connection string pointing the SDK at this sink. */
  readonly connectionString: string;
  /** PEM of the self-signed certificate, to trust as a CA. */
  readonly ca: string;
  /** The certificate as a file, for NODE_EXTRA_CA_CERTS in a child process. */
  readonly certPath: string;
  readonly envelopes: Envelope[] = [];
  /** Raw request bodies (decompressed), in arrival order. */
  readonly bodies: string[] = [];
  /** Requests that were not a valid track call (wrong path/method, bad JSON). */
  readonly rejected: Array<{ method: string; path: string; status: number }> = [];

  readonly #server: https.Server;
  readonly #directory: string;

  private constructor(server: https.Server, port: number, ca: string, directory: string) {
    this.#server = server;
    this.#directory = directory;
    this.ca = ca;
    this.certPath = join(directory, "sink-ca.pem");
    writeFileSync(this.certPath, ca);
    this.connectionString = `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:${port}/`;
  }

  static async start(): Promise<AppInsightsSink> {
    const { server, port, cert } = await listenHttpsOnLoopback();
    const sink = new AppInsightsSink(server, port, cert, mkdtempSync(join(tmpdir(), "ai-sink-")));
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      sink.#handle(req, res).catch(() => res.destroy());
    });
    return sink;
  }

  // ---- queries --------------------------------------------------------------------------------

  traces(): ReceivedTrace[] {
    return this.#baseData("MessageData").map((data) => ({
      message: String(data.message ?? ""),
      severityLevel: data.severityLevel as string | undefined,
      properties: (data.properties ?? {}) as Record<string, string>,
    }));
  }

  events(): ReceivedEvent[] {
    return this.#baseData("EventData").map((data) => ({
      name: String(data.name ?? ""),
      properties: (data.properties ?? {}) as Record<string, string>,
      measurements: (data.measurements ?? {}) as Record<string, number>,
    }));
  }

  /** One entry per data point (an envelope may carry several). */
  metrics(): ReceivedMetric[] {
    return this.#baseData("MetricData").flatMap((data) => {
      const properties = (data.properties ?? {}) as Record<string, string>;
      const points = (data.metrics ?? []) as Array<Omit<ReceivedMetric, "properties">>;
      return points.map((point) => ({ ...point, properties }));
    });
  }

  /** One entry per exception (an envelope may carry a chain). */
  exceptions(): ReceivedException[] {
    return this.#baseData("ExceptionData").flatMap((data) => {
      const properties = (data.properties ?? {}) as Record<string, string>;
      const details = (data.exceptions ?? []) as Array<Omit<ReceivedException, "properties" | "severityLevel">>;
      return details.map((detail) => ({
        typeName: detail.typeName,
        message: detail.message,
        parsedStack: detail.parsedStack ?? [],
        severityLevel: data.severityLevel as string | undefined,
        properties,
      }));
    });
  }

  /** Everything received, raw, for "no secret anywhere" assertions. */
  allText(): string {
    return this.bodies.join("\n");
  }

  /**
   * Polls until `predicate(this)` holds. Throws after `timeoutMs` with a summary of what did
   * arrive, so a failing test says what was missing.
   */
  async waitFor(predicate: (sink: AppInsightsSink) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (predicate(this)) return;
      if (Date.now() >= deadline) {
        const received = this.envelopes.map((envelope) => envelope.data?.baseType ?? envelope.name);
        throw new Error(`AppInsightsSink.waitFor timed out after ${timeoutMs} ms; received ${received.length} envelope(s): ${received.join(", ") || "none"}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  clear(): void {
    this.envelopes.length = 0;
    this.bodies.length = 0;
    this.rejected.length = 0;
  }

  async close(): Promise<void> {
    if (this.#server.listening) {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await closed;
    }
    rmSync(this.#directory, { recursive: true, force: true });
  }

  // ---- server side ----------------------------------------------------------------------------

  #baseData(baseType: string): Array<Record<string, unknown>> {
    return this.envelopes.filter((envelope) => envelope.data?.baseType === baseType).map((envelope) => envelope.data?.baseData ?? {});
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "https://127.0.0.1").pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, payload: unknown) => {
      if (status !== 200) this.rejected.push({ method: req.method ?? "", path, status });
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== "POST" || !TRACK_PATHS.has(path)) return reply(404, { error: `no route for ${req.method} ${path}` });

    let envelopes: Envelope[];
    try {
      const body = decode(Buffer.concat(chunks), req.headers["content-encoding"]);
      this.bodies.push(body);
      const parsed: unknown = JSON.parse(body);
      envelopes = (Array.isArray(parsed) ? parsed : [parsed]) as Envelope[];
    } catch (error) {
      return reply(400, { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: String(error) }] });
    }
    this.envelopes.push(...envelopes);
    reply(200, { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] });
  }
}

function decode(body: Buffer, encoding: string | string[] | undefined): string {
  const value = (Array.isArray(encoding) ? encoding[0] : encoding)?.toLowerCase().trim();
  if (value === "gzip") return gunzipSync(body).toString("utf8");
  if (value === "deflate") return inflateSync(body).toString("utf8");
  return body.toString("utf8");
}
