import {
  CleverAuthError,
  CleverClient,
  CleverUnauthorizedError,
  listDistrictTokens,
  requestClientCredentialsToken,
  staticTokenProvider,
  type TokenProvider,
} from '../../lib/clever';
import { CleverSimulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../lib/simulator';
import { caught, clientFor, manualClock, startSimulator } from './harness';

const demo = { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET };

describe('Clever OAuth endpoints', () => {
  const clock = manualClock();
  let sim: CleverSimulator;

  beforeAll(async () => {
    sim = await startSimulator({
      districts: [
        { seed: 31, users: 60 },
        { seed: 32, users: 60 },
      ],
      now: clock.now,
    });
  });
  afterEach(() => sim.clearFaults());
  afterAll(async () => {
    await sim.stop();
  });

  it('lists the district tokens of the app, one per authorized district', async () => {
    const tokens = await listDistrictTokens(demo, { baseUrl: sim.url });
    expect(tokens.map((t) => t.districtId).sort()).toEqual(sim.districtIds().sort());
    const [second] = sim.districtIds().slice(1);
    const one = await listDistrictTokens(demo, { baseUrl: sim.url, districtId: second });
    expect(one).toHaveLength(1);
    expect(one[0]!.accessToken).toBe(sim.districtToken(second));
    expect(one[0]!.scopes.length).toBeGreaterThan(0);
    // The token is readable but never serialized.
    expect(JSON.stringify(one)).not.toContain(one[0]!.accessToken);
  });

  it('gets a client-credentials token; no expires_in means no expiry', async () => {
    const token = await requestClientCredentialsToken(demo, { baseUrl: sim.url, now: clock.now });
    expect(token.tokenType).toBe('bearer');
    expect(token.expiresInSeconds).toBeUndefined();
    expect(token.expiresAt).toBeUndefined();
    const client = new CleverClient({ baseUrl: sim.url, tokenProvider: staticTokenProvider(token.accessToken) });
    expect((await client.me()).data.id).toBe(sim.district().id);
    await client.close();
  });

  it('parses expires_in, and the token stops working when it expires', async () => {
    sim.setFaults({ tokenLifetimeSeconds: 120 });
    const token = await requestClientCredentialsToken(demo, { baseUrl: sim.url, now: clock.now });
    expect(token.expiresInSeconds).toBe(120);
    expect(token.expiresAt!.getTime()).toBe(clock.now() + 120_000);
    const client = new CleverClient({ baseUrl: sim.url, tokenProvider: staticTokenProvider(token.accessToken), now: clock.now });
    await client.me();
    clock.advance(121_000);
    expect(await caught(client.me())).toBeInstanceOf(CleverUnauthorizedError);
    await client.close();
  });

  it('rejects a wrong secret with CleverAuthError (invalid_client), without retrying', async () => {
    const error = await caught(requestClientCredentialsToken({ clientId: DEMO_CLIENT_ID, clientSecret: 'wrong-secret-value' }, { baseUrl: sim.url }));
    expect(error).toBeInstanceOf(CleverAuthError);
    expect(error).toMatchObject({ status: 401, oauthError: 'invalid_client' });
    expect(error.message).toContain(DEMO_CLIENT_ID);
    const listing = await caught(listDistrictTokens({ clientId: 'nobody', clientSecret: 'x-y-z-w' }, { baseUrl: sim.url }));
    expect(listing).toBeInstanceOf(CleverAuthError);
  });

  it('retries a 5xx from the token endpoint', async () => {
    sim.injectNext({ kind: 'status', status: 503 }, { target: 'oauth', count: 2 });
    const sleeps: number[] = [];
    const tokens = await listDistrictTokens(demo, { baseUrl: sim.url, sleep: async (ms) => void sleeps.push(ms) });
    expect(tokens).toHaveLength(2);
    expect(sleeps).toHaveLength(2);
  });
});

describe('401 handling in the data client', () => {
  let sim: CleverSimulator;

  beforeEach(async () => {
    sim = await startSimulator({ seed: 33, users: 200 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('a revoked token yields CleverUnauthorizedError', async () => {
    const { client, metrics } = clientFor(sim);
    sim.revokeToken(sim.districtToken());
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverUnauthorizedError);
    expect(error).toMatchObject({ status: 401, path: '/v3.0/me' });
    expect(metrics.totals().requests).toBe(1);
    await client.close();
  });

  it('tells the provider to invalidate and retries once with the fresh token', async () => {
    const first = sim.districtToken();
    const invalidated: string[] = [];
    let current = first;
    const provider: TokenProvider = {
      getToken: async () => current,
      invalidate: (token) => {
        invalidated.push(token);
        current = sim.authorizeDistrict(DEMO_CLIENT_ID, sim.district().id);
      },
    };
    const { client } = clientFor(sim, { tokenProvider: provider });
    sim.deauthorizeDistrict(DEMO_CLIENT_ID, sim.district().id);
    expect((await client.me()).data.id).toBe(sim.district().id);
    expect(invalidated).toEqual([first]);
    await client.close();
  });

  it('surfaces 401 when the refreshed token is refused too', async () => {
    const token = sim.districtToken();
    let invalidations = 0;
    const provider: TokenProvider = { getToken: async () => token, invalidate: () => void invalidations++ };
    const { client, metrics } = clientFor(sim, { tokenProvider: provider });
    sim.revokeToken(token);
    expect(await caught(client.me())).toBeInstanceOf(CleverUnauthorizedError);
    expect(invalidations).toBe(2);
    expect(metrics.totals().requests).toBe(2);
    await client.close();
  });

  it('revocation after N requests: the (N+1)th request is refused and the token leaves the list', async () => {
    sim.setFaults({ revokeTokenAfterRequests: 2 });
    const { client } = clientFor(sim, { pageSize: 50 });
    const pages: number[] = [];
    const error = await caught(
      (async () => {
        for await (const page of client.pages('users')) pages.push(page.number);
      })(),
    );
    expect(pages).toEqual([1, 2]);
    expect(error).toBeInstanceOf(CleverUnauthorizedError);
    expect(await listDistrictTokens(demo, { baseUrl: sim.url })).toEqual([]);
    await client.close();
  });
});
