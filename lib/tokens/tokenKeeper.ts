import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { boundedText } from "../orchestration/customStatus";
import { failureSummary } from "../orchestration/failureSummary";
import { backoffAfterFailures, KeeperPolicy, nextRefreshAfterSuccess } from "./policy";
import type { RefreshInput, RefreshReason, RefreshResult } from "./refresh";

export const TOKEN_KEEPER = "tokenKeeper";
export const REFRESH_TOKEN_ACTIVITY = "refreshToken";
export const REFRESH_NOW_EVENT = "refreshNow";

export function tokenKeeperInstanceId(tenantId: string): string {
  return `token:${tenantId}`;
}

export interface TokenKeeperInput {
  tenantId: string;
  policy: KeeperPolicy;
  reason?: RefreshReason;
  staleFingerprint?: string;
  consecutiveFailures?: number;
  last?: RefreshResult | null;
  /** Epoch ms of the last real refresh (numbers: the host re-formats date-like strings in state). */
  lastRefreshedAtMs?: number | null;
}

/** Payload of the refreshNow event: who asked, and which token they saw fail. */
export interface RefreshNowEvent {
  staleFingerprint?: string;
  requestedBy?: string;
}

/** Custom status of token:{tenantId}, read by health checks and Durable Functions Monitor. */
export interface TokenKeeperStatus {
  tenantId: string;
  state: "valid" | "failing";
  mode: string | null;
  fingerprint: string | null;
  expiresAt: string | null;
  nextRefreshAt: string;
  lastRefreshedAt: string | null;
  consecutiveFailures: number;
  lastError: string | null;
}

/**
 * The eternal per-tenant token orchestrator: refresh (with durable retry) → wait for the
 * scheduled time or a refreshNow event → continueAsNew. It never ends on failure: it backs
 * off to a cap and keeps trying, reporting its state in custom status.
 */
export function* tokenKeeperOrchestrator(context: OrchestrationContext): Generator<df.Task, void, unknown> {
  const input = context.df.getInput<TokenKeeperInput>();
  const now = context.df.currentUtcDateTime.getTime();
  const retry = new df.RetryOptions(5_000, 3);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 30_000;

  const request: RefreshInput = { tenantId: input.tenantId, reason: input.reason ?? "start", staleFingerprint: input.staleFingerprint };
  let failures = input.consecutiveFailures ?? 0;
  let last = input.last ?? null;
  let lastRefreshedAtMs = input.lastRefreshedAtMs ?? null;
  let lastError: string | null = null;
  let nextRefreshAt: number;
  try {
    const result = (yield context.df.callActivityWithRetry(REFRESH_TOKEN_ACTIVITY, retry, request)) as RefreshResult;
    const after = context.df.currentUtcDateTime.getTime();
    failures = 0;
    last = result;
    if (result.action !== "reused") lastRefreshedAtMs = after;
    // Numbers only: no decision reads the text of a date that went through durable state.
    nextRefreshAt = nextRefreshAfterSuccess(input.policy, after, result.obtainedAtMs, result.expiresAtMs ?? undefined);
  } catch (error) {
    failures += 1;
    lastError = failureSummary(error);
    nextRefreshAt = context.df.currentUtcDateTime.getTime() + backoffAfterFailures(input.policy, failures);
  }

  context.df.setCustomStatus(tokenKeeperStatus(input.tenantId, { failures, last, nextRefreshAt, lastRefreshedAtMs, lastError }));

  const timer = context.df.createTimer(new Date(Math.max(nextRefreshAt, now)));
  const nudge = context.df.waitForExternalEvent(REFRESH_NOW_EVENT);
  const winner = yield context.df.Task.any([timer, nudge]);
  let next: Pick<TokenKeeperInput, "reason" | "staleFingerprint"> = { reason: "scheduled" };
  if (winner === nudge) {
    timer.cancel();
    next = { reason: "refreshNow", staleFingerprint: (nudge.result as RefreshNowEvent | undefined)?.staleFingerprint };
  }
  context.df.continueAsNew({ tenantId: input.tenantId, policy: input.policy, ...next, consecutiveFailures: failures, last, lastRefreshedAtMs } satisfies TokenKeeperInput);
}

/**
 * The keeper's custom status, from bounded parts so its worst case stays far under the host's
 * 16 KB limit (lib/orchestration/customStatus.ts): short ids and enums cut to 128 characters,
 * times written from epoch ms, lastError cut to 300 characters.
 */
export function tokenKeeperStatus(
  tenantId: string,
  state: { failures: number; last: RefreshResult | null; nextRefreshAt: number; lastRefreshedAtMs: number | null; lastError: string | null },
): TokenKeeperStatus {
  const { last } = state;
  const cut = (text: string | null | undefined) => (text === null || text === undefined ? null : boundedText(String(text), 128));
  return {
    tenantId: boundedText(tenantId, 128),
    state: state.failures === 0 ? "valid" : "failing",
    mode: cut(last?.mode),
    fingerprint: cut(last?.fingerprint),
    expiresAt: typeof last?.expiresAtMs === "number" ? new Date(last.expiresAtMs).toISOString() : null,
    nextRefreshAt: new Date(state.nextRefreshAt).toISOString(),
    lastRefreshedAt: state.lastRefreshedAtMs === null ? null : new Date(state.lastRefreshedAtMs).toISOString(),
    consecutiveFailures: state.failures,
    lastError: state.lastError === null ? null : boundedText(state.lastError, 300),
  };
}
