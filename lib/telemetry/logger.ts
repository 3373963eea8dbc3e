/**
 * The one logger: structured traces, named events, metrics and exceptions, redacted once and then
 * fanned out to sinks (Functions invocation context, console, Application Insights).
 *
 * Build one root logger per process (it owns the Application Insights client, whose start-up
 * costs about a second), then derive: `child({tenantId, runId})` adds context,
 * `forInvocation(context)` writes to a Functions invocation instead of the console while sharing
 * the Application Insights client. No module-level state: everything hangs off the root.
 */
import { createRedactor, type Redactor } from "./redactor";
import { createAppInsightsSink, type AppInsightsSinkOptions } from "./sinks/appInsights";
import { createConsoleSink, type ConsoleSinkOptions } from "./sinks/console";
import { createInvocationContextSink, type InvocationLogTarget } from "./sinks/invocationContext";
import { LOG_LEVEL_ORDER, type LogLevel, type TelemetryItem, type TelemetryMeasurements, type TelemetryProperties, type TelemetrySink } from "./types";

export interface Logger {
  debug(message: string, properties?: TelemetryProperties): void;
  info(message: string, properties?: TelemetryProperties): void;
  warn(message: string, properties?: TelemetryProperties): void;
  error(message: string, properties?: TelemetryProperties): void;
  /** A logger whose items all carry these properties too (tenantId, instanceId, resource, runId…). */
  child(properties: TelemetryProperties): Logger;
  /** Same context and shared sinks, but local lines go to this Functions invocation instead of the console. */
  forInvocation(context: InvocationLogTarget): Logger;
  /** A named occurrence (customEvents); use the names in signals.ts. */
  event(name: string, properties?: TelemetryProperties, measurements?: TelemetryMeasurements): void;
  /** A measurement (customMetrics); keep properties low-cardinality, they become metric dimensions. */
  metric(name: string, value: number, properties?: TelemetryProperties): void;
  /** Anything thrown, sent as an exception with a redacted message and stack. */
  exception(error: unknown, properties?: TelemetryProperties): void;
  /** Sends everything buffered. Never rejects. Call before a short-lived process exits. */
  flush(): Promise<void>;
  /** Flushes and closes the sinks this logger's root created. Call once, at process end. */
  shutdown(): Promise<void>;
  /** Register secrets here (`logger.redactor.addSecret(value)`); shared by the whole logger tree. */
  readonly redactor: Redactor;
  /** The context properties every item carries (unredacted, as given). */
  readonly properties: TelemetryProperties;
}

export interface LoggerOptions {
  /** Context carried by every item, e.g. `{ app: "cleversync" }`. */
  properties?: TelemetryProperties;
  /** Traces below this level are dropped everywhere. Default "info". */
  level?: LogLevel;
  /** Share one redactor across loggers so a secret registered once is scrubbed everywhere. */
  redactor?: Redactor;
  /** Functions invocation: when given, lines go to it (and not to the console unless `console` says so). */
  invocationContext?: InvocationLogTarget;
  /** Console output; default on when there is no invocation context. */
  console?: boolean | ConsoleSinkOptions;
  /** The APPLICATIONINSIGHTS_CONNECTION_STRING setting; when set, telemetry also goes to Application Insights. */
  applicationInsightsConnectionString?: string;
  /** Transport options for the Application Insights client. */
  applicationInsights?: Omit<AppInsightsSinkOptions, "connectionString">;
  /** Extra sinks (shared with children, not shut down by this logger), e.g. a recorder in tests. */
  sinks?: readonly TelemetrySink[];
}

/** What a logger tree shares. `local` is replaced by forInvocation; `shared` is not. */
interface SinkSet {
  readonly local: readonly TelemetrySink[];
  readonly shared: readonly TelemetrySink[];
}

interface Root {
  readonly redactor: Redactor;
  readonly level: LogLevel;
  /** Sinks created by createLogger, closed by shutdown(). */
  readonly owned: readonly TelemetrySink[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const local: TelemetrySink[] = [];
  const shared: TelemetrySink[] = [...(options.sinks ?? [])];
  const owned: TelemetrySink[] = [];
  if (options.invocationContext) local.push(createInvocationContextSink(options.invocationContext, { level }));
  const wantConsole = options.console ?? options.invocationContext === undefined;
  if (wantConsole) local.push(createConsoleSink({ level, ...(typeof wantConsole === "object" ? wantConsole : {}) }));
  const connectionString = options.applicationInsightsConnectionString?.trim();
  let appInsightsFailure: unknown;
  if (connectionString) {
    try {
      const appInsights = createAppInsightsSink({ ...options.applicationInsights, connectionString });
      shared.push(appInsights);
      owned.push(appInsights);
    } catch (error) {
      // Losing remote telemetry must not stop the app; say so on the local sinks instead.
      appInsightsFailure = error;
    }
  }
  const root: Root = { redactor: options.redactor ?? createRedactor(), level, owned };
  const logger = new SinkLogger(root, { local, shared }, { ...options.properties });
  if (appInsightsFailure !== undefined) logger.exception(appInsightsFailure, { stage: "Application Insights start-up" });
  return logger;
}

class SinkLogger implements Logger {
  readonly #root: Root;
  readonly #sinks: SinkSet;
  readonly properties: TelemetryProperties;

  constructor(root: Root, sinks: SinkSet, properties: TelemetryProperties) {
    this.#root = root;
    this.#sinks = sinks;
    this.properties = properties;
  }

  get redactor(): Redactor {
    return this.#root.redactor;
  }

  debug(message: string, properties?: TelemetryProperties): void {
    this.#trace("debug", message, properties);
  }
  info(message: string, properties?: TelemetryProperties): void {
    this.#trace("info", message, properties);
  }
  warn(message: string, properties?: TelemetryProperties): void {
    this.#trace("warn", message, properties);
  }
  error(message: string, properties?: TelemetryProperties): void {
    this.#trace("error", message, properties);
  }

  child(properties: TelemetryProperties): Logger {
    return new SinkLogger(this.#root, this.#sinks, { ...this.properties, ...properties });
  }

  forInvocation(context: InvocationLogTarget): Logger {
    const local = [createInvocationContextSink(context, { level: this.#root.level })];
    return new SinkLogger(this.#root, { local, shared: this.#sinks.shared }, this.properties);
  }

  event(name: string, properties?: TelemetryProperties, measurements?: TelemetryMeasurements): void {
    const finite: Record<string, number> = {};
    for (const [key, value] of Object.entries(measurements ?? {})) if (Number.isFinite(value)) finite[key] = value;
    this.#emit({ kind: "event", name, properties: this.#properties(properties), measurements: finite });
  }

  metric(name: string, value: number, properties?: TelemetryProperties): void {
    // NaN/Infinity would poison an aggregate (and the ingestion endpoint rejects them).
    if (!Number.isFinite(value)) return;
    this.#emit({ kind: "metric", name, value, properties: this.#properties(properties) });
  }

  exception(error: unknown, properties?: TelemetryProperties): void {
    const redactor = this.#root.redactor;
    const cause = error instanceof Error && error.cause !== undefined ? { cause: summarize(redactor.redactError(error.cause)) } : {};
    this.#emit({ kind: "exception", error: redactor.redactError(error), properties: { ...this.#properties(properties), ...cause } });
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#sinks.local, ...this.#sinks.shared].map((sink) => settle(() => sink.flush())));
  }

  async shutdown(): Promise<void> {
    await this.flush();
    await Promise.all(this.#root.owned.map((sink) => settle(() => sink.shutdown?.())));
  }

  #trace(level: LogLevel, message: string, properties?: TelemetryProperties): void {
    if (LOG_LEVEL_ORDER[level] < LOG_LEVEL_ORDER[this.#root.level]) return;
    const text = typeof message === "string" ? message : String(message);
    this.#emit({ kind: "trace", level, message: this.#root.redactor.redact(text), properties: this.#properties(properties) });
  }

  /** Context then item properties (item wins), redacted at emit time so later-registered secrets apply. */
  #properties(properties: TelemetryProperties | undefined): Record<string, unknown> {
    return this.#root.redactor.redactProperties(properties ? { ...this.properties, ...properties } : this.properties);
  }

  #emit(item: TelemetryItem): void {
    for (const sink of this.#sinks.local) write(sink, item);
    for (const sink of this.#sinks.shared) write(sink, item);
  }
}

/** A failing sink must never break the code that logs. */
function write(sink: TelemetrySink, item: TelemetryItem): void {
  try {
    sink.write(item);
  } catch {
    // Nothing sensible to do: reporting it would go through the same sinks.
  }
}

/** Runs a sink's async operation, swallowing sync throws and rejections alike. */
async function settle(operation: () => Promise<void> | undefined): Promise<void> {
  try {
    await operation();
  } catch {
    // Telemetry delivery failures are the SDK's to retry; callers must not see them.
  }
}

function summarize(error: { name: string; message: string }): string {
  return `${error.name}: ${error.message}`;
}
