/**
 * Fault injection. Two sources, consulted in order for every request:
 *  1. a script queue (`enqueue`): exact faults for the next matching requests — for tests;
 *  2. seeded dice (`FaultConfig` rates): reproducible for a given seed and request order.
 * Config changes at runtime through `set` / `update` / `clear`.
 */
import { SeededRandom } from './prng';

export type MalformedKind = 'invalid-json' | 'bad-envelope' | 'html';

export interface MalformedPageFault {
  /** List resource, e.g. 'users'. */
  resource: string;
  /** 1-based page number for the request's `limit` (position of starting_after / limit + 1). */
  page: number;
  kind?: MalformedKind;
}

export interface FaultConfig {
  /** PRNG seed for the dice. Default: the simulator's data seed. */
  seed?: number;
  /** Probability a data request answers a 5xx. */
  serverErrorRate?: number;
  /** Statuses to pick from. Default [500, 502, 503]. */
  serverErrorStatuses?: number[];
  /** Probability a data request starts a burst of 429s. */
  rateLimitBurstRate?: number;
  /** 429s per burst. Default 3. */
  rateLimitBurstLength?: number;
  /** Retry-After on injected 429s; null (the default, as Clever documents 429s) sends none: clients use X-RateLimit-Reset. */
  retryAfterSeconds?: number | null;
  /** Added to every data response. */
  latencyMs?: number;
  /** Uniform extra latency in [0, jitter). */
  latencyJitterMs?: number;
  /** Probability the socket is destroyed without an answer. */
  connectionResetRate?: number;
  malformedPages?: MalformedPageFault[];
  /** A token is revoked once it made this many data requests (the next one gets 401). */
  revokeTokenAfterRequests?: number;
  /** Lifetime (expires_in) of tokens from the client-credentials grant; they then expire. */
  tokenLifetimeSeconds?: number;
}

export type ScriptedFault =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'rate_limit'; retryAfterSeconds?: number | null }
  | { kind: 'reset' }
  | { kind: 'latency'; ms: number }
  | { kind: 'malformed'; malformed: MalformedKind };

export interface ScriptOptions {
  /** How many matching requests get the fault. Default 1. */
  count?: number;
  /** Which endpoints: Clever data API, OAuth endpoints, or both. Default 'data'. */
  target?: 'data' | 'oauth' | 'any';
  /** Only requests whose path (with its query string, for data requests) starts with this string or matches this pattern. */
  path?: string | RegExp;
}

export type FaultAction =
  | { type: 'reset' }
  | { type: 'status'; status: number; body?: string }
  | { type: 'rate_limit'; retryAfterSeconds: number | null }
  | { type: 'malformed'; kind: MalformedKind };

export interface FaultDecision {
  latencyMs: number;
  action?: FaultAction;
}

interface ScriptEntry {
  fault: ScriptedFault;
  remaining: number;
  target: 'data' | 'oauth' | 'any';
  path?: string | RegExp;
}

export type FaultCounter = 'resets' | 'serverErrors' | 'rateLimited' | 'malformed' | 'delayed' | 'revoked';

export class FaultController {
  private current: FaultConfig;
  private dice: SeededRandom;
  private burstLeft = 0;
  private script: ScriptEntry[] = [];
  private readonly counters: Record<FaultCounter, number> = { resets: 0, serverErrors: 0, rateLimited: 0, malformed: 0, delayed: 0, revoked: 0 };

  constructor(
    config: FaultConfig = {},
    private readonly defaultSeed = 1,
  ) {
    this.current = validate(config);
    this.dice = new SeededRandom(this.current.seed ?? defaultSeed);
  }

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  /** Replaces the configuration and restarts the dice from its seed. */
  set(config: FaultConfig): void {
    this.current = validate(config);
    this.dice = new SeededRandom(this.current.seed ?? this.defaultSeed);
    this.burstLeft = 0;
  }

  /** Changes some settings, keeping the dice where they are. */
  update(partial: FaultConfig): void {
    this.current = validate({ ...this.current, ...partial });
  }

  /** No faults at all (script included). */
  clear(): void {
    this.set({});
    this.script = [];
  }

  enqueue(fault: ScriptedFault, options: ScriptOptions = {}): void {
    this.script.push({ fault, remaining: options.count ?? 1, target: options.target ?? 'data', path: options.path });
  }

  /** Decides what happens to one request. Data requests always roll the same dice, so runs replay. */
  decide(request: { target: 'data' | 'oauth'; path: string }): FaultDecision {
    const scripted = this.takeScripted(request);
    let latencyMs = 0;
    let action: FaultAction | undefined;
    if (request.target === 'data') {
      const c = this.current;
      const [rollReset, rollError, rollBurst, rollJitter, rollStatus] = [1, 2, 3, 4, 5].map(() => this.dice.next()) as number[];
      latencyMs = (c.latencyMs ?? 0) + Math.floor(rollJitter! * (c.latencyJitterMs ?? 0));
      if (this.burstLeft > 0) {
        this.burstLeft--;
        action = { type: 'rate_limit', retryAfterSeconds: c.retryAfterSeconds === undefined ? null : c.retryAfterSeconds };
      } else if (rollReset! < (c.connectionResetRate ?? 0)) {
        action = { type: 'reset' };
      } else if (rollError! < (c.serverErrorRate ?? 0)) {
        const statuses = c.serverErrorStatuses ?? [500, 502, 503];
        action = { type: 'status', status: statuses[Math.floor(rollStatus! * statuses.length)]! };
      } else if (rollBurst! < (c.rateLimitBurstRate ?? 0)) {
        this.burstLeft = Math.max(0, (c.rateLimitBurstLength ?? 3) - 1);
        action = { type: 'rate_limit', retryAfterSeconds: c.retryAfterSeconds === undefined ? null : c.retryAfterSeconds };
      }
    }
    if (scripted) {
      if (scripted.kind === 'latency') latencyMs += scripted.ms;
      else action = toAction(scripted);
    }
    if (latencyMs > 0) this.counters.delayed++;
    if (action) this.count(action);
    return { latencyMs, action };
  }

  /** Whether any malformed-page fault targets this resource (page numbers cost a scan). */
  watchesPagesOf(resource: string): boolean {
    return (this.current.malformedPages ?? []).some((fault) => fault.resource === resource);
  }

  malformedPage(resource: string, page: number): MalformedKind | undefined {
    const fault = (this.current.malformedPages ?? []).find((f) => f.resource === resource && f.page === page);
    if (!fault) return undefined;
    this.counters.malformed++;
    return fault.kind ?? 'invalid-json';
  }

  noteRevocation(): void {
    this.counters.revoked++;
  }

  counts(): Record<FaultCounter, number> {
    return { ...this.counters };
  }

  private takeScripted(request: { target: 'data' | 'oauth'; path: string }): ScriptedFault | undefined {
    const index = this.script.findIndex(
      (entry) =>
        (entry.target === 'any' || entry.target === request.target) &&
        (entry.path === undefined || (typeof entry.path === 'string' ? request.path.startsWith(entry.path) : entry.path.test(request.path))),
    );
    if (index < 0) return undefined;
    const entry = this.script[index]!;
    entry.remaining--;
    if (entry.remaining <= 0) this.script.splice(index, 1);
    return entry.fault;
  }

  private count(action: FaultAction): void {
    if (action.type === 'reset') this.counters.resets++;
    else if (action.type === 'rate_limit') this.counters.rateLimited++;
    else if (action.type === 'malformed') this.counters.malformed++;
    else if (action.status >= 500) this.counters.serverErrors++;
  }
}

function toAction(fault: Exclude<ScriptedFault, { kind: 'latency' }>): FaultAction {
  switch (fault.kind) {
    case 'reset':
      return { type: 'reset' };
    case 'status':
      return { type: 'status', status: fault.status, body: fault.body };
    case 'rate_limit':
      return { type: 'rate_limit', retryAfterSeconds: fault.retryAfterSeconds === undefined ? null : fault.retryAfterSeconds };
    case 'malformed':
      return { type: 'malformed', kind: fault.malformed };
  }
}

function validate(config: FaultConfig): FaultConfig {
  for (const key of ['serverErrorRate', 'rateLimitBurstRate', 'connectionResetRate'] as const) {
    const value = config[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) throw new RangeError(`faults.${key} must be between 0 and 1`);
  }
  for (const key of ['latencyMs', 'latencyJitterMs', 'rateLimitBurstLength', 'revokeTokenAfterRequests', 'tokenLifetimeSeconds'] as const) {
    const value = config[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`faults.${key} must be a non-negative number`);
  }
  return { ...config };
}
