/**
 * What Clever sends is bounded and checked. A hostile stand-in (a plain HTTP server in this test:
 * the behaviours are ones no Clever source describes, so the simulator does not offer them).
 */
import { createServer, type Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CleverClient, CleverMalformedResponseError, CleverResponseTooLargeError, staticTokenProvider } from '../../lib/clever';
import { mapPage, RecordTooLargeError } from '../../lib/sync/resourceSync';

let server: Server;
let base: string;
type Handler = (url: URL, res: import('node:http').ServerResponse) => void;
let handler: Handler;

beforeAll(async () => {
  server = createServer((req, res) => handler(new URL(req.url ?? '/', 'http://x'), res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const id = (n: number) => n.toString(16).padStart(24, '0');
const DISTRICT = id(1);
const user = (n: number) => ({ data: { id: id(n), district: DISTRICT, roles: { teacher: {} } } });
const client = (extra: Partial<ConstructorParameters<typeof CleverClient>[0]> = {}) =>
  new CleverClient({ tokenProvider: staticTokenProvider('t0ken-value'), baseUrl: base, sleep: async () => undefined, retry: { maxAttempts: 1 }, ...extra });

async function drain(c: CleverClient, resource: 'users' | 'events' = 'users') {
  const pages = [];
  for await (const page of c.pages(resource, { limit: 2 })) pages.push(page);
  return pages;
}

test('an endless response body stops at the response cap with a named error', async () => {
  handler = (_url, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":[');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (res.write(chunk)) if (res.destroyed) return;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  };
  const c = client({ maxResponseBytes: 2_000_000 });
  const error = await drain(c).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CleverResponseTooLargeError);
  expect((error as Error).message).toMatch(/larger than the 2000000-byte cap.*CLEVER_MAX_RESPONSE_BYTES/);
  expect(String(error)).not.toContain('t0ken-value');
  await c.close();
});

test('a next link that returns to an earlier page with a changed query string is a paging loop', async () => {
  let requests = 0;
  handler = (url, res) => {
    requests++;
    const after = url.searchParams.get('starting_after');
    // Page 2 links "forward" to page 1 again, disguised with an extra parameter.
    const page = after === id(11) ? [user(12), user(13)] : [user(10), user(11)];
    const next = after === id(11) ? `/v3.0/users?limit=2&starting_after=${id(9)}&x=${requests}` : `/v3.0/users?limit=2&starting_after=${id(11)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: page, links: [{ rel: 'next', uri: next }] }));
  };
  const c = client();
  const error = await drain(c).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CleverMalformedResponseError);
  expect((error as Error).message).toMatch(/starting_after .* does not move past/);
  expect(requests).toBeLessThanOrEqual(3);
  await c.close();
});

test('records that go backwards across pages are a paging loop; a repeated id is counted as a duplicate', async () => {
  handler = (url, res) => {
    const after = url.searchParams.get('starting_after');
    const body =
      after === null
        ? { data: [user(10), user(11)], links: [{ rel: 'next', uri: `/v3.0/users?limit=2&starting_after=${id(11)}` }] }
        : after === id(11)
          ? { data: [user(11), user(12)], links: [{ rel: 'next', uri: `/v3.0/users?limit=2&starting_after=${id(12)}` }] }
          : { data: [user(5), user(13)], links: [] };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const c = client();
  const pages: { duplicates?: number }[] = [];
  const error = await (async () => {
    for await (const page of c.pages('users', { limit: 2 })) pages.push(page);
  })().catch((e: unknown) => e);
  expect(pages.map((p) => p.duplicates ?? 0)).toEqual([0, 1]);
  expect(error).toBeInstanceOf(CleverMalformedResponseError);
  expect((error as Error).message).toMatch(/ids go backwards/);
  await c.close();
});

test("records of another district are quarantined, never written as the tenant's", () => {
  const other = id(2);
  const { rows, quarantined } = mapPage('users', [user(10).data, { ...user(11).data, district: other }], DISTRICT);
  expect(rows.map((r) => r.cleverId)).toEqual([id(10)]);
  expect(quarantined).toEqual([expect.objectContaining({ cleverId: id(11), reason: expect.stringContaining(`belongs to district ${other}`) })]);
  const districts = mapPage('districts', [{ id: other, name: 'Elsewhere' }], DISTRICT);
  expect(districts.rows).toEqual([]);
  expect(districts.quarantined).toHaveLength(1);
});

test('a record over the record cap fails with a named error', () => {
  const huge = { ...user(10).data, name: { first: 'x'.repeat(50_000) } };
  expect(() => mapPage('users', [huge], DISTRICT, 20_000)).toThrow(RecordTooLargeError);
  expect(() => mapPage('users', [huge], DISTRICT, 20_000)).toThrow(/over the 20000-byte cap; nothing was deleted.*CLEVER_MAX_RECORD_BYTES/);
});
