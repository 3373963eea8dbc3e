import { compileRoute } from "../../lib/devhost/routes";
import { nextRetryDelayMs } from "../../lib/devhost/retry";
import { nextOccurrence } from "../../lib/devhost/timerTriggers";

describe("route templates", () => {
  const route = compileRoute("tenants/{tenantId}/sync/{instanceId?}");
  test("binds parameters and decodes them", () => {
    expect(route.match("/tenants/district%201/sync/abc")).toEqual({ tenantId: "district 1", instanceId: "abc" });
    expect(route.match("/Tenants/t1/SYNC")).toEqual({ tenantId: "t1" });
  });
  test("rejects missing required parts and extra segments", () => {
    expect(route.match("/tenants")).toBeUndefined();
    expect(route.match("/tenants/t1/sync/a/b")).toBeUndefined();
    expect(route.match("/tenants/%E0%A4%A/sync")).toBeUndefined();
  });
  test("constraints and catch-all", () => {
    expect(compileRoute("items/{id:int}").match("/items/12")).toEqual({ id: "12" });
    expect(compileRoute("items/{id:int}").match("/items/x")).toBeUndefined();
    expect(compileRoute("files/{*path}").match("/files/a/b/c")).toEqual({ path: "a/b/c" });
  });
});

describe("host retry delays (DTFx RetryInterceptor)", () => {
  const options = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3000 };
  test("exponential backoff capped at the max interval", () => {
    expect([0, 1, 2, 3].map((i) => nextRetryDelayMs(options, i, 0, 0))).toEqual([1000, 2000, 3000, 3000]);
  });
  test("zero once the retry timeout has expired", () => {
    expect(nextRetryDelayMs({ ...options, retryTimeoutInMilliseconds: 5000 }, 1, 0, 4999)).toBe(2000);
    expect(nextRetryDelayMs({ ...options, retryTimeoutInMilliseconds: 5000 }, 1, 0, 5000)).toBe(0);
  });
});

describe("timer trigger schedules", () => {
  test("six-field NCRONTAB in UTC", () => {
    expect(new Date(nextOccurrence("0 */5 * * * *", Date.parse("2026-01-01T00:01:02Z"))).toISOString()).toBe("2026-01-01T00:05:00.000Z");
  });
  test("five-field cron is rejected with a message naming the format", () => {
    expect(() => nextOccurrence("*/5 * * * *", 0)).toThrow(/six fields/);
  });
});
