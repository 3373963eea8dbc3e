/**
 * The named telemetry signals: constants so code, tests and Azure Monitor alert rules (see
 * README.md) all spell them the same way. Renaming one breaks an alert: add, don't rename.
 */

export const TelemetryEvents = {
  TokenRefreshed: "TokenRefreshed",
  TokenRefreshFailed: "TokenRefreshFailed",
  SyncStarted: "SyncStarted",
  SyncCompleted: "SyncCompleted",
  SyncFailed: "SyncFailed",
  SyncHeld: "SyncHeld",
  HealthUnhealthy: "HealthUnhealthy",
} as const;

export const TelemetryMetrics = {
  RecordsSynced: "RecordsSynced",
  CleverPageLatencyMs: "CleverPageLatencyMs",
  CleverRateLimited: "CleverRateLimited",
  CleverRetries: "CleverRetries",
  SyncDurationMs: "SyncDurationMs",
} as const;

export type TelemetryEventName = (typeof TelemetryEvents)[keyof typeof TelemetryEvents];
export type TelemetryMetricName = (typeof TelemetryMetrics)[keyof typeof TelemetryMetrics];
export type TelemetrySignalName = TelemetryEventName | TelemetryMetricName;

export interface TelemetrySignal {
  kind: "event" | "metric";
  /** Where it lands in Application Insights / Log Analytics. */
  table: "customEvents" | "customMetrics";
  description: string;
  /** Properties (custom dimensions) every emitter sets. */
  properties: readonly string[];
  /** Metrics only: what one value means. */
  unit?: "count" | "records" | "ms";
}

/** Every signal with what it means; README.md's alert table is checked against this in tests. */
export const TELEMETRY_SIGNALS: Readonly<Record<TelemetrySignalName, TelemetrySignal>> = {
  TokenRefreshed: {
    kind: "event",
    table: "customEvents",
    description: "A tenant's Clever access token was refreshed (or re-validated) and stored in the token cache.",
    properties: ["tenantId", "instanceId", "expiresAt"],
  },
  TokenRefreshFailed: {
    kind: "event",
    table: "customEvents",
    description: "Refreshing a tenant's Clever token failed; the keeper retries, syncs fail once the old token expires.",
    properties: ["tenantId", "instanceId", "reason"],
  },
  SyncStarted: {
    kind: "event",
    table: "customEvents",
    description: "A sync orchestration for a tenant started.",
    properties: ["tenantId", "instanceId", "runId", "mode"],
  },
  SyncCompleted: {
    kind: "event",
    table: "customEvents",
    description: "A tenant's sync finished every resource; measurements carry records and duration.",
    properties: ["tenantId", "instanceId", "runId", "mode"],
  },
  SyncFailed: {
    kind: "event",
    table: "customEvents",
    description: "A tenant's sync ended in failure; `reason` names the error class, never a secret.",
    properties: ["tenantId", "instanceId", "runId", "resource", "reason"],
  },
  SyncHeld: {
    kind: "event",
    table: "customEvents",
    description: "A tenant's full sync applied its inserts and updates but held its deletions for review (over a deletion/change threshold); approve or reject it.",
    properties: ["tenantId", "runId", "mode", "reasons"],
  },
  HealthUnhealthy: {
    kind: "event",
    table: "customEvents",
    description: "The health check found a dependency (store, tables, Key Vault, Clever) unhealthy.",
    properties: ["check", "status", "detail"],
  },
  RecordsSynced: {
    kind: "metric",
    table: "customMetrics",
    description: "Records received from Clever, one value per page, per resource.",
    properties: ["tenantId", "resource"],
    unit: "records",
  },
  CleverPageLatencyMs: {
    kind: "metric",
    table: "customMetrics",
    description: "Time to fetch one Clever page including retries and rate-limit waits.",
    properties: ["tenantId", "resource"],
    unit: "ms",
  },
  CleverRateLimited: {
    kind: "metric",
    table: "customMetrics",
    description: "Clever answered 429 Too Many Requests (one value of 1 per 429).",
    properties: ["tenantId", "resource"],
    unit: "count",
  },
  CleverRetries: {
    kind: "metric",
    table: "customMetrics",
    description: "A Clever request was retried (one value of 1 per retry); `reason` says why.",
    properties: ["tenantId", "resource", "reason"],
    unit: "count",
  },
  SyncDurationMs: {
    kind: "metric",
    table: "customMetrics",
    description: "Wall time of one sync run (or one resource when `resource` is set).",
    properties: ["tenantId", "resource"],
    unit: "ms",
  },
};
