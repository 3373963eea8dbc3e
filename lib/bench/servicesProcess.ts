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
  districtId: string;
  counts: Record<string, number>;
  students: number;
}

const KINDS: RosterKind[] = ["districts", "schools", "terms", "courses", "users", "sections"];

export function runServicesProcess(): void {
  let simulator: CleverSimulator | undefined;
  let azurite: AzuriteTables | undefined;
  serveChild({
    async start(params): Promise<ServicesInfo> {
      const { seed, users } = params as { seed: number; users: number };
      azurite = await startAzurite();
      simulator = new CleverSimulator({ seed, users, rateLimit: false });
      const { url } = await simulator.start();
      const district = simulator.district();
      const counts = Object.fromEntries(KINDS.map((kind) => [kind, district.count(kind)]));
      const [lo, hi] = district.layout.blocks.students;
      return { simulatorUrl: url, tablesConnection: azurite.connectionString, districtId: district.id, counts, students: hi - lo };
    },
    mutate(params) {
      const { fraction, seed } = params as { fraction: number; seed?: number };
      return applyMutations(simulator!, fraction, seed);
    },
    async digest(): Promise<RosterDigest> {
      const out: RosterDigest = {};
      for (const kind of KINDS) out[kind] = await digestOf(simulator!.groundTruth(kind));
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
