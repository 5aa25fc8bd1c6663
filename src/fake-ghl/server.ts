import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { API_VERSION } from '../contacts.js';
import { DEFAULT_SETUP, FakeGhlState, type FakeGhlSetup } from './state.js';

/** `webhook` and `ping` stand in for the monitoring services: GHL's Inbound Webhook trigger, a healthchecks.io-style ping. */
export type Route = 'token' | 'contact' | 'tags' | 'webhook' | 'ping';

/** What a route does instead of its normal answer, once per queued fault. */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset'; afterProcessing?: boolean } // afterProcessing: GHL did the work, the answer is lost
  | { kind: 'hang' }
  | { kind: 'bad-json'; status?: number }
  | { kind: 'html'; status: number }
  | { kind: 'slow-answer'; ms: number } // GHL did the work; the answer leaves `ms` later
  | { kind: 'gzip-bomb'; mib: number }; // a 200 whose gzip body expands to `mib` MiB of zeros

export interface RecordedRequest {
  route: Route | 'unknown';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form?: Record<string, string>;
  json?: unknown;
}

/** GHL's NestJS-shaped error body. */
export const ghlError = (status: number, message: string, error?: string) => ({ kind: 'status' as const, status, body: { statusCode: status, message, ...(error ? { error } : {}) } });

/**
 * A loopback stand-in of GHL's OAuth and Contacts endpoints that keeps the contract: form-encoded
 * token endpoint, single-use codes, rotating single-use refresh tokens, the Version header, 201 on tags.
 */
export class FakeGhl {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Record<Route, Fault[]> = { token: [], contact: [], tags: [], webhook: [], ping: [] };
  /** Added before each answer of a route, e.g. a slow token endpoint. */
  readonly delayMs: Record<Route, number> = { token: 0, contact: 0, tags: 0, webhook: 0, ping: 0 };
  readonly state: FakeGhlState;

  private constructor(
    private readonly server: Server,
    setup: FakeGhlSetup,
  ) {
    this.state = new FakeGhlState(setup);
  }

  static async start(setup: Partial<FakeGhlSetup> = {}, port = 0): Promise<FakeGhl> {
    const server = createServer();
    const fake = new FakeGhl(server, { ...DEFAULT_SETUP, ...setup });
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  fail(route: Route, ...faults: Fault[]): void {
    this.faults[route].push(...faults);
  }

  requestsTo(route: Route): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = routeOf(req.method ?? '', url.pathname);
    const recorded: RecordedRequest = { route, method: req.method ?? '', path: url.pathname, headers: req.headers };
    if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) recorded.form = Object.fromEntries(new URLSearchParams(raw));
    else if (raw) recorded.json = safeJson(raw);
    this.requests.push(recorded);
    if (route === 'unknown') return send(res, 404, { statusCode: 404, message: `Cannot ${req.method} ${url.pathname}` });

    if (this.delayMs[route] > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs[route]));
    const fault = this.faults[route].shift();
    if (fault?.kind === 'hang') return; // the socket stays open, unanswered
    if (fault?.kind === 'reset' && !fault.afterProcessing) return void req.socket.destroy();
    if (fault?.kind === 'status') return send(res, fault.status, fault.body ?? {}, fault.headers);
    if (fault?.kind === 'gzip-bomb') return sendGzipBomb(res, fault.mib);
    if (fault?.kind === 'html') return sendRaw(res, fault.status, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');

    const [status, body] = route === 'token' ? this.token(recorded.form) : route === 'webhook' || route === 'ping' ? [200, { status: 'received' }] : this.contacts(route, req, url.pathname, recorded.json);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'slow-answer') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'bad-json') return sendRaw(res, fault.status ?? status, 'application/json', '{"access_token": "trunc');
    send(res, status, body);
  }

  private token(form: Record<string, string> | undefined): [number, unknown] {
    const { setup } = this.state;
    if (!form) return [422, { statusCode: 422, message: ['body must be application/x-www-form-urlencoded'], error: 'Unprocessable Entity' }];
    if (!form.client_id) return [400, { statusCode: 400, message: 'Missing parameter: clientId' }];
    if (form.client_id !== setup.clientId || form.client_secret !== setup.clientSecret) return [401, { statusCode: 401, message: 'Invalid client: client credentials are invalid', error: 'Unauthorized' }];
    if (form.user_type !== 'Location' && form.user_type !== 'Company') return [400, { statusCode: 400, message: 'Invalid parameter: userType' }];
    if (!this.state.locationActive) return [400, { statusCode: 400, message: 'Location is not active' }];
    if (form.grant_type === 'authorization_code') {
      if (form.redirect_uri !== setup.redirectUri) return [400, { statusCode: 400, message: 'Invalid parameter: redirect_uri does not match' }];
      const grant = this.state.redeemCode(form.code ?? '');
      return grant ? [200, this.state.issueTokens(grant)] : [400, { statusCode: 400, message: 'Invalid grant: authorization code is invalid' }];
    }
    if (form.grant_type === 'refresh_token') {
      const grant = this.state.spendRefreshToken(form.refresh_token ?? '');
      return grant ? [200, this.state.issueTokens(grant)] : [400, { statusCode: 400, message: 'Invalid grant: refresh token is invalid' }];
    }
    return [400, { statusCode: 400, message: 'Invalid parameter: grantType' }];
  }

  private contacts(route: Route, req: IncomingMessage, path: string, json: unknown): [number, unknown] {
    const grant = this.state.accessGrant(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!grant) return [401, { statusCode: 401, message: 'Invalid JWT', error: 'Unauthorized' }];
    if (req.headers.version !== API_VERSION) return [400, { statusCode: 400, message: 'Version header was not found' }];
    const needed = route === 'contact' ? 'contacts.readonly' : 'contacts.write';
    if (!grant.scope.split(' ').includes(needed)) return [401, { statusCode: 401, message: 'The token is not authorized for this scope.', error: 'Unauthorized' }];
    const id = decodeURIComponent(path.split('/')[2] ?? '');
    const contact = route === 'contact' ? this.state.readContact(id) : this.state.contacts.get(id);
    if (!contact) return [400, { statusCode: 400, message: 'Contact not found' }];
    if (contact.locationId !== grant.locationId) return [403, { statusCode: 403, message: 'The token does not have access to this location.' }];
    if (route === 'contact') return [200, { contact: { id: contact.id, locationId: contact.locationId, firstName: 'Health', lastName: 'Check', tags: contact.tags } }];
    const tags = (json as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(tags) || tags.length === 0) return [422, { statusCode: 422, message: ['tags must be a non-empty array'], error: 'Unprocessable Entity' }];
    if (req.method === 'DELETE') this.state.removeTags(contact, tags.map(String));
    else this.state.addTags(contact, tags.map(String));
    return [req.method === 'DELETE' ? 200 : 201, { tags: contact.tags }];
  }
}

function routeOf(method: string, path: string): Route | 'unknown' {
  if (method === 'POST' && path === '/oauth/token') return 'token';
  if (method === 'GET' && /^\/contacts\/[^/]+$/.test(path)) return 'contact';
  if ((method === 'POST' || method === 'DELETE') && /^\/contacts\/[^/]+\/tags$/.test(path)) return 'tags';
  if (method === 'POST' && /^\/hooks\/[^/]+\/webhook-trigger\/[^/]+$/.test(path)) return 'webhook';
  if (/^\/ping\/[^/]+(\/start|\/\d+)?$/.test(path)) return 'ping';
  return 'unknown';
}

const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Max': '100',
  'X-RateLimit-Remaining': '99',
  'X-RateLimit-Interval-Milliseconds': '10000',
  'X-RateLimit-Limit-Daily': '200000',
  'X-RateLimit-Daily-Remaining': '199999',
};

/** GHL's error bodies carry the traceId its support asks for. */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const traced = status >= 400 && typeof body === 'object' && body !== null && !Array.isArray(body) && !('traceId' in body) ? { ...body, traceId: randomUUID() } : body;
  sendRaw(res, status, 'application/json', JSON.stringify(traced), headers);
}

/** One gzip member of 1 MiB of zeros, repeated: gunzip reads concatenated members as one stream. */
function sendGzipBomb(res: ServerResponse, mib: number): void {
  const member = gzipSync(Buffer.alloc(1024 * 1024));
  res.on('error', () => undefined); // the client hangs up once it has had enough
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...RATE_LIMIT_HEADERS });
  const more = (left: number): void => {
    if (left === 0 || res.destroyed) return void res.end();
    if (res.write(member)) more(left - 1);
    else res.once('drain', () => more(left - 1));
  };
  more(mib);
}

function sendRaw(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, ...RATE_LIMIT_HEADERS, ...headers }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
