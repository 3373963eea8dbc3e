/**
 * Pages come in chunks of bounded size (lib/clever/pager.ts): a consumer holds at most `parseBatch`
 * parsed records, whatever page size Clever serves, and the next page is already on its way while
 * the consumer works through this one.
 */
import type { CleverPage, CleverRecord } from '../../lib/clever';
import type { CleverSimulator } from '../../lib/simulator';
import { clientFor, collect, startSimulator } from './harness';

describe('pages in chunks', () => {
  let sim: CleverSimulator;
  let truth: CleverRecord[];

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, users: 2600 });
    truth = [];
    for await (const record of sim.groundTruth('users')) truth.push(record);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('yields each page in chunks of at most parseBatch records, in order, the last one final', async () => {
    const { client } = clientFor(sim, { pageSize: 2500, parseBatch: 1000 });
    const chunks: CleverPage[] = await collect(client.pages('users'));
    await client.close();
    expect(chunks.map((c) => [c.number, c.records.length, c.final])).toEqual([
      [1, 1000, false],
      [1, 1000, false],
      [1, 500, true],
      [2, truth.length - 2500, true],
    ]);
    expect(chunks.flatMap((c) => c.records)).toEqual(truth);
    for (const chunk of chunks) expect(chunk.lastId).toBe(chunk.records[chunk.records.length - 1]!.id);
    // A page's bytes are counted once, on its final chunk; its latency once, on its first.
    expect(chunks.map((c) => c.bytes > 0)).toEqual([false, false, true, true]);
    expect(chunks.filter((c) => c.hasNext).length).toBe(3);
  });

  it('resumes after any chunk: starting_after a chunk\'s last id continues with the next record', async () => {
    const { client } = clientFor(sim, { pageSize: 2500, parseBatch: 700 });
    const [first] = await collect((async function* () {
      for await (const chunk of client.pages('users')) {
        yield chunk;
        return;
      }
    })());
    const rest = await collect(client.pages('users', { startingAfter: first!.lastId }));
    await client.close();
    expect([...first!.records, ...rest.flatMap((c) => c.records)]).toEqual(truth);
  });

  it('requests the next page while the consumer is still on this one', async () => {
    const { client, metrics } = clientFor(sim, { pageSize: 1000, parseBatch: 100 });
    const iterator = client.pages('users');
    const first = await iterator.next();
    expect(first.value?.number).toBe(1);
    // Still on page 1's first chunk: page 2 is requested without the consumer asking for more.
    const deadline = Date.now() + 5000;
    while (metrics.totals().requests < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(metrics.totals().requests).toBe(2);
    await iterator.return(undefined);
    await client.close();
  });

  it('a consumer that stops early ends the iteration cleanly: the page being prefetched is abandoned without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { client } = clientFor(sim, { pageSize: 500, parseBatch: 100 });
      for await (const chunk of client.pages('users')) {
        expect(chunk.number).toBe(1);
        break;
      }
      await client.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
