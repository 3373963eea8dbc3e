import { CleverSimulator } from '../../lib/simulator';
import { FaultController } from '../../lib/simulator/faults';

describe('fault injection', () => {
  const roll = (controller: FaultController, n: number) =>
    Array.from({ length: n }, () => controller.decide({ target: 'data', path: '/v3.0/users' }).action?.type ?? 'ok');

  it('is reproducible for a seed and differs across seeds', () => {
    const config = { serverErrorRate: 0.2, connectionResetRate: 0.1, rateLimitBurstRate: 0.1, rateLimitBurstLength: 3 };
    const a = roll(new FaultController({ ...config, seed: 7 }), 200);
    const b = roll(new FaultController({ ...config, seed: 7 }), 200);
    const c = roll(new FaultController({ ...config, seed: 8 }), 200);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set(['ok', 'status', 'reset', 'rate_limit']));
    // Bursts come in runs of 3.
    const runs = a.join(',').split(/,?(?:ok|status|reset),?/).filter(Boolean);
    expect(runs.every((run) => run.split(',').length % 3 === 0)).toBe(true);
  });

  it('scripted faults come first and only for matching requests', () => {
    const controller = new FaultController();
    controller.enqueue({ kind: 'status', status: 503 }, { count: 2, path: '/v3.0/sections' });
    expect(controller.decide({ target: 'data', path: '/v3.0/users' }).action).toBeUndefined();
    expect(controller.decide({ target: 'oauth', path: '/v3.0/sections' }).action).toBeUndefined();
    expect(controller.decide({ target: 'data', path: '/v3.0/sections' }).action).toEqual({ type: 'status', status: 503 });
    expect(controller.decide({ target: 'data', path: '/v3.0/sections' }).action).toEqual({ type: 'status', status: 503 });
    expect(controller.decide({ target: 'data', path: '/v3.0/sections' }).action).toBeUndefined();
  });

  it('validates rates', () => {
    expect(() => new FaultController({ serverErrorRate: 2 })).toThrow(/between 0 and 1/);
  });

  describe('over HTTP, changeable at runtime', () => {
    let sim: CleverSimulator;
    const me = () => fetch(`${sim.url}/v3.0/me`, { headers: { authorization: `Bearer ${sim.districtToken()}` } });

    beforeAll(async () => {
      sim = new CleverSimulator({ seed: 81, users: 50, rateLimit: false });
      await sim.start();
    });
    afterAll(async () => {
      await sim.stop();
    });

    it('5xx rate, latency and resets', async () => {
      sim.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });
      expect((await me()).status).toBe(503);
      sim.updateFaults({ serverErrorRate: 0, latencyMs: 120 });
      const started = Date.now();
      expect((await me()).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      sim.setFaults({ connectionResetRate: 1 });
      await expect(me()).rejects.toThrow();
      sim.clearFaults();
      expect((await me()).status).toBe(200);
      expect(sim.requestStats().faults).toMatchObject({ serverErrors: 1, resets: 1, delayed: 1 });
    });

    it('429 bursts carry Retry-After', async () => {
      sim.setFaults({ rateLimitBurstRate: 1, rateLimitBurstLength: 2, retryAfterSeconds: 4 });
      const res = await me();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('4');
      sim.clearFaults();
    });
  });
});
