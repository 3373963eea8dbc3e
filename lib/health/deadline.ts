/** A check that did not answer in time. Its description is safe to show: no dependency detail. */
export class CheckTimeoutError extends Error {
  override readonly name = "CheckTimeoutError";
  constructor(
    readonly check: string,
    readonly timeoutMs: number,
  ) {
    super(`The ${check} check did not answer within ${timeoutMs} ms.`);
  }
}

/**
 * Waits for `work` at most `timeoutMs` (or until `controller` is aborted): rejects with
 * CheckTimeoutError when it takes longer, and aborts `controller` so a check that honours its signal (fetch) releases its socket. The work
 * itself cannot be cancelled from outside; callers must not start another copy while it is pending.
 */
export async function withDeadline<T>(check: string, timeoutMs: number, controller: AbortController, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    // Aborted from outside (the snapshot stopped): give up at once with that reason.
    onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener("abort", onAbort, { once: true });
    timer = setTimeout(() => {
      const error = new CheckTimeoutError(check, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    // A deadline never keeps the process alive on its own.
    timer.unref();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    if (onAbort) controller.signal.removeEventListener("abort", onAbort);
  }
}
