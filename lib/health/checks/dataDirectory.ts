import type { HealthCheck } from "../snapshot";

export interface DataDirectoryCheckDependencies {
  dir: string;
  /** Whether the directory's lock file is still there and still ours. */
  intact: () => boolean;
}

/**
 * Local runs only: the data directory (SQLite, Azurite's tables, the lock) must outlive the app.
 * Deleted while running, later writes go to unlinked files and are lost: Unhealthy, never silent.
 */
export function dataDirectoryCheck({ dir, intact }: DataDirectoryCheckDependencies): HealthCheck {
  return async () =>
    intact()
      ? { status: "Healthy", description: "The local data directory is in place.", data: { dir } }
      : {
          status: "Unhealthy",
          description: `The local data directory ${dir} (or its lock file) was deleted while the app runs: writes since are lost. Fix: stop the app and start it again.`,
          data: { dir },
        };
}
