/**
 * The fault matrix: full syncs (and an incremental one) through the real orchestrations while the
 * Clever simulator misbehaves — 5xx, 429 bursts with and without Retry-After, latency, connection
 * resets, all of them at once. After each, the database equals Clever's ground truth record by
 * record, the fault really happened, and no secret appears in anything the run left behind
 * (including the product's telemetry, routed to a local Application Insights ingestion endpoint).
 */
import { createLogger, type Logger } from "../../lib/telemetry";
import type { FaultConfig } from "../../lib/simulator";
import { AppInsightsSink } from "../helpers/appInsightsSink";
import { findSecrets, issuedTokens, LARGE, startChaosWorld, TENANT, type ChaosWorld } from "./chaosWorld";
import { DEMO_CLIENT_SECRET } from "../../lib/simulator";

// Statsbeat (the SDK reporting on itself to Microsoft) would reach for the internet.
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = "true";

const USERS = LARGE ? 5000 : 600;
const PAGE_SIZE = LARGE ? 500 : 100;
const SEEDS = LARGE ? [21, 22, 23] : [21];

let sink: AppInsightsSink;
let telemetry: Logger;
/** Tokens of every world in this file, for the telemetry scan at the end. */
const tokensSeen = new Set<string>();

beforeAll(async () => {
  sink = await AppInsightsSink.start();
  telemetry = createLogger({
    console: false,
    properties: { app: "cleversync" },
    applicationInsightsConnectionString: sink.connectionString,
    applicationInsights: { extraCaCertificates: sink.ca, offlineStorage: false },
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await sink?.close();
});

async function withWorld(faults: FaultConfig, seed: number, body: (world: ChaosWorld) => Promise<void>): Promise<void> {
  const world = await startChaosWorld({ users: USERS, seed, pageSize: PAGE_SIZE });
  world.useLogger(telemetry);
  // Faults start after the world is up (the token keeper has its token): the sync is what is under test.
  world.simulator.setFaults({ seed, ...faults });
  let findings: string[] = [];
  try {
    await body(world);
  } finally {
    issuedTokens(world.simulator).forEach((t) => tokensSeen.add(t));
    findings = await world.stopAndScan();
  }
  expect(findings).toEqual([]);
}

async function fullSyncEqualsTruth(world: ChaosWorld): Promise<void> {
  const status = await world.sync("full", "run-1");
  expect({ runtimeStatus: status.runtimeStatus, lastError: (status.customStatus as { lastError: unknown }).lastError }).toEqual({ runtimeStatus: "Completed", lastError: null });
  expect(await world.differences()).toEqual([]);
  const [run] = await world.runs();
  expect(run).toMatchObject({ runId: "run-1", status: "completed", error: null });
}

const MATRIX: Array<{ name: string; faults: FaultConfig; happened: (world: ChaosWorld) => void }> = [
  {
    name: "5xx answers on 20% of data requests",
    faults: { serverErrorRate: 0.2 },
    happened: (w) => expect(w.simulator.requestStats().faults.serverErrors).toBeGreaterThan(0),
  },
  {
    name: "429 bursts with Retry-After",
    faults: { rateLimitBurstRate: 0.15, rateLimitBurstLength: 3, retryAfterSeconds: 1 },
    happened: (w) => expect(w.simulator.requestStats().byStatus[429]).toBeGreaterThanOrEqual(3),
  },
  {
    name: "429 bursts without Retry-After (the client backs off on its own)",
    faults: { rateLimitBurstRate: 0.15, rateLimitBurstLength: 3, retryAfterSeconds: null },
    happened: (w) => expect(w.simulator.requestStats().byStatus[429]).toBeGreaterThanOrEqual(3),
  },
  {
    name: "latency of 10-40 ms on every data request",
    faults: { latencyMs: 10, latencyJitterMs: 30 },
    happened: (w) => expect(w.simulator.requestStats().faults.delayed).toBeGreaterThan(5),
  },
  {
    name: "connection resets on 15% of data requests",
    faults: { connectionResetRate: 0.15 },
    happened: (w) => expect(w.simulator.requestStats().faults.resets).toBeGreaterThan(0),
  },
];

describe.each(SEEDS)("seed %i", (seed) => {
  test.each(MATRIX)("$name: the full sync completes and equals Clever", async ({ faults, happened }) => {
    await withWorld(faults, seed, async (world) => {
      await fullSyncEqualsTruth(world);
      happened(world);
    });
  }, 60_000);

  test("everything at once, then changes and an incremental sync through the same storm: equal", async () => {
    const storm: FaultConfig = { serverErrorRate: 0.1, rateLimitBurstRate: 0.05, rateLimitBurstLength: 2, connectionResetRate: 0.08, latencyMs: 2, latencyJitterMs: 5 };
    await withWorld(storm, seed, async (world) => {
      await fullSyncEqualsTruth(world);
      const sim = world.simulator;
      const district = sim.district();
      const layout = district.layout;
      for (let seq = 0; seq < layout.users; seq += 37) sim.update("users", district.idAt("users", seq), { email: `storm.${seq}@example.org` });
      for (let seq = 1; seq < layout.sections; seq += 11) sim.remove("sections", district.idAt("sections", seq));
      sim.remove("users", district.idAt("users", layout.blocks.students[0] + 3));
      const template = district.get("users", district.idAt("users", layout.blocks.students[0]))!;
      const { id: _id, created: _created, last_modified: _modified, ...fields } = template;
      sim.create("users", { ...fields, name: { first: "Storm", last: "Newcomer" }, email: "storm.newcomer@example.org" });
      expect((await world.differences()).length).toBeGreaterThan(0);

      const status = await world.sync("incremental", "run-2");
      expect(status.runtimeStatus).toBe("Completed");
      expect(status.output).toMatchObject({ mode: "incremental" });
      expect(await world.differences()).toEqual([]);
      const faults = sim.requestStats().faults;
      expect(faults.serverErrors + faults.resets + faults.rateLimited).toBeGreaterThan(0);
    });
  }, 60_000);
});

test("telemetry sent to Application Insights carries no client secret and no token", async () => {
  await telemetry.flush();
  // The product emits events (TokenRefreshed, SyncStarted/Completed) and Clever request metrics.
  await sink.waitFor((s) => s.events().some((e) => e.name === "SyncCompleted"), 15_000);
  expect(sink.events().every((e) => e.properties.tenantId === undefined || e.properties.tenantId === TENANT)).toBe(true);
  const secrets: Record<string, string> = { "the client secret": DEMO_CLIENT_SECRET };
  [...tokensSeen].forEach((token, i) => (secrets[`simulator token #${i + 1}`] = token));
  expect(tokensSeen.size).toBeGreaterThan(0);
  expect(findSecrets([{ label: "Application Insights telemetry", text: sink.allText() }], secrets)).toEqual([]);
}, 30_000);
