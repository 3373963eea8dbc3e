/** A TelemetrySink that keeps what it is given, for asserting on what the logger emits. */
import type { TelemetryItem, TelemetrySink } from "../../lib/telemetry";

export interface RecordingSink extends TelemetrySink {
  readonly items: TelemetryItem[];
  of<K extends TelemetryItem["kind"]>(kind: K): Array<Extract<TelemetryItem, { kind: K }>>;
  flushes: number;
}

export function recordingSink(): RecordingSink {
  const items: TelemetryItem[] = [];
  const sink: RecordingSink = {
    name: "recording",
    items,
    flushes: 0,
    of: <K extends TelemetryItem["kind"]>(kind: K) => items.filter((item): item is Extract<TelemetryItem, { kind: K }> => item.kind === kind),
    write: (item) => {
      items.push(item);
    },
    flush: async () => {
      sink.flushes += 1;
    },
  };
  return sink;
}
