/** The snapshot: background refresh, per-check deadlines, warming up, redaction, start/stop. */
import { CheckTimeoutError } from "../../lib/health/deadline";
import { HealthSnapshot, UnknownHealthCheckError, WARMING_UP_DESCRIPTION, type HealthCheck, type HealthCheckResult } from "../../lib/health/snapshot";

function counting(result: HealthCheckResult | (() => Promise<HealthCheckResult>)): HealthCheck & { calls: number } {
  const check = Object.assign(
    async () => {
      check.calls += 1;
      return typeof result === "function" ? result() : result;
    },
    { calls: 0 },
  );
  return check;
}

const healthy: HealthCheckResult = { status: "Healthy", description: "fine", data: { n: 1 } };
const never = () => new Promise<HealthCheckResult>(() => undefined);

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("before the first refresh every check is Degraded 'warming up'", () => {
  const snapshot = new HealthSnapshot({ checks: { a: counting(healthy) } });
  expect(snapshot.record("a")).toEqual({ entry: { status: "Degraded", description: WARMING_UP_DESCRIPTION, duration: "00:00:00.0000000", data: {} }, durationMs: 0 });
  expect(() => snapshot.record("nope")).toThrow(UnknownHealthCheckError);
});

test("refresh records each result with its duration and checkedAt", async () => {
  const snapshot = new HealthSnapshot({ checks: { a: counting(healthy), b: counting({ status: "Degraded" }) }, now: () => 1_000 });
  await snapshot.refresh();
  expect(snapshot.record("a")).toMatchObject({ entry: { status: "Healthy", description: "fine", data: { n: 1 } }, checkedAt: 1_000 });
  expect(snapshot.record("a").entry.duration).toMatch(/^00:00:00\.\d{7}$/);
  expect(snapshot.record("b").entry).toEqual({ status: "Degraded", duration: expect.any(String), data: {} });
  expect(snapshot.refreshes).toBe(1);
});

test("a check that throws (even synchronously) becomes Unhealthy with a one-line description", async () => {
  class DependencyDownError extends Error {
    override readonly name = "DependencyDownError";
  }
  const snapshot = new HealthSnapshot({
    checks: {
      async: async () => {
        throw new DependencyDownError("down:\n  - first reason\n  - second reason");
      },
      sync: () => {
        throw new Error("sync boom");
      },
      thrownString: async () => {
        throw "not an error";
      },
    },
  });
  await snapshot.refresh();
  expect(snapshot.record("async").entry).toMatchObject({ status: "Unhealthy", description: "DependencyDownError: down: - first reason - second reason" });
  expect(snapshot.record("sync").entry).toMatchObject({ status: "Unhealthy", description: "Error: sync boom" });
  expect(snapshot.record("thrownString").entry).toMatchObject({ status: "Unhealthy", description: "The check failed without an error message." });
});

test("a check that never answers is Unhealthy after its deadline; the others are unaffected and on time", async () => {
  const fast = counting(healthy);
  let aborted: unknown;
  const hung: HealthCheck = (signal) => {
    signal.addEventListener("abort", () => (aborted = signal.reason));
    return never();
  };
  const snapshot = new HealthSnapshot({ checks: { fast, hung }, timeoutMs: 150 });
  const started = Date.now();
  const refresh = snapshot.refresh();
  await waitFor(() => snapshot.record("fast").checkedAt !== undefined);
  // The fast check's result is readable while the hung one is still pending.
  expect(snapshot.record("fast").entry.status).toBe("Healthy");
  expect(snapshot.record("hung").entry.description).toBe(WARMING_UP_DESCRIPTION);
  await refresh;
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(140);
  expect(elapsed).toBeLessThan(2_000);
  expect(snapshot.record("hung").entry).toMatchObject({ status: "Unhealthy", description: "CheckTimeoutError: The hung check did not answer within 150 ms." });
  expect(aborted).toBeInstanceOf(CheckTimeoutError);
});

test("a check still pending past its deadline is not started again by the next refresh", async () => {
  let release: (r: HealthCheckResult) => void = () => undefined;
  const slow = counting(() => new Promise<HealthCheckResult>((resolve) => (release = resolve)));
  const snapshot = new HealthSnapshot({ checks: { slow }, timeoutMs: 20 });
  await snapshot.refresh();
  await snapshot.refresh();
  expect(slow.calls).toBe(1);
  expect(snapshot.record("slow").entry.status).toBe("Unhealthy");
  release(healthy);
  await new Promise((resolve) => setImmediate(resolve));
  await snapshot.refresh();
  expect(slow.calls).toBe(2);
});

test("start refreshes at once, then every interval; stop ends it", async () => {
  const check = counting(healthy);
  const snapshot = new HealthSnapshot({ checks: { a: check }, intervalMs: 40 });
  snapshot.start();
  snapshot.start(); // idempotent
  expect(snapshot.running).toBe(true);
  await waitFor(() => snapshot.refreshes >= 3);
  snapshot.stop();
  const calls = check.calls;
  await new Promise((resolve) => setTimeout(resolve, 120));
  expect(check.calls).toBe(calls);
  expect(snapshot.running).toBe(false);
  // Results stay readable after stop.
  expect(snapshot.record("a").entry.status).toBe("Healthy");
});

test("stop aborts checks in flight at once and records nothing for them", async () => {
  let signal: AbortSignal | undefined;
  const snapshot = new HealthSnapshot({
    checks: {
      a: (s) => {
        signal = s;
        return never();
      },
    },
    timeoutMs: 60_000,
  });
  const refresh = snapshot.refresh();
  await waitFor(() => signal !== undefined);
  snapshot.stop();
  expect(signal?.aborted).toBe(true);
  await refresh;
  expect(snapshot.record("a").entry.description).toBe(WARMING_UP_DESCRIPTION);
});

test("the first refresh starts with start(), not after an interval", async () => {
  const check = counting(healthy);
  const snapshot = new HealthSnapshot({ checks: { a: check }, intervalMs: 60_000 });
  snapshot.start();
  try {
    await waitFor(() => snapshot.refreshes === 1, 1_000);
    expect(check.calls).toBe(1);
  } finally {
    snapshot.stop();
  }
});

test("descriptions and data are scrubbed of known secrets and secret-looking values, and long lists stay whole", async () => {
  const sqlConnection = "Server=tcp:db.example.net;Database=roster;User ID=app;Password=Sup3r-S3cret-Pass;";
  const snapshot = new HealthSnapshot({
    checks: {
      leaky: async () => ({
        status: "Unhealthy",
        description: `login failed for ${sqlConnection} via AccountKey=abcdEFGHijklMNOP== and the client secret s3cr3t-value-123`,
        data: { connectionString: sqlConnection, accessToken: "tok-abcdefgh", note: `saw s3cr3t-value-123`, items: Array.from({ length: 150 }, (_, i) => ({ i })) },
      }),
    },
    secrets: () => [sqlConnection, "s3cr3t-value-123", undefined],
  });
  await snapshot.refresh();
  const entry = snapshot.record("leaky").entry;
  const text = JSON.stringify(entry);
  for (const secret of ["Sup3r-S3cret-Pass", "abcdEFGHijklMNOP", "s3cr3t-value-123", "tok-abcdefgh"]) expect(text).not.toContain(secret);
  expect(entry.data.connectionString).toBe("[REDACTED]");
  expect((entry.data.items as unknown[]).length).toBe(150);
});

test("a secret straddling the length limit is redacted before shortening", async () => {
  const secret = "straddling-secret-value-0123456789";
  // "Error: " + 272 + " " puts the secret at 280..314: cutting at 300 first would keep its first 17 characters.
  const snapshot = new HealthSnapshot({
    checks: {
      a: async () => {
        throw new Error(`${"x".repeat(272)} ${secret}`);
      },
    },
    secrets: () => [secret],
  });
  await snapshot.refresh();
  const description = snapshot.record("a").entry.description ?? "";
  expect(description.endsWith(" [REDACTED]")).toBe(true);
  expect(description).not.toContain(secret.slice(0, 10));
});

test("long descriptions are shortened", async () => {
  const snapshot = new HealthSnapshot({ checks: { a: async () => ({ status: "Degraded", description: "x".repeat(1_000) }) } });
  await snapshot.refresh();
  expect(snapshot.record("a").entry.description).toHaveLength(300);
});

test("refresh of an unknown check is refused", async () => {
  const snapshot = new HealthSnapshot({ checks: { a: counting(healthy) } });
  await expect(snapshot.refresh(["b"])).rejects.toThrow(UnknownHealthCheckError);
});

test("stop then start keeps a single refresh timer", async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const check = counting(async () => {
    await gate;
    return healthy;
  });
  const snapshot = new HealthSnapshot({ checks: { a: check }, intervalMs: 30 });
  snapshot.start();
  snapshot.stop(); // the first refresh is aborted...
  snapshot.start(); // ...and a new one begins
  release();
  try {
    await waitFor(() => check.calls >= 4);
    const calls = check.calls;
    await new Promise((resolve) => setTimeout(resolve, 150));
    // One chain: about 5 more refreshes in 150 ms, not twice that.
    expect(check.calls - calls).toBeLessThanOrEqual(6);
  } finally {
    snapshot.stop();
  }
});
