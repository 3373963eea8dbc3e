import { CUSTOM_STATUS_BUDGET_BYTES, customStatusBytes } from "../../lib/orchestration/customStatus";
import { failureSummary } from "../../lib/orchestration/failureSummary";
import { ALL_RESOURCES, SYNC_PHASES } from "../../lib/sync/catalogue";
import { MAX_ERROR_CHARS, syncStatusFor } from "../../lib/sync/syncTenant";

test("a sync run's custom status stays far under the host's 16 KB in its worst case", () => {
  // Over 16 KB (UTF-16) the host fails the orchestration (MessagePayloadDataConverter.Serialize).
  const huge = "é".repeat(100_000);
  const status = syncStatusFor(huge, huge);
  status.mode = "full";
  status.phase = SYNC_PHASES.map((phase, i) => `${i + 1}/${SYNC_PHASES.length}: ${phase.join(", ")}`).sort((a, b) => b.length - a.length)[0];
  for (const resource of ALL_RESOURCES) status.resources[resource] = { state: "failed", records: Number.MAX_SAFE_INTEGER, pages: Number.MAX_SAFE_INTEGER };
  status.records = Number.MAX_SAFE_INTEGER;
  status.lastError = failureSummary(new Error(huge), MAX_ERROR_CHARS);
  expect(status.lastError.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
  expect(customStatusBytes(status)).toBeLessThanOrEqual(CUSTOM_STATUS_BUDGET_BYTES);
});
