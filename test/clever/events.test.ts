import type { CleverSimulator } from '../../lib/simulator';
import { clientFor, collect, groundTruth, startSimulator } from './harness';

describe('events through the client', () => {
  let sim: CleverSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 51, users: 250 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('a full sync, then the events after the remembered cursor, reproduce the ground truth', async () => {
    const { client } = clientFor(sim, { pageSize: 60 });
    const synced = new Map((await collect(client.records('users'))).map((u) => [u.id, u]));
    const cursor = await client.latestEventId();
    expect(cursor).toBeUndefined();

    const district = sim.district();
    const created = sim.create('users', { email: 'new.student@example.org', name: { first: 'New', last: 'Student' }, roles: { student: { grade: '3' } } });
    const updatedId = district.idAt('users', 120);
    sim.update('users', updatedId, { email: 'changed@example.org' });
    const deletedId = district.idAt('users', 121);
    sim.remove('users', deletedId);
    sim.update('sections', district.idAt('sections', 0), { name: 'Renamed section' });

    const events = await collect(client.records('events', { recordTypes: ['users'] }));
    expect(events.map((e) => e.type)).toEqual(['users.created', 'users.updated', 'users.deleted']);
    expect(events[1]!.previous_attributes).toEqual({ email: synced.get(updatedId)!.email });

    for (const event of events) {
      const object = event.data.object;
      if (event.type.endsWith('.deleted')) synced.delete(object.id);
      else synced.set(object.id, object);
    }
    expect([...synced.values()].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(await groundTruth(sim, 'users'));
    expect(synced.has(created.id)).toBe(true);

    const all = await collect(client.records('events'));
    expect(all).toHaveLength(4);
    expect(await client.latestEventId()).toBe(all[3]!.id);
    const after = await collect(client.records('events', { startingAfter: all[1]!.id, limit: 1 }));
    expect(after.map((e) => e.type)).toEqual(['users.deleted', 'sections.updated']);
    await client.close();
  });
});
