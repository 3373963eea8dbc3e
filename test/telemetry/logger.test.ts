/** The logger's contract, against recording sinks, a real Functions InvocationContext and a console recorder. */
import { InvocationContext } from "@azure/functions";
import { REDACTED, TelemetryEvents, TelemetryMetrics, createLogger, createRedactor, type ConsoleTarget, type TelemetrySink } from "../../lib/telemetry";
import { recordingSink } from "./recordingSink";

const SECRET = "client-secret-0123456789abcdef";

describe("createLogger", () => {
  it("emits traces, events, metrics and exceptions with the context of child loggers", () => {
    const sink = recordingSink();
    const root = createLogger({ console: false, sinks: [sink], properties: { app: "cleversync" } });
    const logger = root.child({ tenantId: "district-7", runId: "r1" }).child({ resource: "users" });

    logger.info("page synced", { page: 2 });
    logger.event(TelemetryEvents.SyncCompleted, { mode: "full" }, { records: 500, durationMs: 1234 });
    logger.metric(TelemetryMetrics.RecordsSynced, 500);
    logger.exception(new TypeError("bad record"), { recordId: "5f1a" });

    const context = { app: "cleversync", tenantId: "district-7", runId: "r1", resource: "users" };
    expect(sink.items).toEqual([
      { kind: "trace", level: "info", message: "page synced", properties: { ...context, page: 2 } },
      { kind: "event", name: "SyncCompleted", properties: { ...context, mode: "full" }, measurements: { records: 500, durationMs: 1234 } },
      { kind: "metric", name: "RecordsSynced", value: 500, properties: context },
      { kind: "exception", error: expect.objectContaining({ name: "TypeError", message: "bad record" }), properties: { ...context, recordId: "5f1a" } },
    ]);
    expect(logger.properties).toEqual(context);
  });

  it("item properties override context; the parent logger is unchanged", () => {
    const sink = recordingSink();
    const parent = createLogger({ console: false, sinks: [sink], properties: { resource: "all" } });
    parent.child({ resource: "users" }).info("a", { resource: "sections" });
    parent.info("b");
    expect(sink.of("trace").map((item) => item.properties)).toEqual([{ resource: "sections" }, { resource: "all" }]);
  });

  it("drops traces below the level and non-finite metric values", () => {
    const sink = recordingSink();
    const logger = createLogger({ console: false, sinks: [sink], level: "warn" });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    logger.metric("M", Number.NaN);
    logger.metric("M", Number.POSITIVE_INFINITY);
    logger.event("E", {}, { good: 1, bad: Number.NaN });
    expect(sink.of("trace").map((item) => item.level)).toEqual(["warn", "error"]);
    expect(sink.of("metric")).toEqual([]);
    expect(sink.of("event")[0].measurements).toEqual({ good: 1 });
  });

  it("redacts messages, context, properties, exception text and causes before any sink sees them", () => {
    const sink = recordingSink();
    const logger = createLogger({ console: false, sinks: [sink] });
    logger.redactor.addSecret(SECRET);
    const child = logger.child({ tenantId: "district-7", note: `ctx ${SECRET}` });

    child.warn(`token request failed for ${SECRET}`, { body: { client_secret: "x", detail: `echo ${SECRET}` }, authorization: "Bearer abc" });
    child.event("E", { url: `https://x.test/?access_token=${SECRET}` });
    child.metric("M", 1, { label: SECRET });
    child.exception(new Error(`wrapped ${SECRET}`, { cause: new Error(`root cause ${SECRET}`) }));

    const text = JSON.stringify(sink.items);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("Bearer abc");
    const [trace] = sink.of("trace");
    expect(trace.message).toBe(`token request failed for ${REDACTED}`);
    expect(trace.properties).toEqual({ tenantId: "district-7", note: `ctx ${REDACTED}`, body: { client_secret: REDACTED, detail: `echo ${REDACTED}` }, authorization: REDACTED });
    const [exception] = sink.of("exception");
    expect(exception.error.message).toBe(`wrapped ${REDACTED}`);
    expect(exception.error.stack).toContain(`wrapped ${REDACTED}`);
    expect(exception.properties.cause).toBe(`Error: root cause ${REDACTED}`);
  });

  it("applies secrets registered after a child was made (one redactor per logger tree, or shared)", () => {
    const redactor = createRedactor();
    const sink = recordingSink();
    const first = createLogger({ console: false, sinks: [sink], redactor }).child({ tenantId: "t" });
    const second = createLogger({ console: false, sinks: [sink], redactor });
    redactor.addSecret(SECRET);
    first.info(SECRET);
    second.info(SECRET);
    expect(sink.of("trace").map((item) => item.message)).toEqual([REDACTED, REDACTED]);
  });

  it("normalizes non-Error throwables", () => {
    const sink = recordingSink();
    const logger = createLogger({ console: false, sinks: [sink] });
    logger.redactor.addSecret(SECRET);
    logger.exception(`string thrown with ${SECRET}`);
    logger.exception({ code: "E42", password: "hunter2" });
    expect(sink.of("exception").map((item) => item.error)).toEqual([
      { name: "NonErrorThrown", message: `string thrown with ${REDACTED}` },
      { name: "NonErrorThrown", message: `{"code":"E42","password":"${REDACTED}"}` },
    ]);
  });

  it("a failing sink breaks neither logging nor flush, and other sinks still receive items", async () => {
    const broken: TelemetrySink = {
      name: "broken",
      write: () => {
        throw new Error("sink down");
      },
      flush: () => Promise.reject(new Error("flush down")),
    };
    const sink = recordingSink();
    const logger = createLogger({ console: false, sinks: [broken, sink] });
    expect(() => logger.info("still works")).not.toThrow();
    await expect(logger.flush()).resolves.toBeUndefined();
    await expect(logger.shutdown()).resolves.toBeUndefined();
    expect(sink.items).toHaveLength(1);
    expect(sink.flushes).toBe(2);
  });
});

describe("console sink", () => {
  function consoleRecorder(): ConsoleTarget & { lines: Array<[string, string]> } {
    const lines: Array<[string, string]> = [];
    return {
      lines,
      debug: (text: string) => lines.push(["debug", text]),
      info: (text: string) => lines.push(["info", text]),
      warn: (text: string) => lines.push(["warn", text]),
      error: (text: string) => lines.push(["error", text]),
    };
  }

  it("prints one redacted line per item at the matching console level; metrics only at debug", () => {
    const target = consoleRecorder();
    const logger = createLogger({ console: { target, timestamps: false } }).child({ tenantId: "district-7" });
    logger.redactor.addSecret(SECRET);
    logger.warn(`slow page ${SECRET}`, { page: 3 });
    logger.event("SyncStarted", { runId: "r1" });
    logger.metric("RecordsSynced", 10);
    logger.exception(new Error("boom"));
    expect(target.lines[0]).toEqual(["warn", `WARN  slow page ${REDACTED} {"tenantId":"district-7","page":3}`]);
    expect(target.lines[1]).toEqual(["info", `INFO  event SyncStarted {"tenantId":"district-7","runId":"r1"}`]);
    expect(target.lines[2][0]).toBe("error");
    expect(target.lines[2][1]).toMatch(/^ERROR Error: boom\n\s+at /);
    expect(target.lines).toHaveLength(3);

    const verbose = consoleRecorder();
    createLogger({ level: "debug", console: { target: verbose, timestamps: false } }).metric("RecordsSynced", 10, { resource: "users" });
    expect(verbose.lines).toEqual([["debug", `DEBUG metric RecordsSynced=10 {"resource":"users"}`]]);
  });
});

describe("InvocationContext sink", () => {
  function invocation(): { context: InvocationContext; calls: Array<{ level: string; args: unknown[] }> } {
    const calls: Array<{ level: string; args: unknown[] }> = [];
    const context = new InvocationContext({
      invocationId: "inv-1",
      functionName: "syncResource",
      logHandler: (level, ...args) => calls.push({ level, args }),
    });
    return { context, calls };
  }

  it("receives redacted structured logs through context.debug/info/warn/error", () => {
    const { context, calls } = invocation();
    const logger = createLogger({ invocationContext: context, level: "debug" }).child({ tenantId: "district-7", instanceId: "sync:district-7:r1" });
    logger.redactor.addSecret(SECRET);

    logger.debug("fetching", { resource: "users" });
    logger.info(`token ${SECRET} cached`, { headers: { Authorization: `Bearer ${SECRET}` } });
    logger.warn("retrying");
    logger.error("gave up", { reason: "CleverServerError" });

    expect(calls.map((call) => call.level)).toEqual(["debug", "information", "warning", "error"]);
    expect(calls[0].args).toEqual(["fetching", { tenantId: "district-7", instanceId: "sync:district-7:r1", resource: "users" }]);
    expect(calls[1].args).toEqual([`token ${REDACTED} cached`, { tenantId: "district-7", instanceId: "sync:district-7:r1", headers: { Authorization: REDACTED } }]);
    expect(JSON.stringify(calls)).not.toContain(SECRET);
  });

  it("forInvocation keeps context and shared sinks but writes locally to the invocation, not the console", () => {
    const shared = recordingSink();
    const consoleLines: string[] = [];
    const target: ConsoleTarget = { debug: (t: string) => consoleLines.push(t), info: (t: string) => consoleLines.push(t), warn: (t: string) => consoleLines.push(t), error: (t: string) => consoleLines.push(t) };
    const root = createLogger({ sinks: [shared], console: { target }, properties: { app: "cleversync" } });
    const { context, calls } = invocation();

    root.forInvocation(context).child({ tenantId: "t1" }).info("hello");

    expect(calls).toEqual([{ level: "information", args: ["hello", { app: "cleversync", tenantId: "t1" }] }]);
    expect(shared.of("trace")).toEqual([{ kind: "trace", level: "info", message: "hello", properties: { app: "cleversync", tenantId: "t1" } }]);
    expect(consoleLines).toEqual([]);
  });
});

describe("Application Insights start-up failure", () => {
  it("keeps logging locally and reports the failure there", () => {
    jest.isolateModules(() => {
      jest.doMock("applicationinsights", () => {
        throw new Error("Cannot find module 'applicationinsights'");
      });
      const { createLogger: create } = require("../../lib/telemetry") as typeof import("../../lib/telemetry");
      const sink = recordingSink();
      const logger = create({ console: false, sinks: [sink], applicationInsightsConnectionString: "InstrumentationKey=x" });
      logger.info("still here");
      expect(sink.of("exception")[0]).toMatchObject({ error: { message: "Cannot find module 'applicationinsights'" }, properties: { stage: "Application Insights start-up" } });
      expect(sink.of("trace")).toHaveLength(1);
      jest.dontMock("applicationinsights");
    });
  });
});
