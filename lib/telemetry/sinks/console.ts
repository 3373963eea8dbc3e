/** Local sink: one line per item on the console (stderr for warnings and errors, as console does). */
import type { LogLevel, TelemetryItem, TelemetrySink } from "../types";
import { isAtLeast, renderLine, toLogLine } from "./lineFormat";

/** The part of `console` the sink uses; tests pass a recorder. */
export type ConsoleTarget = Pick<Console, "debug" | "info" | "warn" | "error">;

export interface ConsoleSinkOptions {
  /** Items below this level are not printed. Default "info". */
  level?: LogLevel;
  target?: ConsoleTarget;
  /** Prefix each line with an ISO timestamp. Default true. */
  timestamps?: boolean;
}

export function createConsoleSink(options: ConsoleSinkOptions = {}): TelemetrySink {
  const minimum = options.level ?? "info";
  const target = options.target ?? console;
  const timestamps = options.timestamps ?? true;
  return {
    name: "console",
    write(item: TelemetryItem): void {
      const line = toLogLine(item);
      if (!isAtLeast(line.level, minimum)) return;
      const prefix = `${timestamps ? `${new Date().toISOString()} ` : ""}${line.level.toUpperCase().padEnd(5)} `;
      target[line.level](prefix + renderLine(line));
    },
    flush: async () => undefined,
  };
}
