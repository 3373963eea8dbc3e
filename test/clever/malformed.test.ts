import { CleverMalformedResponseError } from '../../lib/clever';
import type { CleverSimulator } from '../../lib/simulator';
import { caught, clientFor, collect, startSimulator } from './harness';

describe('malformed pages', () => {
  let sim: CleverSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 41, users: 300 });
  });
  afterEach(() => sim.clearFaults());
  afterAll(async () => {
    await sim.stop();
  });

  it('invalid JSON on page 3 of users names the resource and the page, and is not retried', async () => {
    sim.setFaults({ malformedPages: [{ resource: 'users', page: 3, kind: 'invalid-json' }] });
    const { client, metrics } = clientFor(sim, { pageSize: 50 });
    const seen: number[] = [];
    const error = await caught(
      (async () => {
        for await (const page of client.pages('users')) seen.push(page.number);
      })(),
    );
    expect(seen).toEqual([1, 2]);
    expect(error).toBeInstanceOf(CleverMalformedResponseError);
    expect(error).toMatchObject({ resource: 'users', page: 3 });
    expect(error.message).toMatch(/resource "users" page 3/);
    expect(error.message).toMatch(/not valid JSON/);
    expect(metrics.totals().requests).toBe(3);
    await client.close();
  });

  it('a wrong envelope shape is reported with what was wrong', async () => {
    sim.setFaults({ malformedPages: [{ resource: 'sections', page: 2, kind: 'bad-envelope' }] });
    const { client } = clientFor(sim, { pageSize: 20 });
    const error = await caught(collect(client.pages('sections')));
    expect(error).toMatchObject({ name: 'CleverMalformedResponseError', resource: 'sections', page: 2 });
    expect(error.message).toMatch(/unexpected envelope \(data: /);
    await client.close();
  });

  it('an HTML body with status 200 is malformed too', async () => {
    sim.setFaults({ malformedPages: [{ resource: 'users', page: 1, kind: 'html' }] });
    const { client } = clientFor(sim, { pageSize: 10 });
    const error = await caught(collect(client.pages('users', { role: 'teacher' })));
    expect(error).toMatchObject({ resource: 'users', page: 1 });
    await client.close();
  });

  it('page numbers follow the role filter', async () => {
    sim.setFaults({ malformedPages: [{ resource: 'users', page: 2 }] });
    const { client } = clientFor(sim, { pageSize: 5 });
    const pages: number[] = [];
    const error = await caught(
      (async () => {
        for await (const page of client.pages('users', { role: 'teacher' })) pages.push(page.records.length);
      })(),
    );
    expect(pages).toEqual([5]);
    expect(error).toMatchObject({ resource: 'users', page: 2 });
    await client.close();
  });
});
