/**
 * One way to turn a telemetry item into a log line, shared by the console and Functions sinks so
 * local output and the Functions log stream read the same.
 */
import { safeJson } from "../redactor";
import { LOG_LEVEL_ORDER, type LogLevel, type TelemetryItem } from "../types";

export interface LogLine {
  level: LogLevel;
  /** The human part: message, `event SyncStarted`, `metric RecordsSynced=50`, `Error: boom`. */
  text: string;
  /** Structured context; absent when empty. */
  properties?: Record<string, unknown>;
}

/** Metrics are high-volume, so they only show at debug; events at info; exceptions at error. */
export function toLogLine(item: TelemetryItem): LogLine {
  switch (item.kind) {
    case "trace":
      return withProperties(item.level, item.message, item.properties);
    case "event": {
      const measurements = Object.keys(item.measurements).length > 0 ? { measurements: item.measurements } : {};
      return withProperties("info", `event ${item.name}`, { ...item.properties, ...measurements });
    }
    case "metric":
      return withProperties("debug", `metric ${item.name}=${item.value}`, item.properties);
    case "exception": {
      const stack = item.error.stack ?? `${item.error.name}: ${item.error.message}`;
      return withProperties("error", stack, item.properties);
    }
  }
}

export function isAtLeast(level: LogLevel, minimum: LogLevel): boolean {
  return LOG_LEVEL_ORDER[level] >= LOG_LEVEL_ORDER[minimum];
}

/** `text {"tenantId":"demo"}`: one line for consoles and log streams that store plain text. */
export function renderLine(line: LogLine): string {
  return line.properties ? `${line.text} ${safeJson(line.properties)}` : line.text;
}

function withProperties(level: LogLevel, text: string, properties: Readonly<Record<string, unknown>>): LogLine {
  return Object.keys(properties).length > 0 ? { level, text, properties: { ...properties } } : { level, text };
}
