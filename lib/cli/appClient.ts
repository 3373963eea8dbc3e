/**
 * The running app's HTTP API, for CLI commands started while `cleversync start` holds the data
 * directory: they change state through the one writer instead of opening its files a second time.
 */
import type { LockHolder } from "../localstack/dataDirLock";

export class AppRequestError extends Error {
  override readonly name = "AppRequestError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RunningApp {
  url: string;
  functionKey: string;
  pid: number;
}

export function runningAppOf(holder: LockHolder | undefined): RunningApp | undefined {
  return holder?.url && holder.functionKey ? { url: holder.url, functionKey: holder.functionKey, pid: holder.pid } : undefined;
}

/** One API call; a problem+json answer becomes an error carrying its detail (never a stack). */
export async function callApp<T>(app: RunningApp, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(`${app.url}/api/${path}`, {
      method,
      headers: { "x-functions-key": app.functionKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AppRequestError(0, `The running app (PID ${app.pid}) at ${app.url} did not answer ${method} /api/${path}: ${error instanceof Error ? error.message : String(error)}. Fix: check that process, or stop it and run this command again.`);
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const problem = (parsed ?? {}) as { detail?: string; title?: string };
    throw new AppRequestError(response.status, problem.detail ?? problem.title ?? `The running app answered ${response.status} to ${method} /api/${path}.`);
  }
  return { status: response.status, body: parsed as T };
}
