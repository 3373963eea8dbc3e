/**
 * The reliability suite's world: the sync harness of test/sync (devhost on a virtual clock,
 * Clever simulator over HTTP, Azurite, SQLite) plus what chaos needs on top of it:
 *  - every place a secret could leak is captured and scanned when the world stops (devhost logs,
 *    the durable history, input, output and custom status of every instance, the durable
 *    management API, the HTTP API's answers, the run summaries, and telemetry when a test routes
 *    the product's logger to the local Application Insights sink);
 *  - helpers to run a sync and read its run summary.
 */
import { processHealth } from "../../lib/health/holder";
import { WARMING_UP_DESCRIPTION } from "../../lib/health/snapshot";
import type { InstanceStatus } from "../../lib/devhost";
import type { RunSummary } from "../../lib/store";
import { DEMO_CLIENT_SECRET, type CleverSimulator, type FaultConfig } from "../../lib/simulator";
import type { Logger } from "../../lib/telemetry";
import { startSyncWorld, SyncWorld, TENANT } from "../sync/harness";

export { TENANT };

/** CHAOS_LARGE=1 runs the bigger matrix (more users, more seeds, longer outages). */
export const LARGE = process.env.CHAOS_LARGE === "1";

export interface Capture {
  label: string;
  text: string;
}

export interface ChaosWorld extends SyncWorld {
  /** Everything captured so far (more is added when the world stops). */
  captures: Capture[];
  capture(label: string, value: unknown): void;
  /** GET on the devhost (function/master key) whose answer is captured for the secret scan. */
  get(path: string): Promise<{ status: number; body: unknown }>;
  /** The tenant's run summaries, newest first. */
  runs(): Promise<RunSummary[]>;
  /** Routes the product's logger (services.logger) to this logger, e.g. one writing to Application Insights. */
  useLogger(logger: Logger): void;
  /** Captures everything, stops the world, and returns the secret-scan findings (empty when clean). */
  stopAndScan(extraSecrets?: string[]): Promise<string[]>;
}

interface TokenRecordLike {
  token: string;
}

/**
 * Every token the simulator ever issued, revoked ones included. TokenRegistry keeps them in a
 * private map; this fails loudly if that changes, so the scan can never silently scan for nothing.
 */
export function issuedTokens(simulator: CleverSimulator): string[] {
  const map = (simulator.tokens as unknown as { tokens?: Map<string, TokenRecordLike> }).tokens;
  if (!(map instanceof Map)) throw new Error("CleverSimulator's TokenRegistry no longer keeps its tokens in `tokens`: update issuedTokens()");
  return [...map.keys()];
}

/** Where each secret occurs in the captures: "<capture label>: <which secret>". */
export function findSecrets(captures: Capture[], secrets: Record<string, string>): string[] {
  const findings: string[] = [];
  for (const { label, text } of captures) {
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret.length >= 8 && text.includes(secret)) findings.push(`${label}: ${name}`);
    }
  }
  return findings;
}

function stringify(value: unknown): string {
  try {
    return typeof value === "string" ? value : JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v));
  } catch {
    return String(value);
  }
}

export async function startChaosWorld(options: { users: number; seed?: number; faults?: FaultConfig; pageSize?: number }): Promise<ChaosWorld> {
  const world = await startSyncWorld(options);
  const captures: Capture[] = [];
  const capture = (label: string, value: unknown) => captures.push({ label, text: stringify(value) });

  const get = async (path: string) => {
    const response = await world.host.fetch(path);
    const text = await response.text();
    capture(`HTTP GET ${path} → ${response.status}`, text);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  };

  const captureAll = async () => {
    const instances: InstanceStatus[] = world.host.engine.listInstances();
    for (const instance of instances) {
      capture(`instance ${instance.instanceId} (input, output, custom status)`, instance);
      capture(`history of ${instance.instanceId}`, world.host.history(instance.instanceId));
    }
    capture("devhost logs", world.host.logs);
    // What an operator sees: the durable management API, the HTTP API, health.
    await get("/runtime/webhooks/durabletask/instances?showHistory=true&showHistoryOutput=true&showInput=true");
    await get(`/api/tenants/${TENANT}/runs`);
    for (const instance of instances.filter((i) => i.instanceId.startsWith("sync:"))) await get(`/api/tenants/${TENANT}/sync/${encodeURIComponent(instance.instanceId)}`);
    await settledHealth("/api/health");
    await settledHealth("/api/health/clever-auth");
    capture("run summaries (sync_runs)", await runs());
  };

  /**
   * The health snapshot starts its checks on the first request and answers "warming up" until
   * they finish. Waiting for real answers also means no check is still in flight when the world
   * stops (HealthSnapshot.stop() aborts the signal, but the Tables SDK call ignores it and retries).
   */
  const settledHealth = async (path: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await world.host.fetch(path);
      const text = await response.text();
      if (!text.includes(WARMING_UP_DESCRIPTION) || Date.now() > deadline) {
        capture(`HTTP GET ${path} → ${response.status}`, text);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const runs = async () => {
    const store = await world.services.stores.storeFor(TENANT);
    return store.listRuns(TENANT, 50);
  };

  return {
    ...world,
    captures,
    capture,
    get,
    runs,
    useLogger(logger) {
      world.services.logger = logger;
    },
    async stopAndScan(extraSecrets = []) {
      try {
        await captureAll();
      } finally {
        // The health endpoints built a snapshot over these services; it must not outlive them.
        processHealth.use(undefined);
      }
      const secrets: Record<string, string> = { "the client secret": DEMO_CLIENT_SECRET };
      issuedTokens(world.simulator).forEach((token, i) => (secrets[`simulator token #${i + 1}`] = token));
      extraSecrets.forEach((secret, i) => (secrets[`extra secret #${i + 1}`] = secret));
      await world.stop();
      return findSecrets(captures, secrets);
    },
  };
}

/** Runs a sync and returns its status plus the run summary it wrote. */
export async function syncAndSummarize(world: ChaosWorld, mode: "full" | "incremental", runId: string): Promise<{ status: InstanceStatus; run: RunSummary | undefined }> {
  const status = await world.sync(mode, runId);
  const run = (await world.runs()).find((r) => r.runId === runId);
  return { status, run };
}
