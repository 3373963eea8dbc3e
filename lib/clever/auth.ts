/**
 * Clever's OAuth endpoints and the token-provider contract the data client uses.
 *
 * - `listDistrictTokens`: GET /oauth/tokens?owner_type=district[&district=id], the
 *   district-app tokens Secure Sync uses — the default and the only server-to-server flow Clever
 *   documents (https://dev.clever.com/docs/district-app-tokens; they do not expire on a clock,
 *   they are revoked). An entry that does carry an expiry (`expires_in` seconds or `expires_at`,
 *   not documented by Clever) is honoured, so the 75% refresh path serves it too.
 * - `requestClientCredentialsToken`: POST /oauth/tokens, grant_type=client_credentials, HTTP
 *   Basic client id/secret (RFC 6749 §4.4); `expires_in` parsed when present. NOT a Clever grant:
 *   Clever documents only district-app tokens and the authorization-code exchange. Kept for OAuth
 *   providers (or Clever-compatible gateways) that issue expiring tokens this way.
 *
 * The access token on returned objects is a non-enumerable property, so logging or
 * JSON-serializing a token object does not leak it; read `.accessToken` explicitly.
 */
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { CleverAuthError, CleverMalformedResponseError, CleverRequestError } from './errors';
import { createDefaultAgent, describeErrorBody, networkOutcome, sendRequest, transientOutcome, type HttpSettings } from './http';
import type { CleverMetricListener } from './metrics';
import { defaultSleep, resolveRetryPolicy, runWithRetries, type AttemptOutcome, type RetryPolicy } from './retry';

export const CLEVER_OAUTH_BASE_URL = 'https://clever.com';

/** Where the data client gets its bearer token. */
export interface TokenProvider {
  getToken(): Promise<string>;
  /**
   * Called when Clever answered 401 with `token`: drop it from any cache. The client then asks
   * `getToken()` again and retries the request once.
   */
  invalidate?(token: string): void | Promise<void>;
}

/** A provider object, or just an async function returning the token. */
export type TokenSource = TokenProvider | (() => Promise<string>);

export function toTokenProvider(source: TokenSource): TokenProvider {
  return typeof source === 'function' ? { getToken: source } : source;
}

/** A fixed token (e.g. a district-app token read from the secret store). */
export function staticTokenProvider(token: string): TokenProvider {
  return { getToken: async () => token };
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface OAuthOptions {
  /** Origin of the OAuth endpoints. Default https://clever.com. */
  baseUrl?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onMetric?: CleverMetricListener;
  userAgent?: string;
  signal?: AbortSignal;
}

export interface IssuedToken {
  /** Non-enumerable: never shows up in JSON.stringify or console output. */
  readonly accessToken: string;
  tokenType: string;
  scopes: string[];
  /** Lifetime Clever announced, when it did. */
  expiresInSeconds?: number;
  /** obtainedAt + expiresIn, when a lifetime was announced. */
  expiresAt?: Date;
  obtainedAt: Date;
}

export interface DistrictToken {
  /** Non-enumerable: never shows up in JSON.stringify or console output. */
  readonly accessToken: string;
  id: string;
  districtId: string;
  scopes: string[];
  created?: string;
  /** Only when the list entry announced an expiry (Clever's district tokens do not). */
  expiresAt?: Date;
}

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string()]).optional(),
  scope: z.string().optional(),
});

const districtTokensSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      created: z.string().optional(),
      owner: z.looseObject({ type: z.string(), id: z.string() }),
      access_token: z.string().min(1),
      scopes: z.array(z.string()).optional(),
      expires_in: z.union([z.number(), z.string()]).optional(),
      expires_at: z.string().optional(),
    }),
  ),
});

/** Requests a token with the client-credentials grant. */
export async function requestClientCredentialsToken(credentials: ClientCredentials, options: OAuthOptions = {}): Promise<IssuedToken> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
  const parsed = await callOAuth(credentials, options, 'POST', '/oauth/tokens', body, 'token', (json) => tokenResponseSchema.safeParse(json));
  const now = (options.now ?? Date.now)();
  const expiresIn = parsed.expires_in === undefined ? undefined : Number(parsed.expires_in);
  const token: IssuedToken = {
    accessToken: '',
    tokenType: parsed.token_type ?? 'bearer',
    scopes: parsed.scope ? parsed.scope.split(/\s+/).filter(Boolean) : [],
    obtainedAt: new Date(now),
  };
  if (expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0) {
    token.expiresInSeconds = expiresIn;
    token.expiresAt = new Date(now + expiresIn * 1000);
  }
  return hideAccessToken(token, parsed.access_token);
}

/** Lists the app's district tokens, optionally for one district. */
export async function listDistrictTokens(
  credentials: ClientCredentials,
  options: OAuthOptions & { districtId?: string } = {},
): Promise<DistrictToken[]> {
  const query = new URLSearchParams({ owner_type: 'district' });
  if (options.districtId) query.set('district', options.districtId);
  const parsed = await callOAuth(credentials, options, 'GET', `/oauth/tokens?${query}`, undefined, 'district tokens', (json) =>
    districtTokensSchema.safeParse(json),
  );
  const now = (options.now ?? Date.now)();
  return parsed.data
    .filter((entry) => entry.owner.type === 'district')
    .map((entry) => {
      const token: DistrictToken = { accessToken: '', id: entry.id, districtId: entry.owner.id, scopes: entry.scopes ?? [] };
      if (entry.created !== undefined) token.created = entry.created;
      const expiresAt = expiryOf(entry, now);
      if (expiresAt) token.expiresAt = expiresAt;
      return hideAccessToken(token, entry.access_token);
    });
}

/** An announced expiry: `expires_in` seconds from now, or an `expires_at` timestamp; else none. */
function expiryOf(entry: { expires_in?: number | string; expires_at?: string }, now: number): Date | undefined {
  const seconds = entry.expires_in === undefined ? NaN : Number(entry.expires_in);
  if (Number.isFinite(seconds) && seconds > 0) return new Date(now + seconds * 1000);
  const at = entry.expires_at === undefined ? NaN : Date.parse(entry.expires_at);
  return Number.isFinite(at) ? new Date(at) : undefined;
}

function hideAccessToken<T extends { accessToken: string }>(target: T, value: string): T {
  Object.defineProperty(target, 'accessToken', { value, enumerable: false, writable: false, configurable: false });
  return target;
}

async function callOAuth<T>(
  credentials: ClientCredentials,
  options: OAuthOptions,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  body: string | undefined,
  what: string,
  parse: (json: unknown) => { success: true; data: T } | { success: false },
): Promise<T> {
  if (!credentials.clientId || !credentials.clientSecret) {
    throw new CleverAuthError('Clever client id and client secret are both required');
  }
  const ownAgent = options.dispatcher ? undefined : createDefaultAgent(2);
  const now = options.now ?? Date.now;
  const settings: HttpSettings = {
    dispatcher: options.dispatcher ?? ownAgent!,
    timeoutMs: options.timeoutMs ?? 30_000,
    userAgent: options.userAgent ?? 'CleverSyncSOS',
    onMetric: options.onMetric,
  };
  const url = new URL(pathAndQuery, options.baseUrl ?? CLEVER_OAUTH_BASE_URL);
  const path = url.pathname;
  const secrets = [credentials.clientSecret];
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
  const headers: Record<string, string> = { authorization: `Basic ${basic}` };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';

  try {
    return await runWithRetries(
      async (attempt): Promise<AttemptOutcome<T>> => {
        let response;
        try {
          response = await sendRequest(settings, { method, url, headers, body, attempt, secrets, signal: options.signal });
        } catch (error) {
          return networkOutcome(error);
        }
        const transient = transientOutcome(response, path, attempt, now());
        if (transient) return transient;
        if (response.status === 401 || response.status === 403 || (response.status >= 400 && isOAuthClientError(response.body))) {
          const oauthError = oauthErrorCode(response.body) ?? 'invalid_client';
          throw new CleverAuthError(
            `Clever rejected the client credentials for client id "${credentials.clientId}" (${response.status} ${oauthError}) at ${method} ${path}`,
            { status: response.status, path, attempts: attempt, oauthError },
          );
        }
        if (response.status !== 200) {
          const detail = describeErrorBody(response.body, secrets);
          throw new CleverRequestError(`Clever answered ${response.status} for ${method} ${path}${detail ? `: ${detail}` : ''}`, {
            status: response.status,
            path,
            attempts: attempt,
          });
        }
        let json: unknown;
        try {
          json = JSON.parse(response.body.toString('utf8'));
        } catch {
          // The body may hold a token: never quote it.
          throw new CleverMalformedResponseError(`Clever returned a malformed ${what} response at ${path}: body is not valid JSON`, {
            resource: what,
            reason: 'invalid JSON',
            path,
            status: response.status,
          });
        }
        const result = parse(json);
        if (!result.success) {
          throw new CleverMalformedResponseError(`Clever returned a malformed ${what} response at ${path}: unexpected shape`, {
            resource: what,
            reason: 'unexpected shape',
            path,
            status: response.status,
          });
        }
        return { kind: 'done', value: result.data };
      },
      resolveRetryPolicy(options.retry),
      { sleep: options.sleep ?? defaultSleep, random: options.random ?? Math.random, signal: options.signal },
    );
  } finally {
    await ownAgent?.close();
  }
}

function oauthErrorCode(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

function isOAuthClientError(body: Buffer): boolean {
  const code = oauthErrorCode(body);
  return code === 'invalid_client' || code === 'unauthorized_client';
}
