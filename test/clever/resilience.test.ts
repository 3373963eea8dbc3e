import { CleverNetworkError, CleverRateLimitError, CleverRequestError, CleverServerError } from '../../lib/clever';
import type { CleverSimulator } from '../../lib/simulator';
import { caught, clientFor, collect, groundTruth, manualClock, startSimulator } from './harness';

describe('CleverClient resilience against injected faults', () => {
  let sim: CleverSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 21, users: 400 });
  });
  afterEach(() => sim.clearFaults());
  afterAll(async () => {
    await sim.stop();
  });

  it('waits out 429s for the Retry-After the server sent, then finishes the sync', async () => {
    const { client, metrics, sleeps } = clientFor(sim, { pageSize: 100 });
    sim.injectNext({ kind: 'rate_limit', retryAfterSeconds: 7 }, { count: 2 });
    const records = await collect(client.records('users'));
    expect(records).toEqual(await groundTruth(sim, 'users'));
    expect(sleeps).toEqual([7000, 7000]);
    const totals = metrics.totals();
    expect(totals.rateLimited).toBe(2);
    expect(totals.retriesByReason.rate_limited).toBe(2);
    expect(totals.statusCounts[429]).toBe(2);
    await client.close();
  });

  it('without Retry-After waits until X-RateLimit-Reset', async () => {
    const clock = manualClock(Date.UTC(2025, 0, 6, 12, 0, 15));
    const local = await startSimulator({ seed: 22, users: 50, now: clock.now });
    const { client } = clientFor(local, { now: clock.now, sleep: clock.sleep });
    local.injectNext({ kind: 'rate_limit', retryAfterSeconds: null });
    await collect(client.records('schools'));
    // The fixed window resets on the minute: 45 s after 12:00:15.
    expect(clock.sleeps).toEqual([45_000]);
    await client.close();
    await local.stop();
  });

  it('paces itself on X-RateLimit-Remaining so the window never overflows', async () => {
    const clock = manualClock(Date.UTC(2025, 0, 6, 12, 0, 0));
    const local = await startSimulator({ seed: 23, users: 300, now: clock.now, rateLimit: { limit: 3, windowSeconds: 60 } });
    const { client, metrics } = clientFor(local, { now: clock.now, sleep: clock.sleep, pageSize: 40 });
    const records = await collect(client.records('users'));
    expect(records).toEqual(await groundTruth(local, 'users'));
    expect(local.requestStats().byStatus[429]).toBeUndefined();
    expect(clock.sleeps.length).toBe(2); // 8 pages at 3 per window: two waits
    expect(metrics.totals().rateLimitWaitMs).toBe(120_000);
    await client.close();
    await local.stop();
  });

  it('a real over-limit 429 from the fixed window is waited out too', async () => {
    const clock = manualClock(Date.UTC(2025, 0, 6, 12, 0, 50));
    const local = await startSimulator({ seed: 24, users: 300, now: clock.now, rateLimit: { limit: 2, windowSeconds: 60 } });
    const token = local.districtToken();
    // Spend the window from outside the client, so the client's first request is refused.
    for (let i = 0; i < 2; i++) await fetch(`${local.url}/v3.0/me`, { headers: { authorization: `Bearer ${token}` } });
    const { client, metrics } = clientFor(local, { now: clock.now, sleep: clock.sleep });
    expect((await client.me()).data.id).toBe(local.district().id);
    expect(clock.sleeps).toEqual([10_000]);
    expect(metrics.totals().rateLimited).toBe(1);
    await client.close();
    await local.stop();
  });

  it('retries 5xx with backoff and counts the retries', async () => {
    const { client, metrics, sleeps } = clientFor(sim, { pageSize: 100, random: () => 0.5, retry: { baseDelayMs: 100 } });
    sim.injectNext({ kind: 'status', status: 503 }, { count: 2 });
    sim.injectNext({ kind: 'status', status: 502 });
    const records = await collect(client.records('sections'));
    expect(records).toEqual(await groundTruth(sim, 'sections'));
    expect(metrics.totals().retriesByReason.server_error).toBe(3);
    // Full jitter with random()=0.5: half of 100, 200, 400 ms.
    expect(sleeps).toEqual([50, 100, 200]);
    await client.close();
  });

  it('retries connection resets and timeouts', async () => {
    const { client, metrics } = clientFor(sim, { pageSize: 100, timeoutMs: 150 });
    sim.injectNext({ kind: 'reset' }, { count: 2 });
    sim.injectNext({ kind: 'latency', ms: 600 });
    const records = await collect(client.records('users'));
    expect(records).toEqual(await groundTruth(sim, 'users'));
    const totals = metrics.totals();
    expect(totals.retriesByReason.connection).toBe(2);
    expect(totals.retriesByReason.timeout).toBe(1);
    expect(totals.networkErrors).toBe(3);
    await client.close();
  });

  it('gives up after maxAttempts with a CleverServerError', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 3 } });
    sim.injectNext({ kind: 'status', status: 500 }, { count: 10 });
    const error = await caught(collect(client.records('schools')));
    expect(error).toBeInstanceOf(CleverServerError);
    expect(error).toMatchObject({ status: 500, attempts: 3, path: '/v3.0/schools' });
    expect(error.message).toContain('500');
    await client.close();
  });

  it('gives up on endless resets with a CleverNetworkError', async () => {
    const { client } = clientFor(sim, { retry: { maxAttempts: 2 } });
    sim.injectNext({ kind: 'reset' }, { count: 5 });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverNetworkError);
    expect(error).toMatchObject({ failure: 'connection', attempts: 2 });
    await client.close();
  });

  it('does not retry other 4xx', async () => {
    const { client, metrics } = clientFor(sim);
    sim.injectNext({ kind: 'status', status: 400 });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverRequestError);
    expect(metrics.totals().requests).toBe(1);
    await client.close();
  });

  it('refuses to sit through a Retry-After longer than allowed', async () => {
    const { client, sleeps } = clientFor(sim, { retry: { maxRetryAfterMs: 60_000 } });
    sim.injectNext({ kind: 'rate_limit', retryAfterSeconds: 3600 });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverRateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
    await client.close();
  });

  it('syncs correctly through seeded random faults', async () => {
    const before = sim.requestStats().faults;
    sim.setFaults({ seed: 99, serverErrorRate: 0.2, connectionResetRate: 0.1, rateLimitBurstRate: 0.05, rateLimitBurstLength: 2 });
    const { client, metrics } = clientFor(sim, { pageSize: 25, retry: { maxAttempts: 10 } });
    const records = await collect(client.records('users'));
    expect(records).toEqual(await groundTruth(sim, 'users'));
    const after = sim.requestStats().faults;
    const injected = after.serverErrors - before.serverErrors + (after.resets - before.resets) + (after.rateLimited - before.rateLimited);
    expect(injected).toBeGreaterThan(0);
    expect(metrics.totals().retries).toBe(injected);
    await client.close();
  });
});
