/**
 * The "outside world" of one benchmark case, in its own process: the Clever simulator (rate
 * limit off) and Azurite's Table service (tenant registry, checkpoints), both on loopback. In
 * Azure these are remote services; keeping them out of the scenario processes keeps their CPU
 * and memory out of what a scenario measures. It lives for all scenarios of one district size.
 */
import { startAzurite, type AzuriteTables } from "../localstack/azurite";
import { CleverSimulator, type RosterKind } from "../simulator";
import { digestOf, type RosterDigest } from "./digest";
import { serveChild } from "./ipc";
import { applyMutations } from "./mutations";

export interface ServicesInfo {
  simulatorUrl: string;
  tablesConnection: string;
  /** The first district (the one `mutate` changes). */
  districtId: string;
  /** Every simulated district, in seed order (seed, seed + 1, ...). */
  districtIds: string[];
  counts: Record<string, number>;
  students: number;
}

const KINDS: RosterKind[] = ["districts", "schools", "terms", "courses", "users", "sections"];

/**
 * Delays every Clever request by `latencyMs`, as over the internet. FaultConfig.latencyMs delays
 * data requests only (lib/simulator/faults.ts, FaultController.decide: the dice, latency included,
 * are rolled for `target === 'data'`); the OAuth endpoints (/oauth/tokens, /oauth/tokeninfo) get
 * the same delay from a scripted latency fault matching every OAuth request (`injectNext`, target
 * 'oauth', a count no run exhausts).
 */
export function addLatency(simulator: CleverSimulator, latencyMs: number): void {
  simulator.updateFaults({ latencyMs });
  simulator.injectNext({ kind: "latency", ms: latencyMs }, { target: "oauth", count: Number.MAX_SAFE_INTEGER });
}

export function runServicesProcess(): void {
  let simulator: CleverSimulator | undefined;
  let azurite: AzuriteTables | undefined;
  serveChild({
    /**
     * `districts` districts of `users` users each (seeds `seed`, `seed + 1`, ...: one simulator
     * serving them all, as Clever serves every district an app is authorized for); `latencyMs`
     * delays every Clever request, the token endpoint included.
     */
    async start(params): Promise<ServicesInfo> {
      const { seed, users, districts = 1, latencyMs = 0 } = params as { seed: number; users: number; districts?: number; latencyMs?: number };
      azurite = await startAzurite();
      simulator = new CleverSimulator({ districts: Array.from({ length: districts }, (_, i) => ({ seed: seed + i, users })), rateLimit: false });
      if (latencyMs > 0) addLatency(simulator, latencyMs);
      const { url } = await simulator.start();
      const district = simulator.district();
      const counts = Object.fromEntries(KINDS.map((kind) => [kind, district.count(kind)]));
      const [lo, hi] = district.layout.blocks.students;
      return { simulatorUrl: url, tablesConnection: azurite.connectionString, districtId: district.id, districtIds: simulator.districtIds(), counts, students: hi - lo };
    },
    mutate(params) {
      const { fraction, seed } = params as { fraction: number; seed?: number };
      return applyMutations(simulator!, fraction, seed);
    },
    /** Ground truth of one district (default: the first). */
    async digest(params): Promise<RosterDigest> {
      const { districtId } = (params ?? {}) as { districtId?: string };
      const out: RosterDigest = {};
      for (const kind of KINDS) out[kind] = await digestOf(simulator!.groundTruth(kind, { districtId }));
      return out;
    },
    /** CPU seconds (user + system) this process has used so far. */
    cpu() {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6;
    },
    stats() {
      return simulator!.requestStats();
    },
    async stop() {
      await simulator?.stop();
      await azurite?.stop();
    },
  });
}
