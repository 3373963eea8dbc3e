import { CUSTOM_STATUS_BUDGET_BYTES, customStatusBytes } from "../../lib/orchestration/customStatus";
import { tokenKeeperStatus } from "../../lib/tokens/tokenKeeper";

test("the keeper's custom status stays far under the host's 16 KB whatever the inputs", () => {
  const huge = "é".repeat(100_000);
  const status = tokenKeeperStatus(huge, {
    failures: Number.MAX_SAFE_INTEGER,
    last: { action: "fetched", fingerprint: huge, mode: huge as never, obtainedAt: huge, expiresAt: huge, obtainedAtMs: 0, expiresAtMs: 8.64e15 },
    nextRefreshAt: 8.64e15,
    lastRefreshedAtMs: 8.64e15,
    lastError: huge,
  });
  expect(customStatusBytes(status)).toBeLessThanOrEqual(CUSTOM_STATUS_BUDGET_BYTES);
  expect(status.lastError!.length).toBeLessThanOrEqual(300);
});
