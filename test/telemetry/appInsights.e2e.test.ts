/**
 * End to end through the real `applicationinsights` SDK to a local HTTPS ingestion sink: what
 * arrives has the right names and properties, and no secret anywhere in what was sent.
 * In-process the sink's self-signed certificate is trusted through the exporter's TLS options
 * (extraCaCertificates), since NODE_EXTRA_CA_CERTS only works when set before Node starts; a child
 * process checks the default configuration with NODE_EXTRA_CA_CERTS, as a deployed app would run.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REDACTED, TelemetryEvents, TelemetryMetrics, createLogger, type Logger } from "../../lib/telemetry";
import { AppInsightsSink } from "../helpers/appInsightsSink";

// Statsbeat (the SDK reporting its own health to Microsoft) would reach for the internet.
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = "true";

const CLIENT_SECRET = "cs_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
/** Never registered: must be caught by the Bearer / key rules alone. */
const BEARER_TOKEN = "9c4f1e2d3b5a69788796a5b4c3d2e1f0aabbccdd";

describe("Application Insights sink (real SDK → local HTTPS ingestion)", () => {
  let sink: AppInsightsSink;
  let logger: Logger;

  beforeAll(async () => {
    sink = await AppInsightsSink.start();
    logger = createLogger({
      console: false,
      applicationInsightsConnectionString: sink.connectionString,
      applicationInsights: { extraCaCertificates: sink.ca, offlineStorage: false },
      properties: { app: "cleversync" },
    });
  });

  afterAll(async () => {
    await logger?.shutdown();
    await sink?.close();
  });

  it("delivers trace, event, metric and exception with names and properties, and no secret", async () => {
    logger.redactor.addSecret(CLIENT_SECRET);
    const log = logger.child({ tenantId: "district-7", instanceId: "token:district-7" });

    log.warn(`token refresh failed for client secret ${CLIENT_SECRET}; sent Authorization: Bearer ${BEARER_TOKEN}`, {
      attempt: 2,
      detail: { echoed: `secret=${CLIENT_SECRET}`, header: `Bearer ${BEARER_TOKEN}` },
    });
    log.event(TelemetryEvents.TokenRefreshFailed, { reason: `rejected ${CLIENT_SECRET}`, accessToken: BEARER_TOKEN }, { attempt: 2 });
    log.metric(TelemetryMetrics.RecordsSynced, 500, { resource: "users", note: CLIENT_SECRET });
    log.metric(TelemetryMetrics.RecordsSynced, 250, { resource: "users", note: CLIENT_SECRET });
    log.exception(new Error(`token exchange failed with Bearer ${BEARER_TOKEN} and ${CLIENT_SECRET}`), { stage: "exchange" });
    await logger.flush();

    await sink.waitFor(
      (s) => s.traces().length >= 1 && s.events().length >= 1 && s.exceptions().length >= 1 && s.metrics().some((m) => m.name === TelemetryMetrics.RecordsSynced),
      20_000,
    );

    const context = { app: "cleversync", tenantId: "district-7", instanceId: "token:district-7" };
    const [trace] = sink.traces();
    expect(trace.severityLevel).toBe("Warning");
    expect(trace.message).toBe(`token refresh failed for client secret ${REDACTED}; sent Authorization: ${REDACTED}`);
    expect(trace.properties).toMatchObject({ ...context, attempt: "2" });
    expect(JSON.parse(trace.properties.detail)).toEqual({ echoed: `secret=${REDACTED}`, header: `Bearer ${REDACTED}` });

    const [event] = sink.events();
    expect(event.name).toBe("TokenRefreshFailed");
    expect(event.properties).toMatchObject({ ...context, reason: `rejected ${REDACTED}`, accessToken: REDACTED });
    expect(event.measurements).toEqual({ attempt: 2 });

    const metric = sink.metrics().find((m) => m.name === TelemetryMetrics.RecordsSynced);
    // The SDK aggregates per name + dimensions: one point, summed.
    expect(metric).toMatchObject({ value: 750, count: 2, min: 250, max: 500 });
    expect(metric?.properties).toMatchObject({ ...context, resource: "users", note: REDACTED });

    const [exception] = sink.exceptions();
    expect(exception.typeName).toBe("Error");
    expect(exception.message).toBe(`token exchange failed with Bearer ${REDACTED} and ${REDACTED}`);
    expect(exception.parsedStack.length).toBeGreaterThan(0);
    expect(exception.properties).toMatchObject({ ...context, stage: "exchange" });

    const everything = sink.allText();
    expect(everything).not.toContain(CLIENT_SECRET);
    expect(everything).not.toContain(BEARER_TOKEN);
    expect(sink.rejected).toEqual([]);
  });
});

/**
 * The child loads lib/telemetry from source through a tiny TypeScript transpile hook (the project
 * has no ts-node), logs with the default transport settings and flushes before exiting.
 */
const CHILD_SCRIPT = `
const fs = require("node:fs");
const ts = require("typescript");
require.extensions[".ts"] = (module, file) => {
  const output = ts.transpileModule(fs.readFileSync(file, "utf8"), { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  module._compile(output.outputText, file);
};
const { createLogger } = require(process.env.TELEMETRY_LIB);
const logger = createLogger({ console: false, applicationInsightsConnectionString: process.env.APPLICATIONINSIGHTS_CONNECTION_STRING, applicationInsights: { offlineStorage: false } });
logger.redactor.addSecret(process.env.CHILD_SECRET);
logger.event("SyncStarted", { tenantId: "demo", note: "with " + process.env.CHILD_SECRET });
logger.shutdown().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
`;

describe("Application Insights sink in a child process trusting the sink via NODE_EXTRA_CA_CERTS", () => {
  let sink: AppInsightsSink;
  beforeAll(async () => {
    sink = await AppInsightsSink.start();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it("delivers with the default transport settings, redacted", async () => {
    const secret = "child-process-secret-value-42";
    await promisify(execFile)(process.execPath, ["-e", CHILD_SCRIPT], {
      cwd: join(__dirname, "..", ".."),
      timeout: 20_000,
      env: {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: sink.certPath,
        APPLICATIONINSIGHTS_CONNECTION_STRING: sink.connectionString,
        APPLICATION_INSIGHTS_NO_STATSBEAT: "true",
        TELEMETRY_LIB: join(__dirname, "..", "..", "lib", "telemetry", "index.ts"),
        CHILD_SECRET: secret,
      },
    });
    // shutdown() flushed before exit, so the POST has been answered already; poll anyway.
    await sink.waitFor((s) => s.events().length >= 1, 10_000);
    expect(sink.events()[0]).toMatchObject({ name: "SyncStarted", properties: { tenantId: "demo", note: `with ${REDACTED}` } });
    expect(sink.allText()).not.toContain(secret);
  });
});
