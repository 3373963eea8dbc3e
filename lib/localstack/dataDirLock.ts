/**
 * One writer per data directory. Azurite persists its tables by rewriting one JSON file, and two
 * processes doing so over the same `.data/` silently lose each other's writes. The process that
 * serves or syncs holds `.data/cleversync.lock` (its PID, command and — for `start` — its URL and
 * function key, so other CLI commands can go through its API instead). The file is created
 * exclusively; a lock whose PID no longer runs is stale and taken over.
 */
import { chmodSync, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TypedError } from "../errors/typedError";

export const LOCK_FILE = "cleversync.lock";

export interface LockHolder {
  pid: number;
  /** The command holding it, e.g. "start" or "sync". */
  command: string;
  startedAt: string;
  /** Where a serving app answers (`start` only). */
  url?: string;
  /** The local function key of that app (`start` only); the lock file is readable by its owner only. */
  functionKey?: string;
}

export class DataDirLockedError extends TypedError {
  readonly code = "DATA_DIR_LOCKED";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `Another cleversync process (PID ${holder.pid}, \`cleversync ${holder.command}\`${holder.url ? ` serving ${holder.url}` : ""}) is using the data directory ${dataDir}. ` +
        `Two processes writing one data directory lose each other's changes. Fix: stop that process first (Ctrl-C in its terminal, or kill ${holder.pid}), ` +
        "or run this one from another directory (each directory has its own .data/).",
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Adds the serving URL and key once the app listens. */
  update(fields: Pick<LockHolder, "url" | "functionKey">): void;
  /** Whether our lock file is still there (deleting `.data/` while running removes it). */
  intact(): boolean;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still a live holder.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live holder of the directory's lock, if any. */
export function lockHolder(dataDir: string): LockHolder | undefined {
  const file = join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(file, "utf8")) as LockHolder;
  } catch {
    // Garbage (writers create it whole, and update it by rename): nobody holds it.
    return undefined;
  }
  return typeof holder.pid === "number" && holder.pid !== process.pid && isAlive(holder.pid) ? holder : undefined;
}

export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw error;
      const holder = lockHolder(dataDir);
      if (holder) throw new DataDirLockedError(dataDir, holder);
      // Stale: its process is gone. Remove and try again (exclusive create settles a race).
      try {
        unlinkSync(file);
      } catch {
        // Someone else removed it first.
      }
    }
  }
  let current = mine;
  return {
    file,
    update(fields) {
      current = { ...current, ...fields };
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(current), { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, file);
    },
    intact() {
      try {
        return (JSON.parse(readFileSync(file, "utf8")) as LockHolder).pid === process.pid;
      } catch {
        return false;
      }
    },
    release() {
      try {
        if ((JSON.parse(readFileSync(file, "utf8")) as LockHolder).pid === process.pid) unlinkSync(file);
      } catch {
        // Already gone.
      }
    },
  };
}
