/**
 * Local settings / environment variables as a SecretStore, for runs without Azure.
 *
 * Reads CLEVER__{TENANT}__CLIENT_ID and friends (see names.ts) from a plain object: process.env
 * by default, or the "Values" of local.settings.json. Writes (the token cache) stay in this
 * process's memory and never touch process.env.
 */
import type { SecretRef } from "./names";
import type { SecretStore } from "./types";

export interface LocalSecretStoreOptions {
  /** Settings to read; defaults to process.env, read live. */
  values?: Readonly<Record<string, string | undefined>>;
  /** Shown in messages, e.g. "local.settings.json". */
  description?: string;
}

export class LocalSecretStore implements SecretStore {
  readonly kind = "local" as const;
  readonly description: string;
  readonly #values: Readonly<Record<string, string | undefined>>;
  readonly #written = new Map<string, string>();

  constructor(options: LocalSecretStoreOptions = {}) {
    this.#values = options.values ?? process.env;
    this.description = options.description ?? "local settings (environment variables)";
  }

  async getSecret(ref: SecretRef): Promise<string | undefined> {
    return this.#written.get(ref.envName) ?? this.#values[ref.envName];
  }

  async setSecret(ref: SecretRef, value: string): Promise<void> {
    this.#written.set(ref.envName, value);
  }

  nameOf(ref: SecretRef): string {
    return ref.envName;
  }

  howToAdd(ref: SecretRef): string {
    return `set ${ref.envName}=<value> in the environment or in local.settings.json "Values"`;
  }
}
