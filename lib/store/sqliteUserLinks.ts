/** SQLite statements that keep a user's school memberships and contact relationships in step with its row (see userLinks.ts). */
import type Database from "better-sqlite3";
import type { PreparedRow } from "./normalize";
import { USER_LINK_KINDS, userLinkDiff, type UserLinkKind } from "./userLinks";

interface LinkStatements {
  kind: UserLinkKind;
  stored: Database.Statement;
  remove: Database.Statement;
  set: Database.Statement;
  insert: Database.Statement;
  live: Database.Statement;
  all: Database.Statement;
}

export type UserLinkStatements = Record<UserLinkKind["name"], LinkStatements>;

export function sqliteUserLinkStatements(db: Database.Database): UserLinkStatements {
  const out = {} as UserLinkStatements;
  for (const kind of USER_LINK_KINDS) {
    const { table, owner, key, attrs } = kind;
    const columns = [key, ...attrs, "deleted_at"].join(", ");
    out[kind.name] = {
      kind,
      stored: db.prepare(`SELECT ${columns} FROM ${table} WHERE tenant_id = ? AND ${owner} = ?`),
      remove: db.prepare(`UPDATE ${table} SET deleted_at = ? WHERE tenant_id = ? AND ${owner} = ? AND ${key} = ? AND deleted_at IS NULL`),
      set: db.prepare(`UPDATE ${table} SET ${[...attrs.map((a) => `${a} = ?`), "deleted_at = NULL"].join(", ")} WHERE tenant_id = ? AND ${owner} = ? AND ${key} = ?`),
      insert: db.prepare(`INSERT INTO ${table} (tenant_id, ${owner}, ${key}${attrs.map((a) => `, ${a}`).join("")}) VALUES (?, ?, ?${attrs.map(() => ", ?").join("")})`),
      live: db.prepare(`SELECT ${columns} FROM ${table} WHERE tenant_id = ? AND ${owner} = ? AND deleted_at IS NULL ORDER BY ${key}`),
      all: db.prepare(`SELECT ${columns} FROM ${table} WHERE tenant_id = ? AND ${owner} = ? ORDER BY ${key}`),
    };
  }
  return out;
}

/**
 * Inside the upsert's transaction, for a user that was inserted or updated: diff and apply its links.
 * `fresh`: the user row did not exist, so it has no stored links to read.
 */
export function applyUserLinks(statements: UserLinkStatements, tenantId: string, row: PreparedRow, at: string, fresh = false): void {
  for (const st of Object.values(statements)) {
    const next = st.kind.of(row);
    if (next === undefined) continue;
    const stored = fresh
      ? []
      : (st.stored.all(tenantId, row.cleverId) as Record<string, string | null>[]).map((r) => ({
      key: String(r[st.kind.key]),
      attrs: st.kind.attrs.map((a) => r[a] ?? null),
      deleted: r.deleted_at !== null,
    }));
    const diff = userLinkDiff(stored, next);
    for (const key of diff.removed) st.remove.run(at, tenantId, row.cleverId, key);
    for (const l of diff.set) st.set.run(...l.attrs, tenantId, row.cleverId, l.key);
    for (const l of diff.added) st.insert.run(tenantId, row.cleverId, l.key, ...l.attrs);
  }
}
