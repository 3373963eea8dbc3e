import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` that always ends. Node's `mkdirSync(path, { recursive: true })` spins forever at
 * 100% CPU, blocking the event loop (so no signal handler runs), when the kernel answers ENOENT
 * for a parent that exists — as procfs does for `/proc/<anything>`: it reads ENOENT as "parent
 * missing", creates the parent (EEXIST) and retries. Seen here on Node 20.20.2 with
 * `node -e 'fs.mkdirSync("/proc/x", { recursive: true })'`; the mechanism is analysed in
 * https://github.com/Kewton/CommandMate/issues/1774. Here each missing directory is created once,
 * top-down, and the first error is final.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
