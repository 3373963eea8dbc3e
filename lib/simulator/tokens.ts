/**
 * Apps (client id/secret), the district tokens Clever issues when a district authorizes an
 * app, tokens issued through the client-credentials grant (optionally expiring), revocation,
 * and per-token request counts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface SimulatorApp {
  clientId: string;
  clientSecret: string;
  /** District ids this app is authorized for; default all simulated districts. */
  districts?: string[];
  /** Known district-app tokens by district id (random ones are made otherwise). */
  districtTokens?: Record<string, string>;
}

export type TokenKind = 'district' | 'client_credentials';

export interface TokenRecord {
  id: string;
  token: string;
  kind: TokenKind;
  clientId: string;
  districtId: string;
  scopes: string[];
  createdMs: number;
  expiresAtMs?: number;
  revoked: boolean;
  requests: number;
}

export type TokenCheck =
  | { ok: true; record: TokenRecord }
  | { ok: false; reason: 'missing' | 'unknown' | 'revoked' | 'expired' };

export const DISTRICT_SCOPES = ['read:district_admins', 'read:school_admins', 'read:students', 'read:teachers', 'read:user_id', 'read:sis'];

export class TokenRegistry {
  private readonly apps = new Map<string, SimulatorApp>();
  private readonly authorized = new Map<string, Set<string>>();
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(private readonly now: () => number) {}

  addApp(app: SimulatorApp, allDistrictIds: readonly string[]): void {
    if (!app.clientId || !app.clientSecret) throw new Error('simulator apps need a clientId and a clientSecret');
    if (this.apps.has(app.clientId)) throw new Error(`duplicate simulator app ${app.clientId}`);
    this.apps.set(app.clientId, app);
    this.authorized.set(app.clientId, new Set());
    for (const districtId of app.districts ?? allDistrictIds) {
      if (!allDistrictIds.includes(districtId)) throw new Error(`app ${app.clientId} names unknown district ${districtId}`);
      this.authorize(app.clientId, districtId, app.districtTokens?.[districtId]);
    }
  }

  /** The app for an `Authorization: Basic …` header, or undefined when id/secret do not match. */
  authenticateBasic(header: string | undefined): SimulatorApp | undefined {
    const match = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const app = this.apps.get(decoded.slice(0, colon));
    return app && safeEqual(app.clientSecret, decoded.slice(colon + 1)) ? app : undefined;
  }

  /** A district authorizes an app: Clever creates a (non-expiring) district token. */
  authorize(clientId: string, districtId: string, token?: string): TokenRecord {
    this.mustApp(clientId);
    this.authorized.get(clientId)!.add(districtId);
    return this.store({ kind: 'district', clientId, districtId, token });
  }

  /** The district revokes the app: its tokens stop working and disappear from the list. */
  deauthorize(clientId: string, districtId: string): void {
    this.authorized.get(clientId)?.delete(districtId);
    for (const record of this.tokens.values()) {
      if (record.clientId === clientId && record.districtId === districtId) record.revoked = true;
    }
  }

  /** A token from the client-credentials grant; expires after `lifetimeSeconds` when given. */
  issue(clientId: string, districtId: string, lifetimeSeconds?: number): TokenRecord {
    this.mustApp(clientId);
    return this.store({ kind: 'client_credentials', clientId, districtId, lifetimeSeconds });
  }

  revoke(token: string): boolean {
    const record = this.tokens.get(token);
    if (!record || record.revoked) return false;
    record.revoked = true;
    return true;
  }

  check(token: string | undefined): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const record = this.tokens.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.revoked) return { ok: false, reason: 'revoked' };
    if (record.expiresAtMs !== undefined && this.now() >= record.expiresAtMs) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  /** Live district tokens of an app, optionally for one district. */
  districtTokens(clientId: string, districtId?: string): TokenRecord[] {
    return [...this.tokens.values()].filter(
      (r) => r.clientId === clientId && r.kind === 'district' && !r.revoked && (districtId === undefined || r.districtId === districtId),
    );
  }

  authorizedDistricts(clientId: string): string[] {
    return [...(this.authorized.get(clientId) ?? [])];
  }

  hasApp(clientId: string): boolean {
    return this.apps.has(clientId);
  }

  private mustApp(clientId: string): SimulatorApp {
    const app = this.apps.get(clientId);
    if (!app) throw new Error(`unknown simulator app ${clientId}`);
    return app;
  }

  private store(spec: { kind: TokenKind; clientId: string; districtId: string; token?: string; lifetimeSeconds?: number }): TokenRecord {
    const token = spec.token ?? randomBytes(20).toString('hex');
    if (this.tokens.has(token)) throw new Error('token already issued');
    const now = this.now();
    const record: TokenRecord = {
      id: randomBytes(12).toString('hex'),
      token,
      kind: spec.kind,
      clientId: spec.clientId,
      districtId: spec.districtId,
      scopes: DISTRICT_SCOPES,
      createdMs: now,
      revoked: false,
      requests: 0,
    };
    if (spec.lifetimeSeconds !== undefined) record.expiresAtMs = now + spec.lifetimeSeconds * 1000;
    this.tokens.set(token, record);
    return record;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
