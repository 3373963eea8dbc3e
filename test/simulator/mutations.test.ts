import { SyntheticDistrict } from '../../lib/simulator';
import { EventCursorExpiredError } from '../../lib/simulator/events';

describe('mutations and events', () => {
  let clock: number;
  let district: SyntheticDistrict;

  beforeEach(() => {
    clock = Date.UTC(2025, 1, 1);
    district = new SyntheticDistrict({ seed: 9, users: 300, now: () => clock });
  });

  it('create gives a new, larger id, fills district/timestamps, and emits users.created', () => {
    const before = [...district.records('users')];
    const created = district.create('users', { id: 'ignored', email: 'x@example.org', roles: { teacher: {} } });
    expect(created.id > before[before.length - 1]!.id).toBe(true);
    expect(created).toMatchObject({ district: district.id, created: new Date(clock).toISOString(), email: 'x@example.org' });
    const after = [...district.records('users')];
    expect(after).toEqual([...before, created]);
    expect(district.count('users', 'teacher')).toBe(before.filter((u) => (u.roles as object) && 'teacher' in (u.roles as object)).length + 1);
    expect(district.allEvents().map((e) => e.type)).toEqual(['users.created']);
    expect(district.allEvents()[0]!.data.object).toEqual(created);
  });

  it('update merges, records previous_attributes, bumps last_modified; a no-op emits nothing', () => {
    const id = district.idAt('sections', 3);
    const original = district.get('sections', id)!;
    clock += 60_000;
    const updated = district.update('sections', id, { name: 'Algebra I', period: original.period });
    expect(updated).toEqual({ ...original, name: 'Algebra I', last_modified: new Date(clock).toISOString() });
    expect(district.get('sections', id)).toEqual(updated);
    district.update('sections', id, { name: 'Algebra I' });
    const events = district.allEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'sections.updated', data: { object: updated }, previous_attributes: { name: original.name } });
  });

  it('delete removes the record from lists and emits its last state', () => {
    const id = district.idAt('users', 100);
    const record = district.get('users', id)!;
    district.remove('users', id);
    expect(district.get('users', id)).toBeUndefined();
    expect([...district.records('users')].some((u) => u.id === id)).toBe(false);
    expect(district.count('users')).toBe(299);
    expect(district.allEvents()[0]).toMatchObject({ type: 'users.deleted', data: { object: record } });
    expect(() => district.remove('users', id)).toThrow(/no users record/);
  });

  it('events page after a cursor, filter by record type, and expire after the retention window', () => {
    district.update('schools', district.idAt('schools', 0), { name: 'A' });
    const first = district.allEvents()[0]!;
    clock += 31 * 86_400_000;
    district.update('schools', district.idAt('schools', 0), { name: 'B' });
    district.update('terms', district.idAt('terms', 0), { name: 'T' });
    // The first event is older than 30 days now: gone, and its id can't be continued from.
    const retained = district.allEvents();
    expect(retained.map((e) => e.type)).toEqual(['schools.updated', 'terms.updated']);
    expect(() => district.events.after(first.id, 10)).not.toThrow(); // first is the newest pruned: nothing was missed
    const window = district.events.after(undefined, 10, ['terms']);
    expect(window.events.map((e) => e.type)).toEqual(['terms.updated']);
    clock += 31 * 86_400_000;
    district.update('terms', district.idAt('terms', 1), { name: 'U' });
    expect(() => district.events.after(first.id, 10)).toThrow(EventCursorExpiredError);
    expect(district.events.after(retained[1]!.id, 10).events).toHaveLength(1);
  });

  it("event ids are ObjectIds whose first 4 bytes are the event's creation time, ascending", () => {
    district.update('schools', district.idAt('schools', 0), { name: 'C' });
    clock += 5_000;
    district.update('schools', district.idAt('schools', 0), { name: 'D' });
    const events = district.allEvents().slice(-2);
    for (const event of events) expect(parseInt(event.id.slice(0, 8), 16)).toBe(Math.floor(Date.parse(event.created) / 1000));
    expect(events[0]!.id < events[1]!.id).toBe(true);
  });
});
