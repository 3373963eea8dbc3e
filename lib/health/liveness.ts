import { buildReport, HealthReport } from "./report";

/**
 * The process answers, so it is alive. Dependency checks (Key Vault, SQL, Tables, Clever) come
 * from a cached snapshot, never from probing on the request path.
 */
export function livenessReport(startedAt: number, now: number = Date.now()): HealthReport {
  return buildReport(
    {
      host: {
        status: "Healthy",
        description: "The function host is running.",
        duration: "00:00:00.0000000",
        data: { uptimeSeconds: Math.round((now - startedAt) / 1000) },
      },
    },
    0,
  );
}
