/**
 * Azure Functions sink: writes through the invocation's context so lines land in the function's
 * log stream, tagged with its invocation id. The host itself forwards these to Application Insights
 * as traces (without our custom properties as dimensions: they are in the text).
 */
import type { LogLevel, TelemetryItem, TelemetrySink } from "../types";
import { isAtLeast, toLogLine } from "./lineFormat";

/**
 * The logging half of @azure/functions' InvocationContext. Structural, so lib/telemetry does not
 * need @azure/functions and tests can pass a real InvocationContext or a recorder.
 */
export interface InvocationLogTarget {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface InvocationContextSinkOptions {
  /** Items below this level are not written. Default "info". */
  level?: LogLevel;
}

/** Writes `(text)` or `(text, properties)`: the worker formats arguments like console does. */
export function createInvocationContextSink(context: InvocationLogTarget, options: InvocationContextSinkOptions = {}): TelemetrySink {
  const minimum = options.level ?? "info";
  return {
    name: "invocationContext",
    write(item: TelemetryItem): void {
      const line = toLogLine(item);
      if (!isAtLeast(line.level, minimum)) return;
      if (line.properties) context[line.level](line.text, line.properties);
      else context[line.level](line.text);
    },
    flush: async () => undefined,
  };
}
