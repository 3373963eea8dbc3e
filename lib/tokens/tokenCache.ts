import { secretRef, SecretStore } from "../secrets";
import { cachedToken, CachedToken, TokenMode } from "./cachedToken";

/**
 * Where refreshed tokens live so every activity on every instance can use them: Key Vault in
 * Azure (one secret per tenant), process memory locally. Never durable state.
 */
export interface TokenCache {
  get(tenantId: string): Promise<CachedToken | undefined>;
  put(tenantId: string, token: CachedToken): Promise<void>;
  delete(tenantId: string): Promise<void>;
}

export class MemoryTokenCache implements TokenCache {
  readonly #tokens = new Map<string, CachedToken>();
  async get(tenantId: string): Promise<CachedToken | undefined> {
    return this.#tokens.get(tenantId);
  }
  async put(tenantId: string, token: CachedToken): Promise<void> {
    this.#tokens.set(tenantId, token);
  }
  async delete(tenantId: string): Promise<void> {
    this.#tokens.delete(tenantId);
  }
}

interface StoredTokenJson {
  accessToken: string;
  mode: TokenMode;
  obtainedAt: number;
  expiresAt?: number;
}

/** The shared cache in Azure: the `clever-{tenant}-access-token` secret, value a small JSON document. */
export class SecretStoreTokenCache implements TokenCache {
  constructor(private readonly store: SecretStore) {}

  async get(tenantId: string): Promise<CachedToken | undefined> {
    const text = await this.store.getSecret(secretRef(tenantId, "accessToken"));
    if (!text) return undefined;
    const stored = JSON.parse(text) as StoredTokenJson;
    return cachedToken(stored.accessToken, { mode: stored.mode, obtainedAt: stored.obtainedAt, expiresAt: stored.expiresAt });
  }

  async put(tenantId: string, token: CachedToken): Promise<void> {
    const stored: StoredTokenJson = { accessToken: token.accessToken, mode: token.mode, obtainedAt: token.obtainedAt, expiresAt: token.expiresAt };
    await this.store.setSecret(secretRef(tenantId, "accessToken"), JSON.stringify(stored), {
      contentType: "application/json",
      expiresOn: token.expiresAt === undefined ? undefined : new Date(token.expiresAt),
      tags: { fingerprint: token.fingerprint, mode: token.mode },
    });
  }

  async delete(tenantId: string): Promise<void> {
    // Overwrite rather than delete: Key Vault deletes are soft and block re-creation until purged.
    await this.store.setSecret(secretRef(tenantId, "accessToken"), "", { tags: { deleted: "true" } });
  }
}
