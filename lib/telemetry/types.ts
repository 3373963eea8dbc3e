/**
 * The shapes shared by the logger and its sinks. A sink only ever sees items the logger has
 * already redacted, so no sink needs to know about secrets.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Ordered so a minimum level is a simple comparison. */
export const LOG_LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured context and per-item properties. Values may be nested objects; the Application
 * Insights sink turns non-string values into JSON, the console and Functions sinks print them.
 */
export type TelemetryProperties = Readonly<Record<string, unknown>>;

/** Numeric measurements attached to an event (customMeasurements in Application Insights). */
export type TelemetryMeasurements = Readonly<Record<string, number>>;

/** An error reduced to text, after redaction. */
export interface RedactedError {
  name: string;
  message: string;
  stack?: string;
}

export type TelemetryItem =
  | { kind: "trace"; level: LogLevel; message: string; properties: TelemetryProperties }
  | { kind: "event"; name: string; properties: TelemetryProperties; measurements: TelemetryMeasurements }
  | { kind: "metric"; name: string; value: number; properties: TelemetryProperties }
  | { kind: "exception"; error: RedactedError; properties: TelemetryProperties };

/** A destination for telemetry. `write` must not throw; the logger guards it anyway. */
export interface TelemetrySink {
  /** Short name for diagnostics, e.g. "console". */
  readonly name: string;
  write(item: TelemetryItem): void;
  /** Sends anything buffered; resolves when done (or when sending failed: telemetry never fails the app). */
  flush(): Promise<void>;
  /** Flushes and releases timers/connections. Only the sink's owner calls it. */
  shutdown?(): Promise<void>;
}
