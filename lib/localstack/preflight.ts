/**
 * Before a CLI sync starts its orchestration, touch each part the sync depends on once — tenant
 * registry, credentials, SQL database, Clever's token endpoint — the same way the activities
 * will. A permanent failure (see lib/errors/failureKind.ts) stops at once naming the part, the
 * cause and the fix; a transient one is retried a few times with a visible line per wait.
 * Without this, a newcomer's typo surfaced only after minutes of durable retries.
 */
import { lookup } from "node:dns/promises";
import { TypedError } from "../errors/typedError";
import { failureKind, failureMessage } from "../errors/failureKind";
import type { Services } from "../runtime/services";
import { refreshTokenActivity } from "../runtime/tokenFunctions";
import { secretRef } from "../secrets";
import { probeSqlEndpoint } from "./sqlEndpointProbe";

export class PreflightError extends TypedError {
  readonly code = "PREFLIGHT_FAILED";
  constructor(
    readonly part: string,
    readonly kind: "permanent" | "transient",
    message: string,
    cause?: Error,
  ) {
    super(message, cause);
  }
}

export interface PreflightOptions {
  /** Where "retrying" lines go (stderr in the CLI). */
  print: (line: string) => void;
  /** Where the SQL connection came from, for the fix text (e.g. "--mssql env:MY_SQL"). */
  sqlSource?: string;
  /** Waits between attempts of a transient failure; its length + 1 is the number of attempts. */
  retryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_DELAYS_MS = [1_000, 2_000, 4_000];

export async function preflightSync(services: Services, tenantId: string, options: PreflightOptions): Promise<void> {
  const { settings } = services;
  const step = <T>(part: string, fix: (error: unknown) => string, work: () => Promise<T>) => attempt(part, fix, work, options);

  await step("Tenant registry (Azure Tables)", () => "", () => services.tenants.get(tenantId));

  if (settings.KEY_VAULT_URL) {
    // The SDK retries a name that does not resolve for several seconds; one lookup says it at once.
    const host = new URL(settings.KEY_VAULT_URL).hostname;
    await step(
      "Key Vault",
      () => `Fix: KEY_VAULT_URL (${settings.KEY_VAULT_URL}) must name an existing vault, e.g. https://<vault-name>.vault.azure.net; unset it to read credentials from the environment.`,
      () => lookup(host),
    );
  }
  await step("Clever credentials", () => "", () => services.credentials.getCleverCredentials(tenantId));

  const sqlFix = (error: unknown) =>
    settings.SQL_CONNECTION
      ? /Login failed|ELOGIN/i.test(failureMessage(error))
        ? `Fix: check the user and password in ${options.sqlSource ?? "SQL_CONNECTION"}.`
        : `Fix: check the server, port and database in ${options.sqlSource ?? "SQL_CONNECTION"} (is SQL Server running there and reachable?).`
      : `Fix: SQLITE_PATH (${settings.SQLITE_PATH}) must be a file in a writable directory.`;
  const connection = settings.SQL_CONNECTION;
  if (connection) await step("SQL database", sqlFix, () => probeSqlEndpoint(connection));
  await step("SQL database", sqlFix, () => services.stores.storeFor(tenantId));

  const tokenFix = () => {
    const id = services.credentials.secretStore.nameOf(secretRef(tenantId, "clientId"));
    const secret = services.credentials.secretStore.nameOf(secretRef(tenantId, "clientSecret"));
    return `Fix: check ${id} and ${secret} (the Clever app's client id and secret), and CLEVER_OAUTH_BASE_URL (${settings.CLEVER_OAUTH_BASE_URL}).`;
  };
  // The same refresh the token keeper runs: the token lands in the shared cache the activities read.
  await step("Clever token", tokenFix, () => refreshTokenActivity(services, { tenantId, reason: "start" }));
}

async function attempt<T>(part: string, fix: (error: unknown) => string, work: () => Promise<T>, options: PreflightOptions): Promise<T> {
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attemptNo = 1; ; attemptNo++) {
    try {
      return await work();
    } catch (error) {
      const kind = failureKind(error);
      const cause = failureMessage(error);
      const delay = delays[attemptNo - 1];
      if (kind === "permanent" || delay === undefined) {
        const fixText = fix(error);
        const what = kind === "permanent" ? "failed, and retrying cannot fix it" : `still failing after ${attemptNo} attempts`;
        throw new PreflightError(part, kind, `${part} ${what}: ${cause}${fixText && !cause.includes("Fix:") ? ` ${fixText}` : ""}`, error instanceof Error ? error : undefined);
      }
      options.print(`${part}: ${cause} — transient, retrying in ${Math.round(delay / 1000)} s (attempt ${attemptNo + 1} of ${delays.length + 1})`);
      await sleep(delay);
    }
  }
}
