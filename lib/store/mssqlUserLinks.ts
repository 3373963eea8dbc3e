/**
 * T-SQL for a user's school memberships and contact relationships (see userLinks.ts), as pure
 * functions like mssqlStatements.ts. Reads of the stored links run after the users MERGE in the
 * same transaction, under UPDLOCK/HOLDLOCK like a section's enrollments, so two writers of one
 * user serialize; changes join a VALUES list of bound parameters (UPDATE ... FROM, T-SQL:
 * https://learn.microsoft.com/sql/t-sql/queries/update-transact-sql, table value constructor:
 * https://learn.microsoft.com/sql/t-sql/queries/table-value-constructor-transact-sql).
 */
import { chunks, q, rowsPerChunk, STAGE_TABLE, table, type Param, type ParamType, type Statement } from "./mssqlStatements";
import { RELATIONSHIP_MAX_LENGTH } from "./schema";
import { USER_LINK_KINDS, type UserLink, type UserLinkKind } from "./userLinks";

const KEY_TYPE: ParamType = { kind: "nvarchar", length: 64 };
const ATTR_TYPE: ParamType = { kind: "nvarchar", length: RELATIONSHIP_MAX_LENGTH };
const tenant = (tenantId: string): Param => ({ name: "tenantId", type: KEY_TYPE, value: tenantId });

/** The stage column that marks users whose links the call replaces. */
export const REPLACE_LINKS_COLUMN = "replace_links";

/**
 * Recordsets appended to the users MERGE batch: the replaced user ids, then per link kind (in
 * USER_LINK_KINDS order) the stored links of those users, deleted ones included.
 */
export function storedLinksBatch(): string {
  const replaced = `s.${q("outcome")} <> 'N' AND s.${q(REPLACE_LINKS_COLUMN)} = 1`;
  return [
    `SELECT ${q("clever_id")} AS clever_id FROM ${STAGE_TABLE} AS s WHERE ${replaced};`,
    ...USER_LINK_KINDS.map(
      (kind) => `SELECT l.${q(kind.owner)} AS owner_id, l.${q(kind.key)} AS link_key${kind.attrs.map((a, i) => `, l.${q(a)} AS attr${i}`).join("")}, CASE WHEN l.${q("deleted_at")} IS NULL THEN 0 ELSE 1 END AS deleted
FROM ${table(kind.table)} AS l WITH (UPDLOCK, HOLDLOCK)
INNER JOIN ${STAGE_TABLE} AS s ON l.${q(kind.owner)} = s.${q("clever_id")}
WHERE l.${q("tenant_id")} = @tenantId AND ${replaced};`,
    ),
  ].join("\n\n");
}

export type LinkChange = { ownerId: string } & UserLink;

/** remove: soft-delete live links; set: clear deleted_at and write the attributes; insert: new links. Chunked under the parameter limits. */
export function linkChangeStatements(kind: UserLinkKind, op: "remove" | "set" | "insert", tenantId: string, at: string, changes: readonly LinkChange[]): Statement[] {
  const perRow = 2 + (op === "remove" ? 0 : kind.attrs.length);
  return chunks(changes, rowsPerChunk(perRow, 2)).map((chunk) => {
    const params: Param[] = [tenant(tenantId), ...(op === "remove" ? [{ name: "at", type: { kind: "datetime2" } as ParamType, value: new Date(at) }] : [])];
    const tuples = chunk.map((c, r) => {
      const names = [`o${r}`, `k${r}`];
      params.push({ name: `o${r}`, type: KEY_TYPE, value: c.ownerId }, { name: `k${r}`, type: KEY_TYPE, value: c.key });
      if (op !== "remove")
        kind.attrs.forEach((_, i) => {
          names.push(`a${r}_${i}`);
          params.push({ name: `a${r}_${i}`, type: ATTR_TYPE, value: c.attrs[i] ?? null });
        });
      return `(${op === "insert" ? "@tenantId, " : ""}${names.map((n) => `@${n}`).join(", ")})`;
    });
    const t = table(kind.table);
    if (op === "insert") {
      return { text: `INSERT INTO ${t} (${["tenant_id", kind.owner, kind.key, ...kind.attrs].map(q).join(", ")}) VALUES\n${tuples.join(",\n")};`, params };
    }
    const valueColumns = [kind.owner, kind.key, ...(op === "set" ? kind.attrs : [])];
    const values = `(VALUES\n${tuples.join(",\n")}) AS v (${valueColumns.map(q).join(", ")})`;
    const match = `l.${q(kind.owner)} = v.${q(kind.owner)} AND l.${q(kind.key)} = v.${q(kind.key)}`;
    const set = op === "remove" ? `l.${q("deleted_at")} = @at` : [...kind.attrs.map((a) => `l.${q(a)} = v.${q(a)}`), `l.${q("deleted_at")} = NULL`].join(", ");
    return {
      text: `UPDATE l SET ${set}
FROM ${t} AS l INNER JOIN ${values} ON ${match}
WHERE l.${q("tenant_id")} = @tenantId${op === "remove" ? ` AND l.${q("deleted_at")} IS NULL` : ""};`,
      params,
    };
  });
}

/** One user's (or contact's) links, live only unless includeDeleted, ordered by key. */
export function userLinksQuery(kind: UserLinkKind, tenantId: string, ownerId: string, includeDeleted: boolean): Statement {
  return {
    text: `SELECT ${[kind.key, ...kind.attrs, "deleted_at"].map(q).join(", ")} FROM ${table(kind.table)}
WHERE ${q("tenant_id")} = @tenantId AND ${q(kind.owner)} = @ownerId${includeDeleted ? "" : ` AND ${q("deleted_at")} IS NULL`} ORDER BY ${q(kind.key)};`,
    params: [tenant(tenantId), { name: "ownerId", type: KEY_TYPE, value: ownerId }],
  };
}
