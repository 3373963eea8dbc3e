/**
 * Turns the Clever client's `onMetric` hook into named telemetry. Per-request events (status,
 * bytes, duration) are not sent: a page is the unit that matters, and the page event already
 * carries records and latency. 429s and retries are sent as they happen (they are rare and an
 * alert must see them even when the page never completes); the SDK aggregates metric values in
 * memory, so this is one item per export interval, not one per call.
 */
import type { CleverMetric, CleverMetricListener } from "../clever/metrics";
import { CLEVER_LIST_RESOURCES } from "../clever/types";
import type { Logger } from "./logger";
import { TelemetryMetrics } from "./signals";
import type { TelemetryProperties } from "./types";

const KNOWN_RESOURCES: ReadonlySet<string> = new Set(CLEVER_LIST_RESOURCES);

/**
 * A CleverMetricListener that emits RecordsSynced and CleverPageLatencyMs per page,
 * CleverRateLimited per 429 and CleverRetries per retry, each with `baseProperties` (keep them
 * low-cardinality: tenantId yes, runId no — it would make every run its own metric series).
 */
export function cleverMetricsToTelemetry(logger: Logger, baseProperties: TelemetryProperties = {}): CleverMetricListener {
  return (metric: CleverMetric) => {
    switch (metric.type) {
      case "page": {
        const properties = { ...baseProperties, resource: metric.resource };
        logger.metric(TelemetryMetrics.RecordsSynced, metric.records, properties);
        logger.metric(TelemetryMetrics.CleverPageLatencyMs, metric.latencyMs, properties);
        return;
      }
      case "rate_limited":
        logger.metric(TelemetryMetrics.CleverRateLimited, 1, { ...baseProperties, resource: resourceOfPath(metric.path) });
        return;
      case "retry":
        logger.metric(TelemetryMetrics.CleverRetries, 1, { ...baseProperties, resource: resourceOfPath(metric.path), reason: metric.reason });
        return;
      case "request":
      case "network_error":
      case "rate_limit_wait":
        // Folded into the page latency; a network error that matters shows up as a retry.
        return;
    }
  };
}

/**
 * `/v3.0/users` → "users"; a bounded dimension: paths with ids, or anything unexpected, map to
 * "other" so a metric never gets one series per record.
 */
export function resourceOfPath(path: string): string {
  const segments = path.split("?")[0].split("/").filter((segment) => segment.length > 0);
  const version = segments.findIndex((segment) => /^v\d+(\.\d+)?$/.test(segment));
  const candidate = version >= 0 ? segments[version + 1] : segments[0];
  return candidate !== undefined && KNOWN_RESOURCES.has(candidate) ? candidate : "other";
}
