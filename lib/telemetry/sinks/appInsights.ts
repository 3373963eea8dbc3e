/**
 * Application Insights sink over the `applicationinsights` v3 TelemetryClient (an OpenTelemetry
 * pipeline underneath): traces → MessageData, events → EventData, metrics → MetricData (the SDK
 * aggregates each name+dimensions set in memory and exports once per interval or on flush),
 * exceptions → ExceptionData.
 *
 * The client uses isolated providers (`useGlobalProviders: false`): no global OpenTelemetry
 * registration, no patching of http/undici, no auto-collected requests, dependencies or
 * performance counters. The Functions host already reports requests; we send what we name.
 *
 * State the SDK keeps at module level whatever we do (documented in ../README.md): a static
 * TelemetryClient instance counter, the statsbeat singletons, the applicationinsights.json
 * config singleton and OpenTelemetry's `diag` logger.
 */
import { rootCertificates } from "node:tls";
import type { TelemetryClient } from "applicationinsights";
import type { TelemetryItem, TelemetrySink } from "../types";
import { safeJson } from "../redactor";

export interface AppInsightsSinkOptions {
  /** The resource's connection string (`InstrumentationKey=…;IngestionEndpoint=https://…`). */
  connectionString: string;
  /**
   * Extra PEM certificates to trust for the ingestion endpoint, on top of the public roots: a
   * TLS-inspecting proxy, or a local test sink. NODE_EXTRA_CA_CERTS does the same but only when
   * set before the process starts.
   */
  extraCaCertificates?: string | readonly string[];
  /** Keep telemetry that could not be sent on disk and retry later (the SDK's default). Default true. */
  offlineStorage?: boolean;
}

/** Application Insights limits (characters); longer values are cut rather than rejected. */
const MAX_PROPERTY_LENGTH = 8_192;
const MAX_MESSAGE_LENGTH = 32_768;

const SEVERITY = { debug: "Verbose", info: "Information", warn: "Warning", error: "Error" } as const;

/** Creates a TelemetryClient bound to one connection string. The SDK is loaded only here (~1 s). */
export function createAppInsightsSink(options: AppInsightsSinkOptions): TelemetrySink {
  const { TelemetryClient: Client } = require("applicationinsights") as typeof import("applicationinsights");
  const client: TelemetryClient = new Client(options.connectionString, { useGlobalProviders: false });
  const extraCa = options.extraCaCertificates === undefined ? [] : ([] as string[]).concat(options.extraCaCertificates);
  // Replaces the exporter options the shim derives from the connection string, hence connectionString again.
  client.config.azureMonitorOpenTelemetryOptions = {
    azureMonitorExporterOptions: {
      connectionString: options.connectionString,
      disableOfflineStorage: options.offlineStorage === false,
      // A custom `ca` replaces Node's default roots, so keep those alongside the extras.
      ...(extraCa.length > 0 ? { tlsOptions: { ca: [...rootCertificates, ...extraCa] } } : {}),
    },
  };
  return fromTelemetryClient(client);
}

/** The sink over an existing client (the caller owns its configuration). */
export function fromTelemetryClient(client: TelemetryClient): TelemetrySink {
  let closed = false;
  return {
    name: "applicationInsights",
    write(item: TelemetryItem): void {
      if (closed) return;
      switch (item.kind) {
        case "trace":
          client.trackTrace({ message: truncate(item.message, MAX_MESSAGE_LENGTH), severity: SEVERITY[item.level], properties: toDimensions(item.properties) });
          return;
        case "event":
          client.trackEvent({ name: item.name, properties: toDimensions(item.properties), measurements: { ...item.measurements } });
          return;
        case "metric":
          client.trackMetric({ name: item.name, value: item.value, properties: toDimensions(item.properties) });
          return;
        case "exception":
          client.trackException({ exception: toErrorObject(item.error), severity: "Error", properties: toDimensions(item.properties) });
          return;
      }
    },
    async flush(): Promise<void> {
      if (closed) return;
      await client.flush();
    },
    async shutdown(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.flush();
      await client.shutdown();
    },
  };
}

/** Application Insights dimensions are strings: nested values become JSON. */
export function toDimensions(properties: Readonly<Record<string, unknown>>): Record<string, string> {
  const dimensions: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    const text = typeof value === "string" ? value : typeof value === "object" && value !== null ? safeJson(value) : String(value);
    dimensions[key] = truncate(text, MAX_PROPERTY_LENGTH);
  }
  return dimensions;
}

/**
 * The SDK reads `name`, `message` and `stack` (parsed into frames) from an Error, so it gets a
 * fresh Error carrying only redacted text, never the original object.
 */
function toErrorObject(error: { name: string; message: string; stack?: string }): Error {
  const result = new Error(truncate(error.message, MAX_MESSAGE_LENGTH));
  result.name = error.name;
  result.stack = error.stack ?? `${error.name}: ${error.message}`;
  return result;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 12)}…[truncated]`;
}
