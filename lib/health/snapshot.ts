/**
 * The latest result of each health check, refreshed in the background.
 *
 * Why a snapshot: health endpoints are polled by load balancers, uptime monitors and people, often
 * many times a second. Probing Key Vault, SQL, Tables and Clever per request would multiply load on
 * them and let one slow dependency stall every probe. Requests only read what the last background
 * refresh found; each check has its own deadline, so one hung dependency cannot hold up the others.
 */
import { performance } from "node:perf_hooks";
import { createRedactor, REDACTED, type Redactor } from "../telemetry";
import { withDeadline } from "./deadline";
import type { HealthEntry, HealthStatus } from "./report";
import { timeSpan } from "./report";

/** What a check answers; the snapshot adds the measured duration and when it ran. */
export interface HealthCheckResult {
  status: HealthStatus;
  description?: string;
  data?: Record<string, unknown>;
}

/** One probe of one dependency. The signal aborts when the check's deadline passes or the snapshot stops. */
export type HealthCheck = (signal: AbortSignal) => Promise<HealthCheckResult>;

/** A check's latest outcome as the snapshot keeps it. */
export interface CheckRecord {
  entry: HealthEntry;
  durationMs: number;
  /** When the result was recorded (ms since epoch); undefined while warming up. */
  checkedAt?: number;
}

export interface HealthSnapshotOptions {
  checks: Record<string, HealthCheck>;
  /** Time between the end of one refresh and the start of the next. Default 30 s. */
  intervalMs?: number;
  /** Deadline of one check. Default 5 s. */
  timeoutMs?: number;
  /** Values that must never show in a description or data (connection strings, client secrets). */
  secrets?: () => Iterable<string | undefined | null>;
  /** Wall clock for `checkedAt`. */
  now?: () => number;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 30_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;
export const WARMING_UP_DESCRIPTION = "Warming up: the first health check has not finished yet.";
const MAX_DESCRIPTION_LENGTH = 300;

export class UnknownHealthCheckError extends Error {
  override readonly name = "UnknownHealthCheckError";
  constructor(readonly check: string) {
    super(`No health check named '${check}' is registered.`);
  }
}

/** Why checks in flight are aborted by stop(); their outcome is not recorded. */
export class SnapshotStoppedError extends Error {
  override readonly name = "SnapshotStoppedError";
  constructor() {
    super("The health snapshot was stopped.");
  }
}

export class HealthSnapshot {
  readonly names: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly #checks: Record<string, HealthCheck>;
  readonly #secrets: () => Iterable<string | undefined | null>;
  readonly #now: () => number;
  readonly #records = new Map<string, CheckRecord>();
  /** Checks whose promise has not settled yet (possibly past their deadline). */
  readonly #inFlight = new Map<string, AbortController>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Bumped by start(): a refresh begun before a stop/start pair must not schedule a second timer. */
  #generation = 0;
  #refreshes = 0;

  constructor(options: HealthSnapshotOptions) {
    this.#checks = { ...options.checks };
    this.names = Object.keys(this.#checks);
    this.intervalMs = options.intervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.#secrets = options.secrets ?? (() => []);
    this.#now = options.now ?? Date.now;
  }

  /** Starts refreshing: the first refresh right away, then one every interval. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#generation += 1;
    this.#tick(this.#generation);
  }

  /** Stops the timer and aborts checks in flight. The last results stay readable. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const controller of this.#inFlight.values()) controller.abort(new SnapshotStoppedError());
  }

  get running(): boolean {
    return this.#running;
  }

  /** How many refreshes have completed. */
  get refreshes(): number {
    return this.#refreshes;
  }

  /**
   * Runs the named checks (default: all) now and records their results. Rejects only for an
   * unknown name: a failing check is a result, not an error. A check still pending from an
   * earlier refresh (hung past its deadline) is not started again.
   */
  async refresh(names: readonly string[] = this.names): Promise<void> {
    for (const name of names) if (!(name in this.#checks)) throw new UnknownHealthCheckError(name);
    const redactor = createRedactor(this.#secrets());
    await Promise.all(names.map((name) => this.#run(name, redactor)));
    this.#refreshes += 1;
  }

  /** The latest result of a check, or Degraded "warming up" before its first result. */
  record(name: string): CheckRecord {
    if (!(name in this.#checks)) throw new UnknownHealthCheckError(name);
    return this.#records.get(name) ?? { entry: { status: "Degraded", description: WARMING_UP_DESCRIPTION, duration: timeSpan(0), data: {} }, durationMs: 0 };
  }

  #tick(generation: number): void {
    void this.refresh().finally(() => {
      if (!this.#running || generation !== this.#generation) return;
      this.#timer = setTimeout(() => this.#tick(generation), this.intervalMs);
      // Health refreshes never keep the process (or a test run) alive.
      this.#timer.unref();
    });
  }

  async #run(name: string, redactor: Redactor): Promise<void> {
    if (this.#inFlight.has(name)) return;
    const controller = new AbortController();
    this.#inFlight.set(name, controller);
    const started = performance.now();
    // Through then() so a check that throws synchronously still becomes a rejection.
    const work = Promise.resolve().then(() => this.#checks[name](controller.signal));
    const settled = () => {
      if (this.#inFlight.get(name) === controller) this.#inFlight.delete(name);
    };
    work.then(settled, settled);
    let result: HealthCheckResult;
    try {
      result = await withDeadline(name, this.timeoutMs, controller, work);
    } catch (error) {
      if (error instanceof SnapshotStoppedError) return;
      result = { status: "Unhealthy", description: describeFailure(error) };
    }
    const durationMs = performance.now() - started;
    this.#records.set(name, { entry: sanitize(result, durationMs, redactor), durationMs, checkedAt: this.#now() });
  }
}

/** A failure as one short line: the error's name and message (lines joined), never its stack or cause. */
export function describeFailure(error: unknown): string {
  // Duck-typed: errors from Node's internals (fetch, sockets) may come from another realm.
  const { name, message } = (typeof error === "object" && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (typeof message !== "string") return "The check failed without an error message.";
  return `${typeof name === "string" && name ? name : "Error"}: ${message.trim().replace(/\s*\n\s*/g, " ")}`;
}

/** Redacted, then shortened: shortening first could cut a secret so it no longer matches. */
export function safeDescription(text: string, redactor: Redactor): string {
  const redacted = redactor.redact(text);
  return redacted.length > MAX_DESCRIPTION_LENGTH ? `${redacted.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...` : redacted;
}

/** Scrubs secrets from what a check said and bounds the description's length. */
function sanitize(result: HealthCheckResult, durationMs: number, redactor: Redactor): HealthEntry {
  const entry: HealthEntry = { status: result.status, duration: timeSpan(durationMs), data: redactData(result.data ?? {}, redactor) };
  if (result.description !== undefined) {
    entry.description = safeDescription(result.description, redactor);
  }
  return entry;
}

/**
 * Redacts check data: every string scrubbed, secret-named keys replaced whole. Unlike
 * Redactor.redactValue it keeps long arrays whole: the per-tenant list may exceed 100 entries.
 */
function redactData(data: Record<string, unknown>, redactor: Redactor): Record<string, unknown> {
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return redactor.redact(value);
    if (value === null || typeof value !== "object") return typeof value === "function" || typeof value === "symbol" || typeof value === "bigint" ? String(value) : value;
    if (depth > 6) return "[Truncated]";
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      out[key] = redactor.isSecretKey(key) && item !== null ? REDACTED : walk(item, depth + 1);
    }
    return out;
  };
  return walk(data, 0) as Record<string, unknown>;
}
