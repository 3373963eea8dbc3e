/**
 * A list page read a slice at a time (lib/clever/listBody.ts): the same records JSON.parse of the
 * whole body gives, whatever the formatting, and every malformed body refused before a record is used.
 */
import { CleverMalformedResponseError } from '../../lib/clever';
import { ListBody } from '../../lib/clever/listBody';

const context = { resource: 'users', page: 1, path: '/v3.0/users' };
const id = (n: number) => n.toString(16).padStart(24, '0');

function body(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function allRecords(list: ListBody, batch: number): unknown[] {
  const out: unknown[] = [];
  for (let from = 0; from < list.length; from += batch) out.push(...list.records(from, from + batch));
  return out;
}

describe('ListBody', () => {
  it('reads the records JSON.parse reads, in any batch size, with tricky strings and whitespace', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({
      data: { id: id(i + 1), name: { first: `Ann "Q" \\${i}\\`, last: 'Ünïcødé 😀 ]}{[,' }, nested: [{ a: [1, 2, { b: null }] }], n: -1.5e3, t: true },
      uri: `/v3.0/users/${id(i + 1)}`,
    }));
    const envelope = { links: [{ rel: 'self', uri: '/v3.0/users?limit=7' }, { rel: 'next', uri: `/v3.0/users?limit=7&starting_after=${id(7)}` }], data: items, extra: { ignored: '}' } };
    for (const text of [JSON.stringify(envelope), JSON.stringify(envelope, null, 2), JSON.stringify(envelope, null, '\t').replace(/\n/g, '\r\n')]) {
      const list = ListBody.parse(body(text), context);
      expect(list.length).toBe(7);
      expect(list.links).toEqual(envelope.links);
      for (const batch of [1, 2, 3, 7, 1000]) expect(allRecords(list, batch)).toEqual(items.map((item) => item.data));
    }
  });

  it('reads an empty page and one without links', () => {
    const empty = ListBody.parse(body('{"data":[],"links":[]}'), context);
    expect(empty.length).toBe(0);
    expect(empty.records(0, 1000)).toEqual([]);
    const bare = ListBody.parse(body(`{"data":[{"data":{"id":"${id(1)}"}}]}`), context);
    expect(bare.links).toEqual([]);
    expect(bare.records(0, 10)).toEqual([{ id: id(1) }]);
  });

  it('reads large pages in slices that stay below V8 large-object strings, with the same records', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ data: { id: id(i + 1), padding: 'x'.repeat(100 + (i % 400)) } }));
    const list = ListBody.parse(body(JSON.stringify({ data: items })), context);
    expect(allRecords(list, 1000)).toEqual(items.map((item) => item.data));
    // An item larger than a slice is still read, whole.
    const huge = { data: { id: id(1), blob: 'y'.repeat(300_000) } };
    expect(ListBody.parse(body(JSON.stringify({ data: [huge] })), context).records(0, 1)).toEqual([huge.data]);
  });

  it.each([
    ['not JSON at all', 'oops', /not valid JSON/],
    ['a truncated body', `{"data":[{"data":{"id":"${id(1)}"}}`, /not valid JSON/],
    ['a string that never ends', `{"data":[{"data":{"id":"${id(1)}`, /not valid JSON/],
    ['trailing bytes', `{"data":[]} x`, /not valid JSON/],
    ['a top-level array', '[1,2]', /unexpected envelope \(\(root\): expected an object\)/],
    ['data that is not an array', '{"data":{"id":"x"}}', /unexpected envelope \(data: expected an array\)/],
    ['no data at all', '{"links":[]}', /unexpected envelope \(data: expected an array\)/],
    ['links that are not an array', '{"data":[],"links":{}}', /unexpected envelope \(links: expected an array\)/],
    ['a link without uri', '{"data":[],"links":[{"rel":"next"}]}', /unexpected envelope \(links.0: expected \{ rel, uri \} strings\)/],
    ['a missing comma between items', `{"data":[{"data":{"id":"${id(1)}"}} {"data":{"id":"${id(2)}"}}]}`, /not valid JSON/],
  ])('refuses %s when the page is parsed, naming the page', (_label, text, message) => {
    let error: unknown;
    try {
      ListBody.parse(body(text), context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CleverMalformedResponseError);
    expect((error as Error).message).toMatch(/resource "users" page 1 \(\/v3.0\/users\)/);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['an item that is not an object', `{"data":[{"data":{"id":"${id(1)}"}}, 5]}`, /data.1.data: expected an object/],
    ['an item without data', `{"data":[{"uri":"/x"}]}`, /data.0.data: expected an object/],
    ['a record without id', '{"data":[{"data":{"name":"x"}}]}', /data.0.data.id: expected a non-empty string/],
    ['a record with an empty id', '{"data":[{"data":{"id":""}}]}', /data.0.data.id: expected a non-empty string/],
    ['a uri that is not a string', `{"data":[{"data":{"id":"${id(1)}"},"uri":5}]}`, /data.0.uri: expected a string/],
    ['an invalid number inside an item', `{"data":[{"data":{"id":"${id(1)}","n":01}}]}`, /not valid JSON/],
  ])('refuses %s when its batch is read, naming the item', (_label, text, message) => {
    const list = ListBody.parse(body(text), context);
    expect(() => list.records(0, 10)).toThrow(CleverMalformedResponseError);
    expect(() => list.records(0, 10)).toThrow(message);
  });

  it('never quotes the body in an error (it is personal data)', () => {
    const secret = 'Jane Private Doe';
    for (const text of [`{"data":[{"data":{"id":"${id(1)}","name":"${secret}"} x]}`, `{"data":[{"data":{"name":"${secret}"}}]}`]) {
      try {
        ListBody.parse(body(text), context).records(0, 10);
        throw new Error('expected a failure');
      } catch (error) {
        expect(String((error as Error).message)).not.toContain(secret);
      }
    }
  });
});
