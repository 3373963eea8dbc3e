/**
 * Clever's nested per-school lists (Clever/swagger-api v3.0.yml: /schools/{id}/sections and
 * /schools/{id}/users, paged with limit/starting_after like the top-level lists, 404 for an
 * unknown school), through the client against the simulator.
 */
import { CleverConfigError, type CleverClient, type CleverRecord } from '../../lib/clever';
import type { CleverSimulator } from '../../lib/simulator';
import { caught, clientFor, collect, groundTruth, startSimulator } from './harness';

describe('CleverClient per-school lists against the simulator', () => {
  let sim: CleverSimulator;
  let client: CleverClient;
  let schools: string[];

  beforeAll(async () => {
    // About 500 students per simulated school (lib/simulator/layout.ts): three schools.
    sim = await startSimulator({ seed: 5, users: 1500, contacts: true, rateLimit: false });
    ({ client } = clientFor(sim, { pageSize: 37 }));
    schools = (await groundTruth(sim, 'schools')).map((s) => s.id);
  });
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });

  it('has several schools to tell apart', () => {
    expect(schools.length).toBeGreaterThanOrEqual(3);
  });

  it("pages each school's sections: exactly the sections whose school it is, across many pages", async () => {
    const all = await groundTruth(sim, 'sections');
    let total = 0;
    for (const school of schools) {
      const records = await collect(client.records('sections', { school }));
      expect(records.map((r) => r.id)).toEqual(all.filter((s) => s.school === school).map((s) => s.id));
      total += records.length;
    }
    expect(total).toBe(all.length);
  });

  it('serves the nested path in the Clever envelope with next links on the same path', async () => {
    const path = `/v3.0/schools/${schools[0]}/sections?limit=5`;
    const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.districtToken()}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ data: { id: string; school: string } }>; links: Array<{ rel: string; uri: string }> };
    expect(body.data).toHaveLength(5);
    expect(body.data.every((d) => d.data.school === schools[0])).toBe(true);
    expect(body.links).toEqual([
      { rel: 'self', uri: path },
      { rel: 'next', uri: `${path}&starting_after=${body.data[4]!.data.id}` },
    ]);
  });

  it("pages each school's users: students, teachers and staff whose role names the school, no contacts", async () => {
    const all = await groundTruth(sim, 'users');
    const names = (u: CleverRecord, school: string) => {
      const roles = u.roles as Record<string, unknown>;
      return JSON.stringify([roles.student ?? null, roles.teacher ?? null, roles.staff ?? null]).includes(`"${school}"`);
    };
    for (const school of schools) {
      const records = await collect(client.records('users', { school }));
      expect(records.length).toBeGreaterThan(37);
      expect(records.map((r) => r.id)).toEqual(all.filter((u) => names(u, school)).map((u) => u.id));
    }
  });

  it('answers 404 for an unknown school and refuses resources Clever lists no nested endpoint for', async () => {
    const error = await caught(collect(client.records('sections', { school: '0123456789abcdef01234567' })));
    expect((error as { status?: number }).status).toBe(404);
    expect(() => client.pages('districts', { school: schools[0] })).toThrow(CleverConfigError);
  });
});
