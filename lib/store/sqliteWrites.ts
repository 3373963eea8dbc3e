/**
 * Every write of the SQLite store, on one connection, synchronously: the single implementation
 * the store runs either in its own thread (":memory:" databases, which cannot be shared) or on
 * its writer thread (sqliteWriter.ts). Inputs arrive validated and normalized (normalize.ts);
 * each method runs inside sqliteStep, so only typed store errors leave it.
 */
import type Database from "better-sqlite3";
import { RunNotFoundError, StoreInputError } from "./errors";
import type { PreparedQuarantineEntry, PreparedRow, PreparedRun } from "./normalize";
import { enrollmentDiff, leaseFromRow, type PreparedAudit, type PreparedHeld, type preparedState } from "./guardRows";
import { sqliteStep } from "./sqliteConnection";
import { sqliteGuardStatements, type GuardStatements } from "./sqliteGuard";
import { bindable, resourceStatements, sharedStatements, type ResourceStatements, type SharedStatements } from "./sqliteStatements";
import { applyUserLinks, sqliteUserLinkStatements, type UserLinkStatements } from "./sqliteUserLinks";
import { rowWeight, transactionChunks } from "./transactionSize";
import { ROSTER_RESOURCES, type HeldRun, type LeaseResult, type RosterResource, type SectionLossGuard, type SweepScope, type UpsertCounts } from "./types";

/** All statements of one connection. */
export interface SqliteStatements {
  resources: Record<RosterResource, ResourceStatements>;
  shared: SharedStatements;
  guard: GuardStatements;
  links: UserLinkStatements;
}

export function sqliteStatements(db: Database.Database): SqliteStatements {
  return {
    resources: Object.fromEntries(ROSTER_RESOURCES.map((r) => [r, resourceStatements(db, r)])) as Record<RosterResource, ResourceStatements>,
    shared: sharedStatements(db),
    guard: sqliteGuardStatements(db),
    links: sqliteUserLinkStatements(db),
  };
}

export interface UpsertRun {
  runId: string;
  syncedAt: string;
  sectionLossGuard?: SectionLossGuard;
}

export interface DecideHeldInput {
  status: "approved" | "rejected";
  at: string;
  decidedBy: string;
  audit: PreparedAudit;
}

export type SavedStateParams = ReturnType<typeof preparedState>;

export class SqliteWrites {
  private readonly st: SqliteStatements;

  constructor(
    private readonly db: Database.Database,
    private readonly maxRowsPerTransaction: number,
  ) {
    this.st = sqliteStep("prepare", () => sqliteStatements(db));
  }

  upsert(tenantId: string, resource: RosterResource, batch: PreparedRow[], run: UpsertRun): UpsertCounts {
    return sqliteStep("upsert", () => {
      const { resources, shared, guard, links } = this.st;
      const st = resources[resource];
      const { runId, syncedAt } = run;
      const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, restored: 0 };
      if (resource === "sections") Object.assign(counts, { enrollmentsRemoved: 0, enrollmentsRestored: 0, heldSections: [] });
      const write = this.db.transaction((prepared: PreparedRow[]) => {
        for (const row of prepared) {
          const state = st.lookup.get(row.raw, tenantId, row.cleverId) as { same: number; gone: number } | undefined;
          if (state && state.same === 1 && state.gone === 0) {
            st.stamp.run(runId, syncedAt, tenantId, row.cleverId);
            counts.unchanged++;
            continue;
          }
          st.upsert.run(tenantId, row.cleverId, ...row.values.map(bindable), row.raw, row.lastModified, syncedAt, runId);
          if (state === undefined) counts.inserted++;
          else counts.updated++;
          if (state?.gone === 1) counts.restored++;
          // Roster rows are never removed (only soft-deleted), so a row that did not exist has no
          // links, enrollments or held removals: a new row skips reading them.
          const fresh = state === undefined;
          // Inserted or updated users only: like enrollments, links derive from the raw JSON, so unchanged JSON means unchanged links.
          if (resource === "users") applyUserLinks(links, tenantId, row, syncedAt, fresh);
          if (row.enrollments) {
            // Unchanged sections keep their enrollments: they derive from the identical raw JSON.
            const existing = fresh ? [] : (shared.sectionEnrollments.all(tenantId, row.cleverId) as { user_id: string; role: string; deleted_at: string | null }[]);
            const diff = enrollmentDiff(existing.map((e) => ({ userId: e.user_id, role: e.role, deleted: e.deleted_at !== null })), row.enrollments, run.sectionLossGuard);
            // A newer look at the section supersedes removals an earlier run held.
            if (!fresh) guard.clearHeldEnrollments.run(tenantId, row.cleverId, runId);
            if (diff.held) {
              counts.heldSections!.push({ sectionId: row.cleverId, liveStudents: diff.liveStudents, removedStudents: diff.removedStudents });
              for (const e of diff.removed) guard.holdEnrollment.run(tenantId, runId, row.cleverId, e.userId, e.role);
            } else {
              for (const e of diff.removed) counts.enrollmentsRemoved! += shared.removeEnrollment.run(syncedAt, tenantId, row.cleverId, e.userId, e.role).changes;
            }
            for (const e of diff.restored) counts.enrollmentsRestored! += shared.restoreEnrollment.run(tenantId, row.cleverId, e.userId, e.role).changes;
            for (const e of diff.added) shared.insertEnrollment.run(tenantId, row.cleverId, e.userId, e.role);
          }
        }
      });
      for (const chunk of transactionChunks(batch, this.maxRowsPerTransaction, rowWeight)) write.immediate(chunk);
      return counts;
    });
  }

  softDeleteMissing(tenantId: string, resource: RosterResource, runId: string, at: string, scope: SweepScope | undefined): number {
    return sqliteStep("softDeleteMissing", () => {
      const st = this.st.resources[resource];
      const limit = this.maxRowsPerTransaction;
      let total = 0;
      for (;;) {
        // Each step commits on its own; a rerun after a failure finds only the rows still live.
        const step = () => (scope ? st.school!.sweep.run({ at, tenantId, runId, limit, schoolId: scope.schoolId }) : st.sweep.run({ at, tenantId, runId, limit })).changes;
        const changed = this.db.transaction(step).immediate();
        total += changed;
        if (changed < limit) return total;
      }
    });
  }

  softDelete(tenantId: string, resource: RosterResource, ids: string[], runId: string, at: string): number {
    return sqliteStep("softDelete", () => {
      const st = this.st.resources[resource];
      let count = 0;
      const step = this.db.transaction((chunk: string[]) => {
        for (const id of chunk) count += st.softDelete.run(at, runId, tenantId, id).changes;
      });
      for (const chunk of transactionChunks(ids, this.maxRowsPerTransaction)) step.immediate(chunk);
      return count;
    });
  }

  markStale(tenantId: string, resource: RosterResource, entries: { cleverId: string; reason: string }[], runId: string, at: string): number {
    return sqliteStep("markStale", () => {
      const { staleStamp } = this.st.resources[resource];
      const { staleFlag } = this.st.shared;
      let count = 0;
      this.db
        .transaction(() => {
          for (const e of entries) {
            // run_id is stamped so the end-of-resource sweep keeps the row: Clever still returns the record.
            if (staleStamp.run(runId, tenantId, e.cleverId).changes === 0) continue;
            staleFlag.run(tenantId, resource, e.cleverId, runId, e.reason, at);
            count++;
          }
        })
        .immediate();
      return count;
    });
  }

  quarantine(tenantId: string, runId: string, entries: PreparedQuarantineEntry[]): void {
    sqliteStep("quarantine", () => {
      const { quarantine } = this.st.shared;
      const step = this.db.transaction((chunk: PreparedQuarantineEntry[]) => {
        for (const e of chunk) quarantine.run(tenantId, runId, e.hash, e.resource, e.cleverId, e.reason, e.raw);
      });
      for (const chunk of transactionChunks(entries, this.maxRowsPerTransaction)) step.immediate(chunk);
    });
  }

  startRun(run: PreparedRun): void {
    sqliteStep("startRun", () => this.st.shared.startRun.run(run));
  }

  finishRun(tenantId: string, runId: string, result: Pick<PreparedRun, "status" | "finishedAt" | "countsJson" | "error">): void {
    sqliteStep("finishRun", () => {
      const { changes } = this.st.shared.finishRun.run({ ...result, tenantId, runId });
      if (changes === 0) throw new RunNotFoundError(tenantId, runId);
    });
  }

  acquireLease(tenantId: string, request: { runId: string; instanceId: string | null; now: string; expiresAt: string }): LeaseResult {
    return sqliteStep("acquireLease", () => {
      const { guard } = this.st;
      // IMMEDIATE: the write lock is taken first, so two processes never both see the lease free.
      return this.db
        .transaction((): LeaseResult => {
          guard.takeLease.run({ tenantId, ...request });
          const lease = leaseFromRow(guard.lease.get(tenantId) as Record<string, unknown>);
          return lease.runId === request.runId ? { acquired: true, lease } : { acquired: false, holder: lease };
        })
        .immediate();
    });
  }

  renewLease(tenantId: string, runId: string, expiresAt: string): boolean {
    return sqliteStep("renewLease", () => this.st.guard.renewLease.run(expiresAt, tenantId, runId).changes === 1);
  }

  releaseLease(tenantId: string, runId: string): boolean {
    return sqliteStep("releaseLease", () => this.st.guard.releaseLease.run(tenantId, runId).changes === 1);
  }

  saveSyncState(tenantId: string, params: SavedStateParams): void {
    sqliteStep("saveSyncState", () => this.st.guard.saveState.run({ tenantId, ...params }));
  }

  holdRun(held: PreparedHeld): void {
    sqliteStep("holdRun", () => this.st.guard.holdRun.run(held));
  }

  decideHeld(tenantId: string, runId: string, decision: DecideHeldInput): { deleted: Partial<Record<RosterResource, number>>; enrollmentsDeleted: number } | undefined {
    return sqliteStep("decideHeld", () => {
      const { guard, resources } = this.st;
      const { at } = decision;
      return this.db
        .transaction(() => {
          if (guard.decide.run(decision.status, at, decision.decidedBy, tenantId, runId).changes === 0) return undefined;
          const deleted: Partial<Record<RosterResource, number>> = {};
          let enrollmentsDeleted = 0;
          if (decision.status === "approved") {
            const held = JSON.parse(String(guard.heldResources.get(tenantId, runId))) as HeldRun["resources"];
            for (const resource of ROSTER_RESOURCES) {
              // With the decision and its audit entry in one transaction: no cap (LIMIT -1 is none in SQLite).
              const h = held[resource];
              if (!h?.wouldDelete) continue;
              // A school sync's held deletions stay within that school.
              const school = h.school ? resources[resource].school : undefined;
              if (h.school && !school) throw new StoreInputError("school", `${resource} rows carry no school`);
              deleted[resource] = school ? school.sweep.run({ at, tenantId, runId, limit: -1, schoolId: h.school }).changes : resources[resource].sweep.run({ at, tenantId, runId, limit: -1 }).changes;
            }
            enrollmentsDeleted = guard.applyHeldEnrollments.run({ at, tenantId, runId }).changes;
          }
          guard.dropHeldEnrollments.run(tenantId, runId);
          const result = { deleted, enrollmentsDeleted };
          // The audit entry's details carry the result, known only now.
          const details = decision.audit.detailsJson === null ? {} : (JSON.parse(decision.audit.detailsJson) as Record<string, unknown>);
          guard.appendAudit.run({ ...decision.audit, detailsJson: JSON.stringify({ ...details, ...result }) });
          return result;
        })
        .immediate();
    });
  }

  purgeQuarantine(tenantId: string, before: string): number {
    return sqliteStep("purgeQuarantine", () => this.st.guard.purgeQuarantine.run(tenantId, before).changes);
  }

  appendAudit(entry: PreparedAudit): void {
    sqliteStep("appendAudit", () => this.st.guard.appendAudit.run(entry));
  }
}

/** The write methods by name: what the writer thread accepts. */
export type SqliteWriteMethod = {
  [K in keyof SqliteWrites]: SqliteWrites[K] extends (...args: never[]) => unknown ? K : never;
}[keyof SqliteWrites];
