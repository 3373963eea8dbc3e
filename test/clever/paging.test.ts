import { CLEVER_ROSTER_RESOURCES, CLEVER_USER_ROLES, CleverConfigError, type CleverClient } from '../../lib/clever';
import type { CleverSimulator } from '../../lib/simulator';
import { caught, clientFor, collect, groundTruth, startSimulator } from './harness';

describe('CleverClient paging against the simulator', () => {
  let sim: CleverSimulator;
  let client: CleverClient;
  let metrics: ReturnType<typeof clientFor>['metrics'];

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, users: 700, contacts: true });
    ({ client, metrics } = clientFor(sim, { pageSize: 97 }));
  });
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });

  it.each(CLEVER_ROSTER_RESOURCES)('pages all %s and gets exactly the ground-truth records', async (resource) => {
    const records = await collect(client.records(resource));
    expect(records).toEqual(await groundTruth(sim, resource));
  });

  it.each(CLEVER_USER_ROLES)('pages users with role=%s exactly', async (role) => {
    const records = await collect(client.records('users', { role }));
    const truth = await groundTruth(sim, 'users', role);
    expect(truth.length).toBeGreaterThan(0);
    expect(records).toEqual(truth);
  });

  it('numbers pages, marks the last one and reports checkpoints', async () => {
    const pages = await collect(client.pages('users'));
    expect(pages.map((p) => p.number)).toEqual(pages.map((_, i) => i + 1));
    expect(pages.length).toBe(Math.ceil(700 / 97));
    expect(pages.slice(0, -1).every((p) => p.hasNext && p.records.length === 97)).toBe(true);
    expect(pages[pages.length - 1]!.hasNext).toBe(false);
    for (const page of pages) expect(page.lastId).toBe(page.records[page.records.length - 1]!.id);
    expect(pages.every((p) => p.bytes > 0)).toBe(true);
  });

  it('resumes after a checkpoint id', async () => {
    const all = await groundTruth(sim, 'sections');
    const [first, second] = await collect(client.pages('sections', { limit: 40 }));
    const rest = await collect(client.records('sections', { limit: 40, startingAfter: second!.lastId }));
    expect([...first!.records, ...second!.records, ...rest]).toEqual(all);
  });

  it('asks for 10000 records per page by default, the most Clever allows', async () => {
    const { client: bigPages, metrics: bigMetrics } = clientFor(sim);
    const pages = await collect(bigPages.pages('users'));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.records).toHaveLength(700);
    expect(bigMetrics.totals().requests).toBe(1);
    await bigPages.close();
  });

  it('refuses page sizes Clever would answer 413 to', async () => {
    expect(() => client.pages('users', { limit: 10_001 })).toThrow(CleverConfigError);
    expect(() => clientFor(sim, { pageSize: 0 })).toThrow(/pageSize must be an integer from 1 to 10000/);
  });

  it('reads single records and /me', async () => {
    const district = sim.district();
    const userId = district.idAt('users', 42);
    expect(await client.get('users', userId)).toEqual(district.get('users', userId));
    const me = await client.me();
    expect(me.type).toBe('district');
    expect(me.data.id).toBe(district.id);
    const missing = await caught(client.get('schools', 'ffffffffffffffffffffffff'));
    expect(missing).toMatchObject({ name: 'CleverRequestError', status: 404 });
  });

  it('emits request and page metrics', async () => {
    const before = metrics.totals();
    await collect(client.pages('courses', { limit: 30 }));
    const after = metrics.totals();
    expect(after.pages - before.pages).toBe(3);
    expect(after.records - before.records).toBe(78);
    expect(after.requests - before.requests).toBe(3);
    expect(after.bytes).toBeGreaterThan(before.bytes);
  });
});
