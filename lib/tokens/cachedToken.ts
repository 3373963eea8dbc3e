import { createHash } from "node:crypto";

export type TokenMode = "client-credentials" | "district-token" | "stored-token";

/** A Clever bearer token and what we know about it. The token itself never serializes. */
export interface CachedToken {
  readonly accessToken: string;
  fingerprint: string;
  mode: TokenMode;
  obtainedAt: number;
  /** Absent for Clever's non-expiring district tokens. */
  expiresAt?: number;
}

/**
 * A short one-way fingerprint: lets status, logs and tests tell tokens apart without the token.
 * 12 hex characters of SHA-256 cannot be reversed into a usable bearer token.
 */
export function fingerprintOf(accessToken: string): string {
  return createHash("sha256").update(accessToken).digest("hex").slice(0, 12);
}

export function cachedToken(accessToken: string, fields: Omit<CachedToken, "accessToken" | "fingerprint">): CachedToken {
  const token = { ...fields, fingerprint: fingerprintOf(accessToken) } as CachedToken;
  Object.defineProperty(token, "accessToken", { value: accessToken, enumerable: false });
  return token;
}

/** Still usable `skewMs` from now? Non-expiring tokens always are (until Clever says 401). */
export function isUsable(token: CachedToken, now: number, skewMs = 30_000): boolean {
  return token.expiresAt === undefined || token.expiresAt - skewMs > now;
}
