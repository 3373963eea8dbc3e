/**
 * Azure Key Vault as a SecretStore.
 *
 * Nothing touches the network (or even builds the credential) until the first read, so the app
 * starts when Key Vault is unreachable. By default it signs in with DefaultAzureCredential:
 * managed identity in Azure, `az login` / VS Code / environment credentials on a developer box.
 * Tests inject a TokenCredential and an httpClient pointed at the local stand-in.
 */
import type { TokenCredential } from "@azure/identity";
import { isRestError } from "@azure/core-rest-pipeline";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { SecretStoreConfigError, SecretStoreUnavailableError, sanitizeCause, type UnavailableReason } from "./errors";
import type { SecretRef } from "./names";
import type { SecretStore, SetSecretOptions } from "./types";

export interface KeyVaultSecretStoreOptions {
  /** e.g. https://my-vault.vault.azure.net */
  vaultUrl: string;
  /** Defaults to DefaultAzureCredential, created on first use. */
  credential?: TokenCredential;
  /** Passed to SecretClient: retryOptions, httpClient, tlsOptions, disableChallengeResourceVerification... */
  clientOptions?: SecretClientOptions;
  /**
   * Deadline for one secret read or write, including the SDK's retries: a vault that hangs must
   * not hang a sync. Default 30 s.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const SYSTEM_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);
const AUTH_ERROR_NAMES = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);

export class KeyVaultSecretStore implements SecretStore {
  readonly kind = "key-vault" as const;
  readonly vaultUrl: string;
  readonly description: string;
  /** The `--vault-name` for az commands, when the URL shows it. */
  readonly vaultName: string | undefined;
  readonly #options: KeyVaultSecretStoreOptions;
  #client: Promise<SecretClient> | undefined;

  constructor(options: KeyVaultSecretStoreOptions) {
    this.vaultUrl = parseVaultUrl(options.vaultUrl, options.clientOptions?.allowInsecureConnection === true);
    this.vaultName = /^([a-z0-9-]+)\.vault\./i.exec(new URL(this.vaultUrl).hostname)?.[1];
    this.description = `Key Vault ${this.vaultUrl}`;
    this.#options = options;
  }

  async getSecret(ref: SecretRef): Promise<string | undefined> {
    try {
      const client = await this.#secretClient();
      const secret = await client.getSecret(ref.name, { abortSignal: this.#deadline() });
      return secret.value;
    } catch (err) {
      // 404 is an answer, not an outage: the secret does not exist.
      if (isRestError(err) && err.statusCode === 404) return undefined;
      throw this.#unavailable(err, ref);
    }
  }

  async setSecret(ref: SecretRef, value: string, options: SetSecretOptions = {}): Promise<void> {
    try {
      const client = await this.#secretClient();
      await client.setSecret(ref.name, value, { ...options, abortSignal: this.#deadline() });
    } catch (err) {
      throw this.#unavailable(err, ref);
    }
  }

  nameOf(ref: SecretRef): string {
    return ref.name;
  }

  howToAdd(ref: SecretRef): string {
    return `az keyvault secret set --vault-name ${this.vaultName ?? "<vault-name>"} --name ${ref.name} --value <value>`;
  }

  get #timeoutMs(): number {
    return this.#options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * An abort signal rather than the SDK's `requestOptions.timeout`: the SDK's node client leaves
   * that timer running when a request fails to connect, holding the process open; the timer
   * behind AbortSignal.timeout never keeps the process alive.
   */
  #deadline(): AbortSignal {
    return AbortSignal.timeout(this.#timeoutMs);
  }

  #secretClient(): Promise<SecretClient> {
    this.#client ??= (async () => {
      // Loaded lazily: @azure/identity is heavy and reads its environment on construction.
      const credential = this.#options.credential ?? new (await import("@azure/identity")).DefaultAzureCredential();
      return new SecretClient(this.vaultUrl, credential, this.#options.clientOptions);
    })();
    return this.#client;
  }

  #unavailable(err: unknown, ref: SecretRef): SecretStoreUnavailableError {
    const { reason, statusCode, detail } = classify(err);
    return new SecretStoreUnavailableError(reason, this.description, ref.name, `${this.description} ${explain(reason, detail, this.#timeoutMs)} (secret "${ref.name}")`, {
      statusCode,
      cause: sanitizeCause(err),
    });
  }
}

function parseVaultUrl(raw: string, allowInsecure: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SecretStoreConfigError("keyVaultUrl", `"${raw}" is not a URL`, "Use the vault URI from the portal, e.g. https://my-vault.vault.azure.net");
  }
  if (url.protocol !== "https:" && !(allowInsecure && url.protocol === "http:")) {
    throw new SecretStoreConfigError("keyVaultUrl", `"${raw}" must use https`, "Use the vault URI from the portal, e.g. https://my-vault.vault.azure.net");
  }
  return url.origin;
}

function classify(err: unknown): { reason: UnavailableReason; statusCode?: number; detail: string } {
  const e = (err ?? {}) as { name?: string; code?: unknown; statusCode?: number };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (isRestError(err) && err.statusCode !== undefined) {
    const statusCode = err.statusCode;
    const detail = `HTTP ${statusCode}${code ? ` ${code}` : ""}`;
    if (statusCode === 429) return { reason: "throttled", statusCode, detail };
    if (statusCode === 401 || statusCode === 403) return { reason: "accessDenied", statusCode, detail };
    if (statusCode >= 500) return { reason: "server", statusCode, detail };
    return { reason: "unknown", statusCode, detail };
  }
  if (e.name === "AbortError") return { reason: "timeout", detail: "timed out" };
  if (e.name && AUTH_ERROR_NAMES.has(e.name)) return { reason: "authentication", detail: e.name };
  if ((code && SYSTEM_ERROR_CODES.has(code)) || (isRestError(err) && code === "REQUEST_SEND_ERROR")) {
    return { reason: "network", detail: code ?? "network error" };
  }
  return { reason: "unknown", detail: code ?? e.name ?? "error" };
}

function explain(reason: UnavailableReason, detail: string, timeoutMs: number): string {
  switch (reason) {
    case "network":
      return `could not be reached (${detail}). Check the vault URL, DNS and network access (firewall, private endpoint)`;
    case "timeout":
      return `did not answer within ${timeoutMs} ms (including retries)`;
    case "server":
      return `answered ${detail}; the service is having trouble, the next read tries again`;
    case "throttled":
      return `throttled the requests (${detail}) after the SDK's retries; lower the read rate (a longer cache TTL helps)`;
    case "accessDenied":
      return `refused access (${detail}). Grant this app's identity the "Key Vault Secrets User" role (or a get/list/set secret access policy)`;
    case "authentication":
      return `could not be signed in to (${detail}). In Azure enable the app's managed identity; locally run "az login"`;
    default:
      return `failed (${detail})`;
  }
}
