/**
 * Contract: every endpoint the simulator serves answers in the shapes Clever publishes, checked
 * against our own schemas written from Clever's spec (cleverSchemas.ts), for API v3.0 and v3.1.
 */
import { z } from 'zod';
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';
import { manualClock } from '../clever/harness';
import { districtTokenList, errorBody, eventSchema, listEnvelope, oauthTokenResponse, recordSchemas, singleEnvelope } from './cleverSchemas';

const KINDS = ['districts', 'schools', 'terms', 'courses', 'sections', 'users'] as const;
const basic = `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64')}`;

function expectValid(schema: z.ZodType, body: unknown, where: string): void {
  const result = schema.safeParse(body);
  if (!result.success) throw new Error(`${where} does not follow Clever's spec:\n${result.error.issues.slice(0, 5).map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
}

describe.each(['v3.0', 'v3.1'] as const)('simulator answers follow Clever %s', (version) => {
  const clock = manualClock(Date.UTC(2025, 2, 3, 9, 0, 10));
  let sim: CleverSimulator;
  let token: string;
  const get = async (path: string) => {
    const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, headers: res.headers, body: res.status === 429 ? await res.text() : ((await res.json()) as unknown) };
  };
  /** Every page of a list, following next links. */
  async function all(path: string): Promise<unknown[]> {
    const pages: unknown[] = [];
    let next: string | undefined = path;
    while (next) {
      const { status, body } = await get(next);
      expect(status).toBe(200);
      pages.push(body);
      next = (body as { links: { rel: string; uri: string }[] }).links.find((l) => l.rel === 'next')?.uri;
    }
    return pages;
  }

  beforeAll(async () => {
    sim = new CleverSimulator({ seed: 5, users: 300, now: clock.now, rateLimit: { limit: 100_000, windowSeconds: 60 } });
    await sim.start();
    token = sim.districtToken();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it.each(KINDS)('GET /%s (every page) and GET /%s/{id}', async (kind) => {
    const schema = recordSchemas(version)[kind];
    const pages = await all(`/${version}/${kind}?limit=200`);
    for (const [i, page] of pages.entries()) expectValid(listEnvelope(schema), page, `GET /${version}/${kind} page ${i + 1}`);
    const first = (pages[0] as { data: { data: { id: string } }[] }).data[0]!.data.id;
    const one = await get(`/${version}/${kind}/${first}`);
    expectValid(singleEnvelope(schema), one.body, `GET /${version}/${kind}/{id}`);
  });

  it('serves contacts (role=contact) by default, with the whole name in name.last', async () => {
    const { body } = await get(`/${version}/users?role=contact&limit=5`);
    const users = (body as { data: { data: { name: { first?: string; last?: string }; roles: Record<string, unknown> } }[] }).data.map((d) => d.data);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      expect(Object.keys(user.roles)).toEqual(['contact']);
      expect(user.name.first).toBeUndefined();
      expect(user.name.last).toMatch(/\S+ \S+/);
    }
  });

  it('GET /events after created, updated and deleted records of each kind, and GET /events/{id}', async () => {
    const district = sim.district();
    for (const kind of ['schools', 'terms', 'courses', 'sections', 'users'] as const) {
      const id = district.idAt(kind, 0);
      sim.update(kind, id, { name: kind === 'users' ? { first: 'Renamed', last: 'Person' } : `Renamed ${kind}` });
    }
    const created = sim.create('courses', { name: 'New course', number: 'N-1' });
    sim.remove('courses', created.id);
    sim.update('districts', district.id, { name: 'Renamed district' });
    const pages = await all(`/${version}/events?limit=3`);
    const events = pages.flatMap((p) => (p as { data: { data: { id: string; type: string } }[] }).data.map((d) => d.data));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['users.updated', 'courses.created', 'courses.deleted', 'districts.updated']));
    for (const [i, page] of pages.entries()) expectValid(listEnvelope(eventSchema(version)), page, `GET /${version}/events page ${i + 1}`);
    expectValid(singleEnvelope(eventSchema(version)), (await get(`/${version}/events/${events[0]!.id}`)).body, `GET /${version}/events/{id}`);
  });

  it('errors are {message}; a 429 is empty with X-RateLimit-* headers and no Retry-After', async () => {
    const missing = await get(`/${version}/users/${'f'.repeat(24)}`);
    expect(missing.status).toBe(404);
    expectValid(errorBody, missing.body, '404');
    const bad = await get(`/${version}/users?limit=0`);
    expect(bad.status).toBe(400);
    expectValid(errorBody, bad.body, '400');
    sim.setRateLimit({ limit: 1, windowSeconds: 60 });
    const fresh = sim.issueToken();
    const call = () => fetch(`${sim.url}/${version}/schools`, { headers: { authorization: `Bearer ${fresh}` } });
    await (await call()).arrayBuffer();
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('');
    expect(limited.headers.get('retry-after')).toBeNull();
    for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(limited.headers.get(header)).toMatch(/^\d+$/);
    sim.setRateLimit({ limit: 100_000, windowSeconds: 60 });
  });
});

describe('simulator OAuth endpoints', () => {
  let sim: CleverSimulator;
  beforeAll(async () => {
    sim = new CleverSimulator({ seed: 6, users: 20, rateLimit: false });
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('GET /oauth/tokens?owner_type=district lists district-app tokens as dev.clever.com documents', async () => {
    const res = await fetch(`${sim.url}/oauth/tokens?owner_type=district`, { headers: { authorization: basic } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expectValid(districtTokenList, body, 'GET /oauth/tokens');
    expect((body as { data: { owner: { id: string } }[] }).data[0]!.owner.id).toBe(sim.district().id);
  });

  it('POST /oauth/tokens (client-credentials: a non-Clever mode kept for expiring providers) answers an RFC 6749 token', async () => {
    const res = await fetch(`${sim.url}/oauth/tokens`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(res.status).toBe(200);
    expectValid(oauthTokenResponse, await res.json(), 'POST /oauth/tokens');
  });
});
