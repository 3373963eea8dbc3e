/**
 * The "1% of records change" step between the full and the incremental sync: updates across users
 * and sections (a section update also changes its enrollments), some users created, some users and
 * sections deleted. Deterministic for a seed, so runs on the same machine compare.
 */
import type { CleverRecord } from "../clever";
import type { CleverSimulator } from "../simulator";

export interface MutationSummary {
  /** Records in the district before the change. */
  recordsBefore: number;
  total: number;
  updated: { users: number; sections: number };
  created: { users: number };
  deleted: { users: number; sections: number };
}

/** Shares of the changes, of `fraction × records`. */
const SHARES = { updateUsers: 0.6, updateSections: 0.25, createUsers: 0.075, deleteUsers: 0.05, deleteSections: 0.025 };

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` distinct integers from [lo, hi), excluding `taken` (which is updated). */
function pick(random: () => number, lo: number, hi: number, n: number, taken: Set<number>): number[] {
  const out: number[] = [];
  const room = hi - lo - [...taken].filter((x) => x >= lo && x < hi).length;
  const want = Math.min(n, Math.max(0, room));
  while (out.length < want) {
    const seq = lo + Math.floor(random() * (hi - lo));
    if (taken.has(seq)) continue;
    taken.add(seq);
    out.push(seq);
  }
  return out;
}

export function applyMutations(simulator: CleverSimulator, fraction: number, seed = 9): MutationSummary {
  const district = simulator.district();
  const layout = district.layout;
  const recordsBefore = (["districts", "schools", "terms", "courses", "users", "sections"] as const).reduce((sum, kind) => sum + district.count(kind), 0);
  const total = Math.max(5, Math.round(recordsBefore * fraction));
  const count = (share: number) => Math.max(1, Math.round(total * share));
  const random = mulberry32(seed);
  const takenUsers = new Set<number>();
  const takenSections = new Set<number>();
  const [studentLo, studentHi] = layout.blocks.students;
  const summary: MutationSummary = { recordsBefore, total: 0, updated: { users: 0, sections: 0 }, created: { users: 0 }, deleted: { users: 0, sections: 0 } };

  for (const seq of pick(random, 0, layout.users, count(SHARES.updateUsers), takenUsers)) {
    const id = district.idAt("users", seq);
    const user = district.get("users", id)!;
    const name = user.name as Record<string, string>;
    simulator.update("users", id, { name: { ...name, last: `${name.last}-Changed` }, email: `changed.${seq}@example.org` });
    summary.updated.users++;
  }
  for (const seq of pick(random, 0, layout.sections, count(SHARES.updateSections), takenSections)) {
    const id = district.idAt("sections", seq);
    const section = district.get("sections", id)!;
    const students = Array.isArray(section.students) ? (section.students as string[]) : [];
    simulator.update("sections", id, { name: `${String(section.name)} (moved)`, students: students.slice(0, Math.max(0, students.length - 1)) });
    summary.updated.sections++;
  }
  const template = district.get("users", district.idAt("users", studentLo)) as CleverRecord;
  for (let i = 0; i < count(SHARES.createUsers); i++) {
    const { id: _id, created: _created, last_modified: _modified, ...fields } = template;
    simulator.create("users", { ...fields, name: { first: "New", last: `Student${i}` }, email: `new.student${i}@example.org` });
    summary.created.users++;
  }
  for (const seq of pick(random, studentLo, studentHi, count(SHARES.deleteUsers), takenUsers)) {
    simulator.remove("users", district.idAt("users", seq));
    summary.deleted.users++;
  }
  for (const seq of pick(random, 0, layout.sections, count(SHARES.deleteSections), takenSections)) {
    simulator.remove("sections", district.idAt("sections", seq));
    summary.deleted.sections++;
  }
  summary.total = summary.updated.users + summary.updated.sections + summary.created.users + summary.deleted.users + summary.deleted.sections;
  return summary;
}
