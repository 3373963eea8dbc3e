/** lib/telemetry: one logger with redaction, sinks (Functions, console, Application Insights) and named signals. */
export { createLogger, type Logger, type LoggerOptions } from "./logger";
export { Redactor, createRedactor, MIN_SECRET_LENGTH } from "./redactor";
export { REDACTED, isSecretKey } from "./secretPatterns";
export { TELEMETRY_SIGNALS, TelemetryEvents, TelemetryMetrics } from "./signals";
export type { TelemetryEventName, TelemetryMetricName, TelemetrySignal, TelemetrySignalName } from "./signals";
export { cleverMetricsToTelemetry, resourceOfPath } from "./cleverMetrics";
export { createAppInsightsSink, type AppInsightsSinkOptions } from "./sinks/appInsights";
export { createConsoleSink, type ConsoleSinkOptions, type ConsoleTarget } from "./sinks/console";
export { createInvocationContextSink, type InvocationLogTarget } from "./sinks/invocationContext";
export type { LogLevel, RedactedError, TelemetryItem, TelemetryMeasurements, TelemetryProperties, TelemetrySink } from "./types";
