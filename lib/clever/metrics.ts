/**
 * Metric events the client emits through the optional `onMetric` hook, plus a small
 * in-memory collector for tests and the CLI. Metrics carry paths and counts, never tokens.
 */
import type { RetryReason } from './retry';

export type CleverMetric =
  | { type: 'request'; method: string; path: string; status: number; durationMs: number; bytes: number; attempt: number }
  | { type: 'network_error'; method: string; path: string; failure: string; durationMs: number; attempt: number }
  | { type: 'retry'; path: string; reason: RetryReason; attempt: number; delayMs: number; status?: number }
  | { type: 'rate_limited'; path: string; retryAfterMs?: number }
  | { type: 'rate_limit_wait'; delayMs: number }
  | { type: 'page'; resource: string; page: number; records: number; bytes: number; latencyMs: number };

export type CleverMetricListener = (metric: CleverMetric) => void;

export interface CleverMetricTotals {
  requests: number;
  networkErrors: number;
  retries: number;
  retriesByReason: Partial<Record<RetryReason, number>>;
  rateLimited: number;
  rateLimitWaitMs: number;
  bytes: number;
  pages: number;
  records: number;
  statusCounts: Record<number, number>;
  pageLatencyMs: number[];
}

/** Sums metrics; pass `collector.listener` as `onMetric`. Keeps at most `maxLatencies` latencies. */
export function createMetricsCollector(maxLatencies = 10_000): {
  listener: CleverMetricListener;
  totals: () => CleverMetricTotals;
} {
  const totals: CleverMetricTotals = {
    requests: 0,
    networkErrors: 0,
    retries: 0,
    retriesByReason: {},
    rateLimited: 0,
    rateLimitWaitMs: 0,
    bytes: 0,
    pages: 0,
    records: 0,
    statusCounts: {},
    pageLatencyMs: [],
  };
  const listener: CleverMetricListener = (metric) => {
    switch (metric.type) {
      case 'request':
        totals.requests++;
        totals.bytes += metric.bytes;
        totals.statusCounts[metric.status] = (totals.statusCounts[metric.status] ?? 0) + 1;
        break;
      case 'network_error':
        totals.requests++;
        totals.networkErrors++;
        break;
      case 'retry':
        totals.retries++;
        totals.retriesByReason[metric.reason] = (totals.retriesByReason[metric.reason] ?? 0) + 1;
        break;
      case 'rate_limited':
        totals.rateLimited++;
        break;
      case 'rate_limit_wait':
        totals.rateLimitWaitMs += metric.delayMs;
        break;
      case 'page':
        totals.pages++;
        totals.records += metric.records;
        if (totals.pageLatencyMs.length < maxLatencies) totals.pageLatencyMs.push(metric.latencyMs);
        break;
    }
  };
  return {
    listener,
    totals: () => ({
      ...totals,
      retriesByReason: { ...totals.retriesByReason },
      statusCounts: { ...totals.statusCounts },
      pageLatencyMs: [...totals.pageLatencyMs],
    }),
  };
}

/** Calls the listener without letting a faulty listener break a request. */
export function emitMetric(listener: CleverMetricListener | undefined, metric: CleverMetric): void {
  if (!listener) return;
  try {
    listener(metric);
  } catch {
    // A metrics sink must never fail a sync.
  }
}
