/**
 * A user's links kept in step with its row, like a section's enrollments: school memberships
 * (`user_schools`) and a contact's student relationships (`contact_relationships`). Both dialects
 * diff the stored links of an inserted or updated user against what Clever sent: links no longer
 * listed get deleted_at, listed ones that were deleted (or whose attributes changed) are restored
 * in place, new ones are inserted. Nothing is rewritten, so a rerun changes nothing.
 */
import { CONTACTS_TABLE, USER_SCHOOLS_TABLE } from "./schema";
import type { PreparedRow } from "./normalize";

/** One kind of user link: its table, the column naming the user, the key column and any attributes. */
export interface UserLinkKind {
  name: "schools" | "contacts";
  table: string;
  owner: string;
  key: string;
  attrs: readonly string[];
  /** The links a prepared row carries (undefined: leave stored links alone). */
  of(row: PreparedRow): UserLink[] | undefined;
}

export interface UserLink {
  key: string;
  attrs: (string | null)[];
}

export const USER_LINK_KINDS: readonly UserLinkKind[] = [
  { name: "schools", table: USER_SCHOOLS_TABLE, owner: "user_id", key: "school_id", attrs: [], of: (row) => row.schools?.map((key) => ({ key, attrs: [] })) },
  {
    name: "contacts",
    table: CONTACTS_TABLE,
    owner: "contact_id",
    key: "student_id",
    attrs: ["relationship", "type"],
    of: (row) => row.contacts?.map((c) => ({ key: c.studentId, attrs: [c.relationship, c.type] })),
  },
];

export interface UserLinkDiff {
  /** Live links no longer listed: soft-delete. */
  removed: string[];
  /** Stored links listed again (deleted before) or with changed attributes: clear deleted_at, set attributes. */
  set: UserLink[];
  /** How many of `set` were soft-deleted (restores). */
  restored: number;
  /** Links never stored before: insert. */
  added: UserLink[];
}

export function userLinkDiff(stored: readonly (UserLink & { deleted: boolean })[], next: readonly UserLink[]): UserLinkDiff {
  const wanted = new Map(next.map((l) => [l.key, l]));
  const byKey = new Map(stored.map((l) => [l.key, l]));
  const diff: UserLinkDiff = { removed: [], set: [], restored: 0, added: [] };
  for (const l of stored) if (!l.deleted && !wanted.has(l.key)) diff.removed.push(l.key);
  for (const [key, l] of wanted) {
    const old = byKey.get(key);
    if (!old) diff.added.push(l);
    else if (old.deleted || old.attrs.some((a, i) => a !== l.attrs[i])) {
      diff.set.push(l);
      if (old.deleted) diff.restored++;
    }
  }
  return diff;
}
