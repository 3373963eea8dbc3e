/** The retry loop itself: which store errors it repeats, how often, and what it reports. */
import { StoreInputError, StoreQueryError, StoreUnavailableError } from "../../lib/store";
import { withRetry, type RetryEvent } from "../../lib/store/retry";

function failing(errors: Error[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return "ok";
    },
    calls: () => calls,
  };
}

const deadlock = () => new StoreQueryError("mssql", "upsert", "deadlock victim", undefined, 1205, true);

describe("withRetry", () => {
  it("repeats transient store errors on the schedule, reporting each retry, then returns", async () => {
    const events: RetryEvent[] = [];
    const run = failing([new StoreUnavailableError("mssql", "resuming", undefined, true), deadlock()]);
    await expect(withRetry("upsert", { delaysMs: [1, 2, 3], onRetry: (e) => events.push(e) }, run.attempt)).resolves.toBe("ok");
    expect(run.calls()).toBe(3);
    expect(events.map((e) => [e.operation, e.attempt, e.delayMs])).toEqual([
      ["upsert", 1, 1],
      ["upsert", 2, 2],
    ]);
  });

  it("throws a permanent error at once, and the last transient one when the schedule is spent", async () => {
    const permanent = failing([new StoreInputError("tenantId", "must be a non-empty string")]);
    await expect(withRetry("upsert", { delaysMs: [1, 1] }, permanent.attempt)).rejects.toBeInstanceOf(StoreInputError);
    expect(permanent.calls()).toBe(1);
    const spent = failing([deadlock(), deadlock(), deadlock(), deadlock()]);
    await expect(withRetry("upsert", { delaysMs: [1, 1] }, spent.attempt)).rejects.toMatchObject({ dbCode: 1205, transient: true });
    expect(spent.calls()).toBe(3);
  });

  it("leaves excluded transient errors to the caller, and survives a throwing listener", async () => {
    const timeout = failing([new StoreQueryError("mssql", "upsert", "timeout", undefined, "ETIMEOUT", true)]);
    await expect(withRetry("upsert", { delaysMs: [1] }, timeout.attempt, (e) => e instanceof StoreQueryError && e.dbCode === "ETIMEOUT")).rejects.toMatchObject({ dbCode: "ETIMEOUT" });
    expect(timeout.calls()).toBe(1);
    const run = failing([deadlock()]);
    const listener = () => {
      throw new Error("listener broke");
    };
    await expect(withRetry("upsert", { delaysMs: [1], onRetry: listener }, run.attempt)).resolves.toBe("ok");
  });
});
