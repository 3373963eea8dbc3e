import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';
import { manualClock } from '../clever/harness';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('simulator HTTP contract (Clever v3.0)', () => {
  const clock = manualClock(Date.UTC(2025, 2, 3, 9, 0, 10));
  let sim: CleverSimulator;
  let token: string;
  const get = (path: string, bearer: string | null = token) =>
    fetch(`${sim.url}${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    sim = new CleverSimulator({ seed: 71, users: 400, now: clock.now, rateLimit: { limit: 50, windowSeconds: 60 } });
    await sim.start();
    token = sim.districtToken();
  });
  afterEach(() => sim.clearFaults());
  afterAll(async () => {
    await sim.stop();
  });

  it('answers lists in the Clever envelope with self/next/prev links; 100 per page by default', async () => {
    const res = await get('/v3.0/users?role=student');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { data: Array<{ data: { id: string }; uri: string }>; links: Array<{ rel: string; uri: string }> };
    expect(body.data).toHaveLength(100);
    expect(body.data[0]!.uri).toBe(`/v3.0/users/${body.data[0]!.data.id}`);
    const last = body.data[99]!.data.id;
    expect(body.links).toEqual([
      { rel: 'self', uri: '/v3.0/users?role=student' },
      { rel: 'next', uri: `/v3.0/users?role=student&starting_after=${last}` },
    ]);
    const next = (await (await get(body.links[1]!.uri)).json()) as typeof body;
    expect(next.links.find((l) => l.rel === 'prev')).toEqual({ rel: 'prev', uri: `/v3.0/users?role=student&ending_before=${next.data[0]!.data.id}` });
  });

  it('rejects limits over 10000 with 413 and bad parameters with 400', async () => {
    expect((await get('/v3.0/users?limit=10001')).status).toBe(413);
    expect((await get('/v3.0/users?limit=0')).status).toBe(400);
    expect((await get('/v3.0/users?starting_after=nope')).status).toBe(400);
    expect((await get('/v3.0/users?role=wizard')).status).toBe(400);
    expect((await get('/v3.0/sections?role=student')).status).toBe(400);
    expect((await get('/v3.0/users/ffffffffffffffffffffffff')).status).toBe(404);
    expect((await get('/v3.0/nothing')).status).toBe(404);
  });

  it('serves /me and single records', async () => {
    const me = (await (await get('/v3.0/me')).json()) as { type: string; data: { id: string } };
    expect(me).toMatchObject({ type: 'district', data: { id: sim.district().id } });
    const id = sim.district().idAt('schools', 0);
    const one = (await (await get(`/v3.0/schools/${id}`)).json()) as { data: unknown };
    expect(one.data).toEqual(sim.district().get('schools', id));
  });

  it('401s without a valid bearer token', async () => {
    expect((await get('/v3.0/me', null)).status).toBe(401);
    expect((await get('/v3.0/me', 'not-a-token')).status).toBe(401);
  });

  it('sends X-RateLimit-* headers and, past the per-token window, a 429 as Clever documents it: empty, no Retry-After', async () => {
    const fresh = sim.issueToken();
    const first = await get('/v3.0/me', fresh);
    expect(first.headers.get('x-ratelimit-limit')).toBe('50');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('49');
    expect(first.headers.get('x-ratelimit-reset')).toBe(String(Date.UTC(2025, 2, 3, 9, 1, 0) / 1000));
    for (let i = 0; i < 49; i++) await (await get('/v3.0/me', fresh)).arrayBuffer();
    const limited = await get('/v3.0/me', fresh);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.text()).toBe('');
    clock.advance(50_000);
    expect((await get('/v3.0/me', fresh)).status).toBe(200);
  });

  it('issues client-credentials tokens (Basic auth) and refuses bad clients and grants', async () => {
    const post = (auth: string, body: string) =>
      fetch(`${sim.url}/oauth/tokens`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
    const ok = await post(basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), 'grant_type=client_credentials');
    expect(ok.status).toBe(200);
    const issued = (await ok.json()) as { access_token: string; token_type: string; expires_in?: number };
    expect(issued.token_type).toBe('bearer');
    expect(issued.expires_in).toBeUndefined();
    expect((await get('/v3.0/me', issued.access_token)).status).toBe(200);

    const bad = await post(basic(DEMO_CLIENT_ID, 'nope'), 'grant_type=client_credentials');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid_client' });
    expect((await post(basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), 'grant_type=password')).status).toBe(400);

    sim.setFaults({ tokenLifetimeSeconds: 60 });
    const expiring = (await (await post(basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), 'grant_type=client_credentials')).json()) as { access_token: string; expires_in: number };
    expect(expiring.expires_in).toBe(60);
    expect((await get('/v3.0/me', expiring.access_token)).status).toBe(200);
    clock.advance(60_000);
    expect((await get('/v3.0/me', expiring.access_token)).status).toBe(401);
  });

  it('lists district tokens with owner_type=district, and tokeninfo describes a token', async () => {
    const auth = { authorization: basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) };
    expect((await fetch(`${sim.url}/oauth/tokens`, { headers: auth })).status).toBe(400);
    const list = (await (await fetch(`${sim.url}/oauth/tokens?owner_type=district`, { headers: auth })).json()) as {
      data: Array<{ access_token: string; owner: { type: string; id: string } }>;
    };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ access_token: token, owner: { type: 'district', id: sim.district().id } });
    const info = await fetch(`${sim.url}/oauth/tokeninfo`, { headers: { authorization: `Bearer ${token}` } });
    expect(await info.json()).toMatchObject({ client_id: DEMO_CLIENT_ID });
  });

  it('revokes a token after N requests', async () => {
    const limited = sim.issueToken();
    sim.setFaults({ revokeTokenAfterRequests: 2 });
    expect((await get('/v3.0/me', limited)).status).toBe(200);
    expect((await get('/v3.0/me', limited)).status).toBe(200);
    expect((await get('/v3.0/me', limited)).status).toBe(401);
    sim.clearFaults();
    expect((await get('/v3.0/me', limited)).status).toBe(401);
  });

  it('stops promptly even with idle keep-alive connections', async () => {
    const local = new CleverSimulator({ seed: 72, users: 20 });
    await local.start();
    await (await fetch(`${local.url}/v3.0/me`, { headers: { authorization: `Bearer ${local.districtToken()}` } })).arrayBuffer();
    const started = Date.now();
    await local.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
