/**
 * CleverSimulator: a loopback HTTP server speaking Clever API v3.0 and v3.1 — token endpoint,
 * district tokens, /me, list and single-record endpoints with Clever's envelope and
 * range paging, /events, X-RateLimit-* headers and 429s, plus injected faults.
 *
 * Records are generated on request from (seed, index) (see dataset.ts), so even a
 * 100k-user district costs little memory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLEVER_MAX_PAGE_SIZE, CLEVER_USER_ROLES, type CleverRecord, type CleverUserRole } from '../clever/types';
import { SyntheticDistrict, ROSTER_KINDS } from './dataset';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SEED, DEMO_USERS } from './demo';
import { EventCursorExpiredError } from './events';
import { FaultController, type FaultAction, type FaultConfig, type MalformedKind, type ScriptedFault, type ScriptOptions } from './faults';
import type { RosterKind } from './generators';
import { bearerToken, parseForm, readBody, sendJson, sendRateLimited, sendText } from './http';
import { isCleverId } from './ids';
import { CLEVER_RATE_LIMIT, FixedWindowLimiter, type RateLimitSettings } from './rateLimiter';
import { TokenRegistry, type SimulatorApp } from './tokens';
import { eventForVersion, recordForVersion, versionOfPath, type ApiVersion } from './versions';

export interface SimulatorDistrictSpec {
  seed: number;
  users: number;
  contacts?: boolean;
}

export interface CleverSimulatorOptions {
  /** Seed of the (single) default district. Default 1. */
  seed?: number;
  /** Users in the default district. Default 10000. */
  users?: number;
  /** Contacts (role=contact) in the default district. Default true. */
  contacts?: boolean;
  /** Several districts instead of the default one (distinct seeds). */
  districts?: SimulatorDistrictSpec[];
  /** Known apps. Default: the demo app, authorized for every district. */
  apps?: SimulatorApp[];
  /** Per-token fixed window; false turns limiting off. Default 1200 per 60 s. */
  rateLimit?: RateLimitSettings | false;
  /** Also send Retry-After on the limiter's 429s (Clever documents none; default false). */
  rateLimitRetryAfter?: boolean;
  faults?: FaultConfig;
  /** Clock for tokens, rate windows, mutation timestamps and event retention. */
  now?: () => number;
  /** Default 30 days. */
  eventRetentionMs?: number;
  /** `limit` when a request has none. Default 100. */
  defaultPageSize?: number;
}

export interface StartOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
}

export interface SimulatorStats {
  requests: number;
  dataRequests: number;
  oauthRequests: number;
  byStatus: Record<number, number>;
  faults: ReturnType<FaultController['counts']>;
}

const LIST_KINDS = new Set<string>([...ROSTER_KINDS, 'events']);

export class CleverSimulator {
  readonly faults: FaultController;
  readonly tokens: TokenRegistry;
  private readonly districtsById = new Map<string, SyntheticDistrict>();
  private readonly limiter: FixedWindowLimiter;
  private rateLimitOn: boolean;
  private readonly rateLimitRetryAfter: boolean;
  private readonly now: () => number;
  private readonly defaultPageSize: number;
  private readonly defaultClientId: string;
  /** Pending fault delays, so stop() can end them. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private server?: Server;
  private baseUrl?: string;
  private readonly stats = { requests: 0, dataRequests: 0, oauthRequests: 0, byStatus: {} as Record<number, number> };

  constructor(options: CleverSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    const specs = options.districts ?? [{ seed: options.seed ?? DEMO_SEED, users: options.users ?? DEMO_USERS, contacts: options.contacts }];
    if (specs.length === 0) throw new Error('the simulator needs at least one district');
    for (const spec of specs) {
      const district = new SyntheticDistrict({ ...spec, now: this.now, eventRetentionMs: options.eventRetentionMs });
      if (this.districtsById.has(district.id)) throw new Error(`two districts share seed ${spec.seed}`);
      this.districtsById.set(district.id, district);
    }
    this.tokens = new TokenRegistry(this.now);
    const apps = options.apps ?? [{ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET }];
    if (apps.length === 0) throw new Error('the simulator needs at least one app');
    for (const app of apps) this.tokens.addApp(app, this.districtIds());
    this.defaultClientId = apps[0]!.clientId;
    this.faults = new FaultController(options.faults, specs[0]!.seed);
    this.rateLimitOn = options.rateLimit !== false;
    this.rateLimitRetryAfter = options.rateLimitRetryAfter ?? false;
    this.limiter = new FixedWindowLimiter(options.rateLimit || CLEVER_RATE_LIMIT, this.now);
    this.defaultPageSize = options.defaultPageSize ?? 100;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(options: StartOptions = {}): Promise<{ url: string }> {
    if (this.server) throw new Error('simulator already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { message: 'simulator internal error' });
        else res.destroy();
      });
    });
    this.server = server;
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const [timer, release] of this.timers) {
      clearTimeout(timer);
      release();
    }
    this.timers.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Base URL (e.g. http://127.0.0.1:8787); both API and OAuth endpoints live under it. */
  get url(): string {
    if (!this.baseUrl) throw new Error('simulator not started');
    return this.baseUrl;
  }

  // ---- data, mutations, ground truth --------------------------------------------------------

  districtIds(): string[] {
    return [...this.districtsById.keys()];
  }

  /** A district by id; the first one when no id is given. */
  district(districtId?: string): SyntheticDistrict {
    const district = districtId === undefined ? this.districtsById.values().next().value : this.districtsById.get(districtId);
    if (!district) throw new Error(`unknown simulated district ${districtId}`);
    return district;
  }

  create(kind: RosterKind, fields: Record<string, unknown>, districtId?: string): CleverRecord {
    return this.district(districtId).create(kind, fields);
  }

  update(kind: RosterKind, id: string, patch: Record<string, unknown>, districtId?: string): CleverRecord {
    return this.district(districtId).update(kind, id, patch);
  }

  remove(kind: RosterKind, id: string, districtId?: string): CleverRecord {
    return this.district(districtId).remove(kind, id);
  }

  /**
   * Every current record of a resource, in id order, as API `apiVersion` (default v3.0) shows it:
   * what a full sync through that version must end up with.
   */
  async *groundTruth(kind: RosterKind, options: { role?: CleverUserRole; districtId?: string; apiVersion?: ApiVersion } = {}): AsyncGenerator<CleverRecord, void, undefined> {
    for (const record of this.district(options.districtId).records(kind, { role: options.role })) yield recordForVersion(kind, record, options.apiVersion ?? 'v3.0');
  }

  // ---- tokens ------------------------------------------------------------------------------

  /** A live district-app token for (district, app); defaults: first district, first app. */
  districtToken(districtId?: string, clientId = this.defaultClientId): string {
    const id = districtId ?? this.district().id;
    const record = this.tokens.districtTokens(clientId, id)[0];
    if (!record) throw new Error(`no live district token for app ${clientId} and district ${id}`);
    return record.token;
  }

  /** Issues a client-credentials token directly (lifetime in seconds when it should expire). */
  issueToken(options: { clientId?: string; districtId?: string; lifetimeSeconds?: number } = {}): string {
    return this.tokens.issue(options.clientId ?? this.defaultClientId, options.districtId ?? this.district().id, options.lifetimeSeconds).token;
  }

  revokeToken(token: string): boolean {
    return this.tokens.revoke(token);
  }

  /** The district (re)authorizes the app: a new district token appears in GET /oauth/tokens. */
  authorizeDistrict(clientId: string, districtId: string, token?: string): string {
    return this.tokens.authorize(clientId, districtId, token).token;
  }

  /** The district revokes the app: its tokens answer 401 and leave the token list. */
  deauthorizeDistrict(clientId: string, districtId: string): void {
    this.tokens.deauthorize(clientId, districtId);
  }

  // ---- faults and limits ---------------------------------------------------------------------

  setFaults(config: FaultConfig): void {
    this.faults.set(config);
  }

  updateFaults(partial: FaultConfig): void {
    this.faults.update(partial);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Exact faults for the next matching requests (see FaultController.enqueue). */
  injectNext(fault: ScriptedFault, options?: ScriptOptions): void {
    this.faults.enqueue(fault, options);
  }

  setRateLimit(settings: RateLimitSettings | false): void {
    this.rateLimitOn = settings !== false;
    if (settings) this.limiter.configure(settings);
  }

  requestStats(): SimulatorStats {
    return { ...this.stats, byStatus: { ...this.stats.byStatus }, faults: this.faults.counts() };
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    res.on('finish', () => {
      this.stats.byStatus[res.statusCode] = (this.stats.byStatus[res.statusCode] ?? 0) + 1;
    });
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname === '/oauth/tokens' || url.pathname === '/oauth/tokeninfo') {
      this.stats.oauthRequests++;
      if (await this.applyFault(req, res, this.faults.decide({ target: 'oauth', path: url.pathname }))) return;
      return this.handleOAuth(req, res, url);
    }
    // Clever serves every supported version side by side (v3.0 and v3.1: same paths, v3.1 adds fields).
    if (versionOfPath(url.pathname)) {
      this.stats.dataRequests++;
      return this.handleData(req, res, url);
    }
    sendJson(res, 404, { message: 'Not Found' });
  }

  /** Latency, then reset / status / 429 / malformed. Returns true when the fault answered. */
  private async applyFault(req: IncomingMessage, res: ServerResponse, decision: { latencyMs: number; action?: FaultAction }, headers: Record<string, string> = {}): Promise<boolean> {
    if (decision.latencyMs > 0) await this.delay(decision.latencyMs);
    if (res.destroyed || !this.server) return true;
    const action = decision.action;
    if (!action) return false;
    switch (action.type) {
      case 'reset':
        req.socket.destroy();
        return true;
      case 'status':
        if (action.body !== undefined) sendText(res, action.status, action.body, 'text/html; charset=utf-8', headers);
        else if (action.status === 502) sendText(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html; charset=utf-8', headers);
        else sendJson(res, action.status, { message: `simulated error ${action.status}` }, headers);
        return true;
      case 'rate_limit':
        sendRateLimited(res, headers, action.retryAfterSeconds);
        return true;
      case 'malformed':
        sendMalformed(res, action.kind, headers);
        return true;
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private async handleOAuth(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/oauth/tokeninfo') {
      const check = this.tokens.check(bearerToken(req));
      if (!check.ok) return sendJson(res, 401, { error: 'invalid_token' });
      return sendJson(res, 200, { client_id: check.record.clientId, scopes: check.record.scopes, owner: { type: 'district', id: check.record.districtId } });
    }
    const app = this.tokens.authenticateBasic(req.headers.authorization);
    if (!app) return sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="clever"' });

    if (req.method === 'GET') {
      if (url.searchParams.get('owner_type') !== 'district') {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'owner_type=district is required' });
      }
      const district = url.searchParams.get('district') ?? undefined;
      const data = this.tokens.districtTokens(app.clientId, district).map((record) => ({
        id: record.id,
        created: new Date(record.createdMs).toISOString(),
        owner: { type: 'district', id: record.districtId },
        access_token: record.token,
        scopes: record.scopes,
      }));
      return sendJson(res, 200, { data, links: [{ rel: 'self', uri: url.pathname + url.search }] });
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });

    const form = parseForm(await readBody(req), req.headers['content-type']);
    if (form.grant_type !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const authorized = this.tokens.authorizedDistricts(app.clientId);
    const districtId = form.district ?? authorized[0];
    if (!districtId || !authorized.includes(districtId)) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'the app is not authorized for that district' });
    }
    const record = this.tokens.issue(app.clientId, districtId, this.faults.config.tokenLifetimeSeconds);
    const body: Record<string, unknown> = { access_token: record.token, token_type: 'bearer', scope: record.scopes.join(' ') };
    if (record.expiresAtMs !== undefined) body.expires_in = Math.round((record.expiresAtMs - record.createdMs) / 1000);
    return sendJson(res, 200, body);
  }

  private async handleData(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET') return sendJson(res, 405, { message: 'Method Not Allowed' });
    const check = this.tokens.check(bearerToken(req));
    if (!check.ok) return sendJson(res, 401, { message: `Unauthorized: ${check.reason === 'missing' ? 'no bearer token' : `token ${check.reason}`}` });
    const record = check.record;
    record.requests++;
    const revokeAfter = this.faults.config.revokeTokenAfterRequests;
    if (revokeAfter !== undefined && record.requests > revokeAfter) {
      this.tokens.revoke(record.token);
      this.faults.noteRevocation();
      return sendJson(res, 401, { message: 'Unauthorized: token revoked' });
    }

    const headers: Record<string, string> = {};
    if (this.rateLimitOn) {
      const verdict = this.limiter.take(record.token);
      headers['x-ratelimit-limit'] = String(verdict.limit);
      headers['x-ratelimit-remaining'] = String(verdict.remaining);
      headers['x-ratelimit-reset'] = String(Math.ceil(verdict.resetAtMs / 1000));
      headers['x-ratelimit-bucket'] = `token-${record.id}`;
      if (!verdict.allowed) {
        const retryAfter = this.rateLimitRetryAfter ? Math.max(1, Math.ceil((verdict.resetAtMs - this.now()) / 1000)) : null;
        return sendRateLimited(res, headers, retryAfter);
      }
    }
    if (await this.applyFault(req, res, this.faults.decide({ target: 'data', path: url.pathname + url.search }), headers)) return;

    const district = this.district(record.districtId);
    const version = versionOfPath(url.pathname)!;
    const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop the version
    if (parts.length === 1 && parts[0] === 'me') {
      return sendJson(
        res,
        200,
        {
          type: 'district',
          data: { id: district.id, district: district.id, type: 'district', authorized_by: 'district' },
          links: [
            { rel: 'self', uri: `/${version}/me` },
            { rel: 'canonical', uri: `/${version}/districts/${district.id}` },
          ],
        },
        headers,
      );
    }
    // Nested lists of one school, paged like the top-level lists (Clever/swagger-api v3.0.yml:
    // /schools/{id}/sections and /schools/{id}/users take limit/starting_after/ending_before and
    // answer 404 NotFound for an unknown school). /schools/{id}/courses|terms are in the spec too
    // but not served here: the sync does not read them.
    if (parts.length === 3 && parts[0] === 'schools' && (parts[2] === 'sections' || parts[2] === 'users')) {
      const schoolId = decodeURIComponent(parts[1]!);
      if (!district.get('schools', schoolId)) return sendJson(res, 404, { message: 'Not Found' }, headers);
      return this.sendList(res, district, parts[2], url, headers, version, schoolId);
    }
    const kind = parts[0];
    if (!kind || !LIST_KINDS.has(kind) || parts.length > 2) return sendJson(res, 404, { message: 'Not Found' }, headers);
    if (parts.length === 2) return this.sendOne(res, district, kind, decodeURIComponent(parts[1]!), headers, version);
    return this.sendList(res, district, kind, url, headers, version);
  }

  private sendOne(res: ServerResponse, district: SyntheticDistrict, kind: string, id: string, headers: Record<string, string>, version: ApiVersion): void {
    const record = kind === 'events' ? district.events.get(id) : district.get(kind as RosterKind, id);
    if (!record) return sendJson(res, 404, { message: 'Not Found' }, headers);
    const shown = kind === 'events' ? eventForVersion(record, version) : recordForVersion(kind, record, version);
    sendJson(res, 200, { data: shown, links: [{ rel: 'self', uri: `/${version}/${kind}/${id}` }] }, headers);
  }

  private async sendList(res: ServerResponse, district: SyntheticDistrict, kind: string, url: URL, headers: Record<string, string>, version: ApiVersion, school?: string): Promise<void> {
    const params = url.searchParams;
    const limitText = params.get('limit');
    let limit = this.defaultPageSize;
    if (limitText !== null) {
      if (!/^\d+$/.test(limitText) || Number(limitText) < 1) return sendJson(res, 400, { message: 'limit must be a positive integer' }, headers);
      limit = Number(limitText);
      if (limit > CLEVER_MAX_PAGE_SIZE) return sendJson(res, 413, { message: 'Request Entity Too Large: limit may be at most 10000' }, headers);
    }
    const startingAfter = params.get('starting_after') ?? undefined;
    const endingBefore = params.get('ending_before') ?? undefined;
    if (startingAfter !== undefined && !isCleverId(startingAfter)) return sendJson(res, 400, { message: 'starting_after must be an id' }, headers);
    if (endingBefore !== undefined && endingBefore !== 'last' && !isCleverId(endingBefore)) {
      return sendJson(res, 400, { message: 'ending_before must be an id or "last"' }, headers);
    }
    const roleParam = params.get('role') ?? undefined;
    if (roleParam !== undefined && (kind !== 'users' || !CLEVER_USER_ROLES.includes(roleParam as CleverUserRole))) {
      return sendJson(res, 400, { message: `invalid role filter` }, headers);
    }
    const role = roleParam as CleverUserRole | undefined;

    const linkWith = (cursor: 'starting_after' | 'ending_before', id: string): string => {
      const next = new URLSearchParams(params);
      next.delete('starting_after');
      next.delete('ending_before');
      next.set(cursor, id);
      return `${url.pathname}?${next}`;
    };
    const linksFor = (firstId: string | undefined, lastId: string | undefined, hasNext: boolean, hasPrev: boolean) => {
      const links = [{ rel: 'self', uri: url.pathname + url.search }];
      if (hasNext && lastId) links.push({ rel: 'next', uri: linkWith('starting_after', lastId) });
      if (hasPrev && firstId) links.push({ rel: 'prev', uri: linkWith('ending_before', firstId) });
      return links;
    };

    if (kind !== 'events') {
      const query = { startingAfter, endingBefore, limit, role, school };
      if (endingBefore === undefined && this.faults.watchesPagesOf(kind)) {
        const malformed = this.faults.malformedPage(kind, district.pageNumber(kind as RosterKind, query));
        if (malformed) return sendMalformed(res, malformed, headers);
      }
      if (endingBefore === undefined) {
        // The common case, forward paging: stream records as they are generated.
        const stream = district.streamList(kind as RosterKind, query);
        return streamEnvelope(res, headers, kind, version, stream.records, (firstId, lastId) => linksFor(firstId, lastId, stream.hasNext(), stream.hasPrev));
      }
      const window = district.list(kind as RosterKind, query);
      return streamEnvelope(res, headers, kind, version, window.records, (firstId, lastId) => linksFor(firstId, lastId, window.hasNext, window.hasPrev));
    }

    const types = params.getAll('record_type');
    let events: ReturnType<SyntheticDistrict['events']['after']>;
    try {
      events = endingBefore !== undefined ? district.events.before(endingBefore, limit, types) : district.events.after(startingAfter, limit, types);
    } catch (error) {
      if (error instanceof EventCursorExpiredError) return sendJson(res, 404, { message: error.message }, headers);
      throw error;
    }
    return streamEnvelope(res, headers, kind, version, events.events, (firstId, lastId) => linksFor(firstId, lastId, events.hasNext, events.hasPrev));
  }
}

const STREAM_CHUNK_CHARS = 64 * 1024;

/**
 * Writes `{"data":[{"data":record,"uri":…},…],"links":[…]}` in chunks, honouring
 * backpressure, so a page never exists as one big string. Links are computed last because
 * whether there is a next page is only known after the scan.
 */
async function streamEnvelope(
  res: ServerResponse,
  headers: Record<string, string>,
  kind: string,
  version: ApiVersion,
  records: Iterable<CleverRecord>,
  links: (firstId: string | undefined, lastId: string | undefined) => Array<{ rel: string; uri: string }>,
): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  let chunk = '{"data":[';
  let firstId: string | undefined;
  let lastId: string | undefined;
  for (const record of records) {
    const shown = kind === 'events' ? eventForVersion(record, version) : recordForVersion(kind, record, version);
    chunk += `${lastId === undefined ? '' : ','}${JSON.stringify({ data: shown, uri: `/${version}/${kind}/${record.id}` })}`;
    firstId ??= record.id;
    lastId = record.id;
    if (chunk.length >= STREAM_CHUNK_CHARS) {
      if (res.destroyed) return;
      const flushed = res.write(chunk);
      chunk = '';
      if (!flushed) await drained(res);
    }
  }
  if (res.destroyed) return;
  res.end(`${chunk}],"links":${JSON.stringify(links(firstId, lastId))}}`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function sendMalformed(res: ServerResponse, kind: MalformedKind, headers: Record<string, string>): void {
  switch (kind) {
    case 'invalid-json':
      return sendText(res, 200, '{"data":[{"data":{"id":"5f0c', 'application/json; charset=utf-8', headers);
    case 'bad-envelope':
      return sendJson(res, 200, { data: { unexpected: true }, links: 'none' }, headers);
    case 'html':
      return sendText(res, 200, '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>', 'text/html; charset=utf-8', headers);
  }
}

