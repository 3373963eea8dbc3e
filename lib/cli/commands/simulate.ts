/**
 * `cleversync simulate`: serve a synthetic Clever district on loopback until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { parseIntIn, parseProbability } from '../options';
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_SEED, DEMO_USERS, type FaultConfig } from '../../simulator';

export interface SimulateOptions {
  port: number;
  host: string;
  seed: number;
  users: number;
  contacts: boolean;
  /** Requests per minute per token; 0 disables limiting. Default Clever's 1200. */
  rateLimit: number;
  latencyMs?: number;
  errorRate?: number;
  throttleRate?: number;
  resetRate?: number;
  tokenLifetime?: number;
}

export const DEFAULT_SIMULATE_OPTIONS: SimulateOptions = {
  port: 8787,
  host: '127.0.0.1',
  seed: DEMO_SEED,
  users: DEMO_USERS,
  contacts: false,
  rateLimit: 1200,
};

export interface RunningSimulation {
  url: string;
  clientId: string;
  districtId: string;
  simulator: CleverSimulator;
  stop(): Promise<void>;
}

export interface SimulateIO {
  log(line: string): void;
}

/** Starts the simulator and prints where it is. The caller decides when to stop it. */
export async function runSimulate(options: Partial<SimulateOptions> = {}, io: SimulateIO = console): Promise<RunningSimulation> {
  const settings = { ...DEFAULT_SIMULATE_OPTIONS, ...options };
  const faults: FaultConfig = {};
  if (settings.latencyMs !== undefined) faults.latencyMs = settings.latencyMs;
  if (settings.errorRate !== undefined) faults.serverErrorRate = settings.errorRate;
  if (settings.throttleRate !== undefined) faults.rateLimitBurstRate = settings.throttleRate;
  if (settings.resetRate !== undefined) faults.connectionResetRate = settings.resetRate;
  if (settings.tokenLifetime !== undefined) faults.tokenLifetimeSeconds = settings.tokenLifetime;

  const simulator = new CleverSimulator({
    seed: settings.seed,
    users: settings.users,
    contacts: settings.contacts,
    rateLimit: settings.rateLimit > 0 ? { limit: settings.rateLimit, windowSeconds: 60 } : false,
    faults,
  });
  const { url } = await simulator.start({ port: settings.port, host: settings.host });
  const district = simulator.district();
  io.log(`Clever simulator (API v3.0) listening on ${url}`);
  io.log(`  district:  ${district.id} "${district.name}" (seed ${settings.seed}, ${settings.users} users)`);
  io.log(`  client id: ${DEMO_CLIENT_ID}`);
  io.log('  These are demo-only credentials that work only against this local simulator; never use real Clever credentials with it.');
  io.log(`  District tokens: GET ${url}/oauth/tokens?owner_type=district with HTTP Basic client id/secret.`);
  const active = Object.keys(faults);
  if (active.length > 0) io.log(`  Faults: ${active.map((key) => `${key}=${String(faults[key as keyof FaultConfig])}`).join(', ')}`);
  return { url, clientId: DEMO_CLIENT_ID, districtId: district.id, simulator, stop: () => simulator.stop() };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export function registerSimulateCommand(program: Command): Command {
  return program
    .command('simulate')
    .description('Serve a synthetic Clever district (API v3.0) on loopback for local runs and tests')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parseIntIn(0, 65535, 'port'), DEFAULT_SIMULATE_OPTIONS.port)
    .option('--host <host>', 'address to bind', DEFAULT_SIMULATE_OPTIONS.host)
    .option('--seed <seed>', 'seed of the generated district (same seed, same data)', parseIntIn(0, 2 ** 31 - 1, 'seed'), DEFAULT_SIMULATE_OPTIONS.seed)
    .option('--users <count>', 'number of users, mostly students', parseIntIn(5, 5_000_000, 'users'), DEFAULT_SIMULATE_OPTIONS.users)
    .option('--contacts', 'also generate parent/guardian contacts', false)
    .option('--rate-limit <perMinute>', 'requests per minute per token; 0 turns limiting off', parseIntIn(0, 1_000_000, 'rate-limit'), DEFAULT_SIMULATE_OPTIONS.rateLimit)
    .option('--latency-ms <ms>', 'added latency per data request', parseIntIn(0, 600_000, 'latency-ms'))
    .option('--error-rate <p>', 'probability of a 5xx per data request', parseProbability('error-rate'))
    .option('--throttle-rate <p>', 'probability a data request starts a burst of 429s', parseProbability('throttle-rate'))
    .option('--reset-rate <p>', 'probability a data request has its connection reset', parseProbability('reset-rate'))
    .option('--token-lifetime <seconds>', 'expires_in of client-credentials tokens (they then expire)', parseIntIn(1, 10 ** 9, 'token-lifetime'))
    .action(async (options: SimulateOptions) => {
      const running = await runSimulate(options);
      console.log('Press Ctrl+C to stop.');
      const signal = await waitForStopSignal();
      await running.stop();
      console.log(`Clever simulator stopped (${signal}).`);
    });
}
