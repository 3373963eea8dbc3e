/**
 * Which school a school sync may cover: a Clever id (24 hex digits — Clever ids are MongoDB
 * ObjectIds, see planning.ts objectIdTime) of a live school in the tenant's mirror. The mirror
 * only holds the tenant's own district (other districts' records are quarantined, resourceSync
 * mapPage), so a school found there belongs to the tenant's district. A school Clever added since
 * the last full sync is not there yet: the fix is a full sync. Clever itself is asked again when
 * the run plans (GET /schools/{id}, runLifecycle planSchoolRun).
 */
import { TypedError } from "../errors/typedError";
import type { RosterStore } from "../store";

export const SCHOOL_ID_PATTERN = /^[0-9a-f]{24}$/i;

export class SchoolToSyncError extends TypedError {
  readonly code = "SCHOOL_TO_SYNC";
  readonly field = "school";
  constructor(
    /** 400 for a malformed id, 404 for one the mirror does not hold. */
    readonly status: 400 | 404,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`school: ${problem}. Fix: ${fix}`);
  }
}

/** Throws SchoolToSyncError unless `school` is well formed and a live school of the tenant's mirror. */
export async function assertSchoolToSync(store: Pick<RosterStore, "rows">, tenantId: string, school: string): Promise<void> {
  if (!SCHOOL_ID_PATTERN.test(school)) {
    throw new SchoolToSyncError(400, `'${school.slice(0, 64)}' is not a Clever id (24 hexadecimal digits)`, "pass the school's Clever id, e.g. from the schools table of the mirror");
  }
  // Schools are few per district (hundreds at most): a scan of the live rows is cheap.
  for await (const row of store.rows(tenantId, "schools")) {
    if (row.cleverId.toLowerCase() === school.toLowerCase()) return;
  }
  throw new SchoolToSyncError(
    404,
    `school ${school} is not a live school of tenant '${tenantId}' in the mirror`,
    "check the id against the schools table, or run a full sync first if Clever added the school since the last one",
  );
}
