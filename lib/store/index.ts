/**
 * The roster store: Clever rosters in SQL, one schema on two dialects.
 *
 *   const router = new StoreRouter({ defaultTarget: { kind: "sqlite", filename: ".data/roster.db" } });
 *   const store = await router.storeFor(tenantId);            // migrated on first use
 *   await store.startRun({ runId, tenantId, mode: "full", status: "running", startedAt });
 *   await store.upsert(tenantId, "users", rows, { runId, syncedAt });   // per page
 *   await store.softDeleteMissing(tenantId, "users", runId, now);       // after the resource finished
 *   await store.finishRun(tenantId, runId, { status: "completed", finishedAt, counts, error: null });
 */
export type {
  AuditEntry,
  AuditInput,
  HeldResource,
  HeldRun,
  HeldStatus,
  LeaseResult,
  SectionLossGuard,
  SyncLease,
  SyncState,
  UpsertOptions,
  ColumnValue,
  Enrollment,
  EnrollmentRole,
  QuarantinedRecord,
  QuarantineEntry,
  RosterResource,
  RosterRow,
  RosterStore,
  StaleRow,
  RunSummary,
  StoredRosterRow,
  UpsertCounts,
  SweepScope,
} from "./types";
export { SCHOOL_SCOPED_RESOURCES } from "./types";
export { ROSTER_RESOURCES } from "./types";
export { SqliteRosterStore, type SqliteRosterStoreOptions } from "./sqliteStore";
// The SQL Server store itself is imported from "./mssqlStore" where wanted (createRosterStore loads it on demand).
export type { MssqlConnectionStringOptions, MssqlEntraOptions, MssqlRosterStoreOptions } from "./mssqlStore";
export { createRosterStore, type MssqlTarget, type SqliteTarget, type StoreTarget } from "./factory";
export { StoreRouter, targetKey, type StoreRouterOptions, type TenantTargetResolver } from "./router";
export { ROSTER_COLUMNS, type ColumnDef, type ColumnKind } from "./schema";
export { ROSTER_VIEWS, VIEW_COLUMNS, type RosterView } from "./views";
export {
  RunNotFoundError,
  StoreError,
  StoreInputError,
  StoreNotReadyError,
  StoreQueryError,
  StoreRoutingError,
  StoreSchemaError,
  StoreUnavailableError,
} from "./errors";
