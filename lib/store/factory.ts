/** Builds a RosterStore from a target description: the only place that picks a dialect. */
import { MssqlRosterStore, type MssqlRosterStoreOptions } from "./mssqlStore";
import { SqliteRosterStore, type SqliteRosterStoreOptions } from "./sqliteStore";
import { StoreInputError } from "./errors";
import type { RosterStore } from "./types";

export type SqliteTarget = { kind: "sqlite" } & SqliteRosterStoreOptions;
export type MssqlTarget = { kind: "mssql" } & MssqlRosterStoreOptions;
export type StoreTarget = SqliteTarget | MssqlTarget;

/** A new, unmigrated store; call migrate() (StoreRouter does) before use. */
export function createRosterStore(target: StoreTarget): RosterStore {
  switch (target?.kind) {
    case "sqlite":
      return new SqliteRosterStore(target);
    case "mssql":
      return new MssqlRosterStore(target);
    default:
      throw new StoreInputError("target.kind", 'must be "sqlite" or "mssql"');
  }
}
