import { createServer } from 'node:net';
import { inspect } from 'node:util';
import {
  CleverAuthError,
  CleverClient,
  CleverMalformedResponseError,
  CleverNetworkError,
  CleverRateLimitError,
  CleverRequestError,
  CleverServerError,
  CleverUnauthorizedError,
  listDistrictTokens,
  requestClientCredentialsToken,
  staticTokenProvider,
} from '../../lib/clever';
import { CleverSimulator } from '../../lib/simulator';
import { caught, collect } from './harness';

const TOKEN = 'tok_SECRET_4f9a8b7c6d5e4f3a2b1c0d9e';
const CLIENT_SECRET = 'csec_SECRET_0a1b2c3d4e5f6a7b8c9d';

/** Every way an error may end up in a log. */
function renderings(error: Error): string[] {
  const cause = error.cause as Error | undefined;
  return [
    String(error),
    JSON.stringify(error),
    error.stack ?? '',
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(Object.entries(error)),
    String(cause),
    JSON.stringify(cause ?? null),
    cause ? inspect(cause, { depth: 10, showHidden: true }) : '',
  ];
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNoSecrets(error: Error): void {
  for (const text of renderings(error)) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(Buffer.from(`app:${CLIENT_SECRET}`).toString('base64'));
  }
}

describe('secrets never appear in errors', () => {
  let sim: CleverSimulator;
  let client: CleverClient;
  const noSleep = async (): Promise<void> => {};

  beforeAll(async () => {
    sim = new CleverSimulator({ seed: 61, users: 100, apps: [{ clientId: 'app', clientSecret: CLIENT_SECRET }] });
    // Replace the random district token with a known one.
    const districtId = sim.district().id;
    sim.deauthorizeDistrict('app', districtId);
    sim.authorizeDistrict('app', districtId, TOKEN);
    await sim.start();
    client = new CleverClient({ baseUrl: sim.url, tokenProvider: staticTokenProvider(TOKEN), sleep: noSleep, retry: { maxAttempts: 2, maxRateLimitRetries: 1 }, timeoutMs: 100 });
  });
  afterEach(() => sim.clearFaults());
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });

  it('CleverServerError', async () => {
    sim.injectNext({ kind: 'status', status: 503, body: `<html>echo ${TOKEN}</html>` }, { count: 2 });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverServerError);
    expectNoSecrets(error);
  });

  it('CleverNetworkError (reset, timeout, refused)', async () => {
    sim.injectNext({ kind: 'reset' }, { count: 2 });
    const reset = await caught(client.me());
    expect(reset).toBeInstanceOf(CleverNetworkError);
    expect(reset.cause).toBeInstanceOf(Error);
    expectNoSecrets(reset);

    sim.injectNext({ kind: 'latency', ms: 300 }, { count: 2 });
    const timeout = await caught(client.me());
    expect(timeout).toMatchObject({ failure: 'timeout' });
    expectNoSecrets(timeout);

    const nowhere = new CleverClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, tokenProvider: staticTokenProvider(TOKEN), sleep: noSleep, retry: { maxAttempts: 1 } });
    const refused = await caught(nowhere.me());
    expect(refused).toBeInstanceOf(CleverNetworkError);
    expect(String(refused.cause)).toMatch(/ECONNREFUSED/);
    expectNoSecrets(refused);
    await nowhere.close();
  });

  it('CleverRateLimitError', async () => {
    sim.injectNext({ kind: 'rate_limit', retryAfterSeconds: 1 }, { count: 3 });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverRateLimitError);
    expectNoSecrets(error);
  });

  it('CleverMalformedResponseError', async () => {
    sim.setFaults({ malformedPages: [{ resource: 'users', page: 1 }] });
    const error = await caught(collect(client.pages('users')));
    expect(error).toBeInstanceOf(CleverMalformedResponseError);
    expectNoSecrets(error);
  });

  it('CleverRequestError, even when the body echoes the token', async () => {
    sim.injectNext({ kind: 'status', status: 400, body: JSON.stringify({ message: `bad token ${TOKEN}` }) });
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CleverRequestError);
    expectNoSecrets(error);
  });

  it('CleverUnauthorizedError', async () => {
    const other = new CleverClient({ baseUrl: sim.url, tokenProvider: staticTokenProvider(`${TOKEN}-unknown`) });
    const error = await caught(other.me());
    expect(error).toBeInstanceOf(CleverUnauthorizedError);
    expectNoSecrets(error);
    await other.close();
  });

  it('CleverAuthError and OAuth failures', async () => {
    const wrong = await caught(requestClientCredentialsToken({ clientId: 'app', clientSecret: `${CLIENT_SECRET}-wrong` }, { baseUrl: sim.url }));
    expect(wrong).toBeInstanceOf(CleverAuthError);
    expectNoSecrets(wrong);
    expect(String(wrong)).not.toContain(`${CLIENT_SECRET}-wrong`);

    sim.injectNext({ kind: 'status', status: 500 }, { target: 'oauth', count: 2 });
    const failing = await caught(listDistrictTokens({ clientId: 'app', clientSecret: CLIENT_SECRET }, { baseUrl: sim.url, sleep: noSleep, retry: { maxAttempts: 2 } }));
    expect(failing).toBeInstanceOf(CleverServerError);
    expectNoSecrets(failing);

    sim.injectNext({ kind: 'malformed', malformed: 'invalid-json' }, { target: 'oauth' });
    const garbled = await caught(requestClientCredentialsToken({ clientId: 'app', clientSecret: CLIENT_SECRET }, { baseUrl: sim.url }));
    expect(garbled).toBeInstanceOf(CleverMalformedResponseError);
    expectNoSecrets(garbled);
  });

  it('token objects do not serialize their access token', async () => {
    const [token] = await listDistrictTokens({ clientId: 'app', clientSecret: CLIENT_SECRET }, { baseUrl: sim.url });
    expect(token!.accessToken).toBe(TOKEN);
    expect(JSON.stringify(token)).not.toContain(TOKEN);
    expect(inspect(token)).not.toContain(TOKEN);
  });
});
