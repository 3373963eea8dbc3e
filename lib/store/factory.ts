/** Builds a RosterStore from a target description: the only place that picks a dialect. */
import type { MssqlRosterStoreOptions } from "./mssqlStore";
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
    case "mssql": {
      // Loaded only for SQL Server: mssql brings tedious, @azure/identity and more (~20 MB resident)
      // that no SQLite user should carry.
      const { MssqlRosterStore } = require("./mssqlStore") as typeof import("./mssqlStore");
      return new MssqlRosterStore(target);
    }
    default:
      throw new StoreInputError("target.kind", 'must be "sqlite" or "mssql"');
  }
}
