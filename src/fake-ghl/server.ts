import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { admit, type ApiRoute } from './api-gate.js';
import { installedLocationsAnswer, locationAnswer, locationTokenAnswer } from './agency-api.js';
import { contactsAnswer } from './contacts-api.js';
import { errorBody, readBody, safeJson, send, sendGzipBomb, sendRaw, type Answer } from './http.js';
import { resolveSetup, type FakeGhlSetup } from './setup.js';
import { FakeGhlState } from './state.js';
import { tokenAnswer } from './token-endpoint.js';

export { agencyLocations, type FakeLocation } from './setup.js';

/** `webhook` and `ping` stand in for the monitoring services: GHL's Inbound Webhook trigger, a healthchecks.io-style ping. */
export type Route = 'token' | ApiRoute | 'webhook' | 'ping';
const ROUTES: readonly Route[] = ['token', 'contact', 'tags', 'location', 'locationToken', 'installedLocations', 'webhook', 'ping'];

/** What a route does instead of its normal answer, once per queued fault. */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset'; afterProcessing?: boolean } // afterProcessing: GHL did the work, the answer is lost
  | { kind: 'hang' }
  | { kind: 'bad-json'; status?: number }
  | { kind: 'html'; status: number }
  | { kind: 'raw'; status: number; type: string; body: string } // sent as is: bodies JSON.stringify cannot make (nested 10,000 deep)
  | { kind: 'slow-answer'; ms: number } // GHL did the work; the answer leaves `ms` later
  | { kind: 'gzip-bomb'; mib: number }; // a 200 whose gzip body expands to `mib` MiB of zeros

export interface RecordedRequest {
  route: Route | 'unknown';
  method: string;
  path: string;
  /** The query string's parameters, when there are any. */
  query?: Record<string, string>;
  headers: IncomingMessage['headers'];
  form?: Record<string, string>;
  json?: unknown;
}

/** GHL's NestJS-shaped error body, as a fault. */
export const ghlError = (status: number, message: string, error?: string) => ({ kind: 'status' as const, status, body: errorBody(status, message, error) });

const perRoute = <T>(make: () => T) => Object.fromEntries(ROUTES.map((route) => [route, make()])) as Record<Route, T>;

/**
 * A loopback stand-in of GHL's OAuth, Contacts and Locations endpoints that keeps the contract: form-encoded
 * token endpoint, single-use codes, rotating single-use refresh tokens, Company and Location tokens, the
 * Version header, 201 on tags, rate limits per location and per company.
 */
export class FakeGhl {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Record<Route, Fault[]> = perRoute((): Fault[] => []);
  /** Added before each answer of a route, e.g. a slow token endpoint. */
  readonly delayMs: Record<Route, number> = perRoute(() => 0);
  readonly state: FakeGhlState;

  private constructor(
    private readonly server: Server,
    setup: FakeGhlSetup,
  ) {
    this.state = new FakeGhlState(setup);
  }

  static async start(setup: Partial<FakeGhlSetup> = {}, port = 0): Promise<FakeGhl> {
    const server = createServer();
    const fake = new FakeGhl(server, resolveSetup(setup));
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
    const recorded: RecordedRequest = { route, method: req.method ?? '', path: url.pathname, ...(url.search ? { query: Object.fromEntries(url.searchParams) } : {}), headers: req.headers };
    if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) recorded.form = Object.fromEntries(new URLSearchParams(raw));
    else if (raw) recorded.json = safeJson(raw);
    this.requests.push(recorded);
    // Answers counted on no resource (the token endpoint, faults, the monitoring stand-ins) carry fixed rate-limit headers.
    const fixed = this.state.rateLimits.headers();
    if (route === 'unknown') return send(res, 404, errorBody(404, `Cannot ${req.method} ${url.pathname}`), fixed);

    if (this.delayMs[route] > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs[route]));
    const fault = this.faults[route].shift();
    if (fault?.kind === 'hang') return; // the socket stays open, unanswered
    if (fault?.kind === 'reset' && !fault.afterProcessing) return void req.socket.destroy();
    if (fault?.kind === 'status') return send(res, fault.status, fault.body ?? {}, { ...fixed, ...fault.headers });
    if (fault?.kind === 'gzip-bomb') return sendGzipBomb(res, fault.mib, fixed);
    if (fault?.kind === 'html') return sendRaw(res, fault.status, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>', fixed);
    if (fault?.kind === 'raw') return sendRaw(res, fault.status, fault.type, fault.body, fixed);

    const [status, body, headers = fixed] = this.answer(route, req, url, recorded);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'slow-answer') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'bad-json') return sendRaw(res, fault.status ?? status, 'application/json', '{"access_token": "trunc', headers);
    send(res, status, body, headers);
  }

  private answer(route: Route, req: IncomingMessage, url: URL, recorded: RecordedRequest): Answer {
    if (route === 'token') return tokenAnswer(this.state, recorded.form);
    if (route === 'webhook' || route === 'ping') return [200, { status: 'received' }];
    const admitted = admit(this.state, route, req);
    if (Array.isArray(admitted)) return admitted;
    const { grant, headers } = admitted;
    const id = decodeURIComponent(url.pathname.split('/')[2] ?? '');
    const [status, body] =
      route === 'contact' || route === 'tags'
        ? contactsAnswer(this.state, grant, req.method ?? '', id, recorded.json)
        : route === 'location'
          ? locationAnswer(this.state, grant, id)
          : route === 'locationToken'
            ? locationTokenAnswer(this.state, grant, recorded.form)
            : installedLocationsAnswer(this.state, grant, url.searchParams);
    return [status, body, headers];
  }
}

function routeOf(method: string, path: string): Route | 'unknown' {
  if (method === 'POST' && path === '/oauth/token') return 'token';
  if (method === 'POST' && path === '/oauth/locationToken') return 'locationToken';
  if (method === 'GET' && path === '/oauth/installedLocations') return 'installedLocations';
  if (method === 'GET' && /^\/contacts\/[^/]+$/.test(path)) return 'contact';
  if ((method === 'POST' || method === 'DELETE') && /^\/contacts\/[^/]+\/tags$/.test(path)) return 'tags';
  if (method === 'GET' && /^\/locations\/[^/]+$/.test(path)) return 'location';
  if (method === 'POST' && /^\/hooks\/[^/]+\/webhook-trigger\/[^/]+$/.test(path)) return 'webhook';
  if (/^\/ping\/[^/]+(\/start|\/\d+)?$/.test(path)) return 'ping';
  return 'unknown';
}
