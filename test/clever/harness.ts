/** Test helpers: a simulator on loopback, a client wired to it, and a manual clock. */
import { CleverClient, createMetricsCollector, staticTokenProvider, type CleverClientOptions, type CleverRecord, type CleverUserRole } from '../../lib/clever';
import { CleverSimulator, type CleverSimulatorOptions, type RosterKind } from '../../lib/simulator';

export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
  /** A sleep that advances the clock instead of waiting, recording each request. */
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
}

export function manualClock(startMs = Date.UTC(2025, 0, 6, 12, 0, 0)): ManualClock {
  let current = startMs;
  const sleeps: number[] = [];
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      current += ms;
    },
    sleeps,
  };
}

export async function startSimulator(options: CleverSimulatorOptions): Promise<CleverSimulator> {
  const sim = new CleverSimulator(options);
  await sim.start();
  return sim;
}

/** A client for the simulator's first district with instant sleeps and a metrics collector. */
export function clientFor(
  sim: CleverSimulator,
  options: Partial<CleverClientOptions> = {},
): { client: CleverClient; metrics: ReturnType<typeof createMetricsCollector>; sleeps: number[] } {
  const metrics = createMetricsCollector();
  const sleeps: number[] = [];
  const client = new CleverClient({
    baseUrl: sim.url,
    tokenProvider: staticTokenProvider(sim.districtToken()),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onMetric: metrics.listener,
    ...options,
  });
  return { client, metrics, sleeps };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function groundTruth(sim: CleverSimulator, kind: RosterKind, role?: CleverUserRole): Promise<CleverRecord[]> {
  return collect(sim.groundTruth(kind, { role }));
}

/** Resolves with the error a promise rejects with; fails when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
