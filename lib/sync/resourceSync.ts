import type { CleverClient, CleverRecord } from "../clever";
import { SCHOOL_SCOPED_RESOURCES, type QuarantineEntry, type RosterResource, type RosterRow, type RosterStore, type SectionLossGuard, type SweepScope } from "../store";
import type { Checkpoint, CheckpointStateInput } from "../tenants";
import { guardVerdict, type GuardPolicy } from "./guard";
import type { RunLease } from "./lease";
import { mapRecord } from "./mapping";
import { ResourceResult } from "./types";

/** The slice of the checkpoint store a sync needs (CheckpointStore satisfies it). */
export interface CheckpointAccess {
  get(tenantId: string, resource: string): Promise<Checkpoint | undefined>;
  put(tenantId: string, resource: string, state: CheckpointStateInput): Promise<unknown>;
}

export interface ResourceSyncDependencies {
  store: RosterStore;
  checkpoints: CheckpointAccess;
  clever: CleverClient;
  now: () => number;
  pageSize?: number;
  /** Checkpoint after this many pages (and always at the end). */
  checkpointEveryPages?: number;
  onPage?: (progress: { resource: RosterResource; pages: number; records: number }) => void;
  /** The run's lease, renewed on every page and before the sweep; absent only in store-level tests. */
  lease?: RunLease;
  /** The tenant's deletion and change guard; undefined applies every deletion (events, tests). */
  guard?: GuardPolicy;
  /** The tenant's Clever district: records of any other district are quarantined (isolation). */
  districtId?: string;
  /** A record whose JSON is larger fails the resource (RecordTooLargeError); default DEFAULT_MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
}

/** What the write of a chunk needs to know of its page. */
interface ChunkFacts {
  records: number;
  lastId?: string;
  final: boolean;
  duplicates?: number;
}

/** Default cap of one record's JSON: far above a real record, far below what hurts memory. */
export const DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024;

/** A record larger than the cap: the resource fails before its deletion sweep, so nothing is deleted. */
export class RecordTooLargeError extends Error {
  override readonly name = "RecordTooLargeError";
  constructor(readonly resource: string, readonly cleverId: string | null, readonly bytes: number, readonly maxBytes: number) {
    super(
      `Clever sent a ${resource} record${cleverId ? ` (id ${cleverId})` : ""} of ${bytes} bytes, over the ${maxBytes}-byte cap; nothing was deleted. ` +
        `Fix: check the record in Clever, or raise CLEVER_MAX_RECORD_BYTES if it is genuine.`,
    );
  }
}

export interface ResourceSyncInput {
  tenantId: string;
  runId: string;
  resource: RosterResource;
  /** A school sync: fetch only this school's records and sweep only its rows. */
  school?: string;
}

/**
 * Maps one page: valid records become rows, invalid ones quarantine entries (never dropped).
 * A record of another district than `districtId` is quarantined: one tenant's mirror never holds
 * another district's data, and a full sync then does not mistake the real roster for gone.
 */
export function mapPage(
  resource: RosterResource,
  records: readonly CleverRecord[],
  districtId?: string,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
): { rows: RosterRow[]; quarantined: QuarantineEntry[] } {
  const rows: RosterRow[] = [];
  const quarantined: QuarantineEntry[] = [];
  for (const record of records) {
    const mapped = mapRecord(resource, record);
    const cleverId = typeof record?.id === "string" ? record.id : null;
    const raw = mapped.ok ? mapped.row.raw : JSON.stringify(record);
    const bytes = Buffer.byteLength(raw ?? "");
    if (bytes > maxRecordBytes) throw new RecordTooLargeError(resource, cleverId, bytes, maxRecordBytes);
    if (!mapped.ok) {
      quarantined.push({ resource, cleverId, reason: mapped.reason, raw });
      continue;
    }
    const owner = resource === "districts" ? mapped.row.cleverId : mapped.row.columns.district_id;
    if (districtId && owner !== districtId) {
      quarantined.push({ resource, cleverId, reason: `${resource} ${cleverId}: belongs to district ${String(owner)}, not the tenant's district ${districtId}`, raw });
      continue;
    }
    rows.push(mapped.row);
  }
  return { rows, quarantined };
}

/**
 * Full sync of one resource: stream pages → map → upsert → checkpoint, then soft-delete what
 * Clever no longer returns. A retried or re-run activity resumes after the last checkpointed
 * page of the same run, and one that already finished returns at once.
 */
export async function syncResource(deps: ResourceSyncDependencies, input: ResourceSyncInput): Promise<ResourceResult> {
  const { tenantId, runId, resource, school } = input;
  if (school !== undefined && resource === "schools") return syncOneSchool(deps, input, school);
  if (school !== undefined && !SCHOOL_SCOPED_RESOURCES.includes(resource)) {
    throw new Error(`A school sync reads only ${SCHOOL_SCOPED_RESOURCES.join(", ")} per school, not ${resource}`);
  }
  const scope: SweepScope | undefined = school === undefined ? undefined : { schoolId: school };
  const checkpoint = await deps.checkpoints.get(tenantId, resource);
  const carried = { eventsCursor: checkpoint?.eventsCursor, lastFullSyncAt: checkpoint?.lastFullSyncAt };
  const resumable = checkpoint?.runId === runId;
  const result: ResourceResult = {
    resource,
    pages: resumable ? checkpoint.pagesDone : 0,
    records: resumable ? checkpoint.recordsDone : 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    quarantined: 0,
    resumedFromPage: resumable ? checkpoint.pagesDone : 0,
    restored: 0,
  };
  const heldSections: string[] = [];
  let heldSectionCount = 0;
  if (resumable && checkpoint.completedRunId === runId) return result;

  const syncedAt = new Date(deps.now()).toISOString();
  const every = deps.checkpointEveryPages ?? 1;
  let cursor = resumable ? checkpoint.cursor : undefined;
  let sinceCheckpoint = 0;
  const save = (extra: CheckpointStateInput = {}) =>
    deps.checkpoints.put(tenantId, resource, { ...carried, runId, cursor, pagesDone: result.pages, recordsDone: result.records, ...extra });

  // A school sync pages Clever's nested list /schools/{id}/<resource> (Clever/swagger-api v3.0.yml).
  // Pages come in chunks of bounded size (lib/clever/pager.ts). Two-stage pipeline: the next chunk
  // is parsed and mapped while the previous one is being written; writes stay in order, one at a
  // time, so a checkpoint never names a record before every earlier one is stored.
  const writeChunk = async (page: ChunkFacts, rows: RosterRow[], quarantined: QuarantineEntry[]): Promise<void> => {
    await deps.lease?.renew();
    const sectionLossGuard: SectionLossGuard | undefined = deps.guard?.section;
    const counts = await deps.store.upsert(tenantId, resource, rows, { runId, syncedAt, sectionLossGuard });
    result.restored += counts.restored;
    if (counts.enrollmentsRemoved !== undefined) result.enrollmentsRemoved = (result.enrollmentsRemoved ?? 0) + counts.enrollmentsRemoved;
    if (counts.enrollmentsRestored !== undefined) result.enrollmentsRestored = (result.enrollmentsRestored ?? 0) + counts.enrollmentsRestored;
    for (const held of counts.heldSections ?? []) {
      heldSectionCount++;
      if (heldSections.length < 10) heldSections.push(held.sectionId);
    }
    if (quarantined.length) {
      await deps.store.quarantine(tenantId, runId, quarantined);
      // Clever still returns these records: an invalid version is not a deletion. Keep the last good row.
      const kept = quarantined.flatMap((q) => (q.cleverId ? [{ cleverId: q.cleverId, reason: q.reason }] : []));
      if (kept.length) result.stale = (result.stale ?? 0) + (await deps.store.markStale(tenantId, resource, kept, { runId, staleSince: syncedAt }));
    }
    if (page.duplicates) result.duplicates = (result.duplicates ?? 0) + page.duplicates;
    result.inserted += counts.inserted;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    result.quarantined += quarantined.length;
    result.records += page.records;
    cursor = page.lastId ?? cursor;
    if (!page.final) return;
    // Progress and checkpoints count Clever's pages, as a resumed run numbers them.
    result.pages += 1;
    deps.onPage?.({ resource, pages: result.pages, records: result.records });
    if (++sinceCheckpoint >= every) {
      await save();
      sinceCheckpoint = 0;
    }
  };
  let writing: Promise<void> | undefined;
  try {
    for await (const page of deps.clever.pages(resource, { startingAfter: cursor, limit: deps.pageSize, firstPageNumber: result.pages + 1, ...(school ? { school } : {}) })) {
      const { rows, quarantined } = mapPage(resource, page.records, deps.districtId, deps.maxRecordBytes);
      // Only the page's facts travel on: its parsed records can be collected while the rows are written.
      const facts: ChunkFacts = { records: page.records.length, lastId: page.lastId, final: page.final, duplicates: page.duplicates };
      await writing;
      writing = writeChunk(facts, rows, quarantined);
      // Handled here so a failing write is never an unhandled rejection while the next chunk is fetched; awaited above.
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    // Clever failed mid-page: the chunk already handed to the store finishes before the error surfaces.
    await writing?.catch(() => undefined);
  }
  // Only now is the resource complete: anything this run did not see is gone from Clever — unless
  // the guard finds the change implausible, then the deletions wait for a person to approve them.
  await deps.lease?.renew(true);
  // A school sync sees only that school: only its rows can be missing, and the guard's shares are of its rows.
  const unconfirmed = scope ? await confirmSchoolMissing(deps, input, scope, syncedAt, result) : undefined;
  const missing = await deps.store.missing(tenantId, resource, runId, 10, scope);
  const verdict = guardVerdict(deps.guard, { resource, missing: missing.missing, live: missing.live, inserted: result.inserted, restored: result.restored, updated: result.updated, heldSections: heldSectionCount });
  if (unconfirmed) {
    verdict.holdDeletions = true;
    verdict.reasons.push(unconfirmed);
  }
  if (verdict.holdDeletions) result.deleted = 0;
  else result.deleted = await deps.store.softDeleteMissing(tenantId, resource, runId, new Date(deps.now()).toISOString(), scope);
  if (verdict.reasons.length) {
    result.held = { ...(school ? { school } : {}), reasons: verdict.reasons, live: verdict.before, wouldDelete: verdict.holdDeletions ? missing.missing : 0, updated: result.updated, sample: verdict.holdDeletions ? missing.sample : [] };
    if (heldSectionCount) Object.assign(result.held, { enrollmentsHeld: heldSectionCount, sectionSample: heldSections });
  }
  cursor = undefined;
  // A school sync is no full sync of the resource: the last full sync stays as it was.
  await save(school ? { completedRunId: runId } : { completedRunId: runId, lastFullSyncAt: syncedAt });
  return result;
}

/** At most this many rows a school sync did not see are confirmed one by one with Clever. */
export const MAX_SCHOOL_CONFIRMATIONS = 1000;

/**
 * A row of the school that the school's nested list did not return is gone from the school, not
 * necessarily from Clever (a student who changed schools). Each is asked for by id (GET
 * /users/{id}, /sections/{id}: Clever/swagger-api v3.0.yml getUser/getSection, 404 NotFound when
 * gone): one Clever still returns is written as it is now (stamped by this run, so the sweep keeps
 * it); only 404s are left for the sweep. More than MAX_SCHOOL_CONFIRMATIONS: returns a reason to
 * hold the deletions instead (a full sync, or a person, decides).
 */
async function confirmSchoolMissing(deps: ResourceSyncDependencies, input: ResourceSyncInput, scope: SweepScope, syncedAt: string, result: ResourceResult): Promise<string | undefined> {
  const { tenantId, runId, resource } = input;
  const candidates = await deps.store.missing(tenantId, resource, runId, MAX_SCHOOL_CONFIRMATIONS, scope);
  if (candidates.missing > MAX_SCHOOL_CONFIRMATIONS) {
    return `${resource}: ${candidates.missing} rows of school ${scope.schoolId} were not listed, more than the ${MAX_SCHOOL_CONFIRMATIONS} a school sync confirms one by one; a full sync or a review decides`;
  }
  const stillThere: CleverRecord[] = [];
  for (const id of candidates.sample) {
    await deps.lease?.renew();
    try {
      stillThere.push(await deps.clever.get(resource as "users" | "sections", id));
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  if (!stillThere.length) return undefined;
  const { rows, quarantined } = mapPage(resource, stillThere, deps.districtId, deps.maxRecordBytes);
  const counts = await deps.store.upsert(tenantId, resource, rows, { runId, syncedAt, sectionLossGuard: deps.guard?.section });
  if (quarantined.length) {
    await deps.store.quarantine(tenantId, runId, quarantined);
    const kept = quarantined.flatMap((q) => (q.cleverId ? [{ cleverId: q.cleverId, reason: q.reason }] : []));
    if (kept.length) result.stale = (result.stale ?? 0) + (await deps.store.markStale(tenantId, resource, kept, { runId, staleSince: syncedAt }));
  }
  result.updated += counts.updated;
  result.unchanged += counts.unchanged;
  result.restored += counts.restored;
  result.quarantined += quarantined.length;
  return undefined;
}

/**
 * The "schools" step of a school sync: the one school, read with GET /schools/{id}
 * (Clever/swagger-api v3.0.yml getSchool), mapped and upserted like any page. Nothing is swept.
 */
async function syncOneSchool(deps: ResourceSyncDependencies, input: ResourceSyncInput, school: string): Promise<ResourceResult> {
  const { tenantId, runId } = input;
  const record = await deps.clever.get("schools", school);
  const { rows, quarantined } = mapPage("schools", [record], deps.districtId, deps.maxRecordBytes);
  await deps.lease?.renew(true);
  const syncedAt = new Date(deps.now()).toISOString();
  const counts = await deps.store.upsert(tenantId, "schools", rows, { runId, syncedAt });
  if (quarantined.length) await deps.store.quarantine(tenantId, runId, quarantined);
  return {
    resource: "schools",
    pages: 1,
    records: 1,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    deleted: 0,
    quarantined: quarantined.length,
    resumedFromPage: 0,
    restored: counts.restored,
  };
}
