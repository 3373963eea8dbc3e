/** The signal catalogue is complete and the README's alert section names every signal it documents. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TELEMETRY_SIGNALS, TelemetryEvents, TelemetryMetrics } from "../../lib/telemetry";

const readme = readFileSync(join(__dirname, "..", "..", "lib", "telemetry", "README.md"), "utf8");

describe("telemetry signals", () => {
  it("are the agreed names, each constant equal to its key", () => {
    expect(Object.keys(TelemetryEvents).sort()).toEqual(["HealthUnhealthy", "SyncCompleted", "SyncFailed", "SyncHeld", "SyncStarted", "TokenRefreshFailed", "TokenRefreshed"]);
    expect(Object.keys(TelemetryMetrics).sort()).toEqual(["CleverPageLatencyMs", "CleverRateLimited", "CleverRetries", "RecordsSynced", "SyncDurationMs"]);
    for (const [key, value] of Object.entries({ ...TelemetryEvents, ...TelemetryMetrics })) expect(value).toBe(key);
  });

  it("all have a catalogue entry of the right kind with a description", () => {
    expect(Object.keys(TELEMETRY_SIGNALS).sort()).toEqual([...Object.values(TelemetryEvents), ...Object.values(TelemetryMetrics)].sort());
    for (const name of Object.values(TelemetryEvents)) expect(TELEMETRY_SIGNALS[name]).toMatchObject({ kind: "event", table: "customEvents" });
    for (const name of Object.values(TelemetryMetrics)) expect(TELEMETRY_SIGNALS[name]).toMatchObject({ kind: "metric", table: "customMetrics" });
    for (const signal of Object.values(TELEMETRY_SIGNALS)) expect(signal.description.length).toBeGreaterThan(20);
  });

  it("each appears in README.md's signal table and in at least one alert row", () => {
    const section = readme.slice(readme.indexOf("## Signals and the alerts that use them"));
    const alertRows = section.split("\n").filter((line) => /^\| [A-Z][a-z]/.test(line) && !line.startsWith("| alert") && !line.startsWith("| signal"));
    for (const name of Object.keys(TELEMETRY_SIGNALS)) {
      expect(section).toContain(`| \`${name}\` |`);
      expect(alertRows.some((row) => row.includes(`\`${name}\``))).toBe(true);
    }
  });
});
