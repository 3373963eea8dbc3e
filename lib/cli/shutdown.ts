/**
 * Exit codes and Ctrl-C handling shared by the long-running commands (README "Exit codes").
 *
 * First SIGINT/SIGTERM: no new work starts, the command stops its parts (HTTP, timers, stores,
 * Azurite flushes its file) and exits within STOP_DEADLINE_MS whatever is still running — an
 * activity cut off mid-resource resumes from its last page checkpoint on the next run. A second
 * signal exits at once.
 */
export const EXIT = {
  /** Done, or `start` stopped on request. */
  ok: 0,
  /** The sync failed, a command failed, or start-up failed (the cause is printed). */
  failed: 1,
  /** `sync` interrupted by Ctrl-C (128 + SIGINT, the shell convention). */
  interrupted: 130,
  /** `sync` stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

/** Within the 10 s budget, with room for the process to end after it. */
export const STOP_DEADLINE_MS = 8_000;
/** How long a stop lets work in flight finish (a plan, a page batch) before cutting it off. */
export const STOP_GRACE_MS = 2_000;

/** Resolves when `idle` does or after STOP_GRACE_MS, whichever is first. */
export async function graceFor(idle: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([idle.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
  clearTimeout(timer);
}

export interface StopHandling {
  /** Whether a stop signal has arrived (suppress follow-on errors of work being cut off). */
  readonly stopping: boolean;
  /** Removes the handlers (the command finished on its own). */
  dispose(): void;
}

/**
 * On the first signal runs `stop` (bounded by STOP_DEADLINE_MS), then exits with the code it
 * returns; on a second signal exits at once with `exitAtOnce`.
 */
export function handleStopSignals(stop: (signal: NodeJS.Signals) => Promise<number>, io: { notice(line: string): void } = { notice: (line) => console.error(line) }): StopHandling {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      io.notice(`${signal} again: exiting at once.`);
      process.exit(signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted);
    }
    stopping = true;
    io.notice(`${signal}: stopping — no new syncs start, work in flight stops at its last checkpoint; exiting within ${STOP_DEADLINE_MS / 1000} s (press Ctrl-C again to exit at once).`);
    const deadline = new Promise<number>((resolve) => setTimeout(() => resolve(-1), STOP_DEADLINE_MS).unref());
    void Promise.race([stop(signal).catch((error: unknown) => {
      io.notice(`While stopping: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.failed;
    }), deadline]).then((code) => {
      if (code === -1) io.notice(`Parts did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway.`);
      process.exit(code === -1 ? (signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted) : code);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get stopping() {
      return stopping;
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
