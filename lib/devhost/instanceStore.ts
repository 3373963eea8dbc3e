import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * Where the devhost keeps durable instances, like the host's task hub (Azure Storage tables and
 * queues): in memory for tests, SQLite under .data/ for `cleversync start`, so a restart resumes
 * in-flight orchestrations instead of forgetting them. Values are the engine's JSON snapshots
 * (lib/devhost/instanceState.ts); the store does not look inside.
 */
export interface InstanceStore {
  /** Every stored instance snapshot (JSON text). */
  loadAll(): string[];
  save(instanceId: string, snapshot: string): void;
  delete(instanceId: string): void;
  close(): void;
}

/** Keeps snapshots in a map: tests hand the same store to a second engine to "restart". */
export class MemoryInstanceStore implements InstanceStore {
  readonly #rows = new Map<string, string>();
  loadAll(): string[] {
    return [...this.#rows.values()];
  }
  save(instanceId: string, snapshot: string): void {
    this.#rows.set(instanceId, snapshot);
  }
  delete(instanceId: string): void {
    this.#rows.delete(instanceId);
  }
  close(): void {}
}

/**
 * One SQLite file (WAL, synchronous=FULL so a snapshot written before a `kill -9` is there after
 * it). Every change of an instance is one upsert; the engine writes before it acts on a change.
 */
export class SqliteInstanceStore implements InstanceStore {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;
  readonly #remove: Database.Statement;

  constructor(readonly filename: string) {
    mkdirSync(dirname(filename), { recursive: true });
    this.#db = new Database(filename);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.exec("CREATE TABLE IF NOT EXISTS devhost_instances (instance_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL)");
    this.#upsert = this.#db.prepare("INSERT INTO devhost_instances (instance_id, snapshot) VALUES (?, ?) ON CONFLICT(instance_id) DO UPDATE SET snapshot = excluded.snapshot");
    this.#remove = this.#db.prepare("DELETE FROM devhost_instances WHERE instance_id = ?");
  }

  loadAll(): string[] {
    return (this.#db.prepare("SELECT snapshot FROM devhost_instances ORDER BY rowid").all() as { snapshot: string }[]).map((r) => r.snapshot);
  }
  save(instanceId: string, snapshot: string): void {
    if (this.#db.open) this.#upsert.run(instanceId, snapshot); // after close: the host has stopped
  }
  delete(instanceId: string): void {
    if (this.#db.open) this.#remove.run(instanceId);
  }
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
