import { TelemetryEvents, TelemetryMetrics } from "../telemetry";
import type { FinishInput, FinishResult } from "../sync/runLifecycle";
import type { SyncPlan } from "../sync/types";
import type { RefreshResult } from "../tokens";
import { Services } from "./services";

/**
 * Known secret values go to the redactor as soon as this process holds them, so nothing logged
 * later can carry them (client secrets from the credential store, the tenant's current token).
 */
export async function registerSecrets(services: Services, tenantId: string): Promise<void> {
  for (const value of services.credentials.knownSecretValues()) services.logger.redactor.addSecret(value);
  const token = await services.tokenCache.get(tenantId).catch(() => undefined);
  if (token) services.logger.redactor.addSecret(token.accessToken);
}

export function tokenRefreshed(services: Services, tenantId: string, result: RefreshResult): void {
  services.logger.event(TelemetryEvents.TokenRefreshed, { tenantId, mode: result.mode, action: result.action, tokenFingerprint: result.fingerprint, expiresAt: result.expiresAt ?? "never" });
}

export function tokenRefreshFailed(services: Services, tenantId: string, error: unknown): void {
  services.logger.event(TelemetryEvents.TokenRefreshFailed, { tenantId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}

export function syncStarted(services: Services, tenantId: string, runId: string, plan: SyncPlan): void {
  services.logger.event(TelemetryEvents.SyncStarted, { tenantId, runId, mode: plan.mode, reason: plan.reason });
}

export function syncFinished(services: Services, input: FinishInput, durationMs: number | undefined, result?: FinishResult): void {
  const properties = { tenantId: input.tenantId, runId: input.runId, mode: input.plan?.mode ?? "unknown" };
  // A held run applied its inserts and updates; its deletions wait for review (alert rule: bicep/modules/alerts.bicep).
  if (result?.status === "held") services.logger.event(TelemetryEvents.SyncHeld, { ...properties, reasons: (result.reasons ?? []).join("; ") });
  else if (input.status === "completed") services.logger.event(TelemetryEvents.SyncCompleted, properties);
  else services.logger.event(TelemetryEvents.SyncFailed, { ...properties, error: input.error ?? "unknown" });
  if (durationMs !== undefined) services.logger.metric(TelemetryMetrics.SyncDurationMs, durationMs, { mode: properties.mode, status: input.status });
}
