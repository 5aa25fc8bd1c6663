import assert from 'node:assert/strict';
import { ghlError, type Fault, type Route as FakeRoute } from '../../src/fake-ghl/server.js';
import { verdict, type RunResult } from '../helpers.js';
import type { Box } from './box.js';

/** The three GHL endpoints the check uses (the stand-in's monitoring routes are not GHL's). */
export type Route = Extract<FakeRoute, 'token' | 'contact' | 'tags'>;

/** What a run must end with when one endpoint misbehaves. */
export interface Expectation {
  exit: number;
  /** The one-line verdict: what happened and what to do. */
  says?: RegExp;
  /** True when a refresh succeeded, so the token file must hold a new live pair; else it is byte-identical. */
  refreshed?: boolean;
  /** True when GHL declared the refresh token dead: the file keeps its pair, marked spent (refreshTokenSpent). */
  spent?: boolean;
}

/** How a fault is brought about: queued faults on the endpoint, or a setting of the run. */
export type Injection = { faults: Fault[] } | { env: Record<string, string> };

export interface FaultCase {
  fault: string;
  inject: (route: Route) => Injection;
  expect: Partial<Record<Route, Expectation>>;
  /** Why the fault cannot happen on the endpoints missing from `expect`. */
  notOn?: string;
  /** The run's deadline, for faults that would otherwise take the full default. */
  deadlineSeconds?: number;
}

/** Enough copies to outlast every retry of one request (and the one retry after a refresh). */
const ALWAYS = 8;
const times = (count: number, fault: Fault): { faults: Fault[] } => ({ faults: Array.from({ length: count }, () => fault) });
const status = (code: number, headers: Record<string, string> = {}, body: unknown = { statusCode: code, message: 'Too Many Requests' }): Fault => ({ kind: 'status', status: code, body, headers });
const FAST_RATE_LIMIT = { 'X-RateLimit-Interval-Milliseconds': '50' };

const everywhere = (expectation: Expectation): Record<Route, Expectation> => ({ token: { ...expectation }, contact: { ...expectation }, tags: { ...expectation } });
/** A fault the run recovers from: exit 0, and on the token endpoint the refresh went through. */
const recovered = (): Record<Route, Expectation> => ({ token: { exit: 0, refreshed: true }, contact: { exit: 0 }, tags: { exit: 0 } });
const unavailable = (says: RegExp) => everywhere({ exit: 4, says });

const UNEXPECTED_ANSWER = /its API does not describe; the next run will try again/;
const NO_REFRESH_TOKEN = /200 but no refresh token.*never sent again: re-authorize with `ghl-auth login --force`; GHL's answer is kept, redacted, in /;
const RE_AUTHORIZE = /re-authorize.*ghl-auth login --force/;

/** The matrix: every failure answer of GHL's three endpoints the check uses. */
export const FAULT_MATRIX: FaultCase[] = [
  { fault: '429 with Retry-After: 1, once', inject: () => times(1, status(429, { 'Retry-After': '1' })), expect: recovered() },
  { fault: '429 without Retry-After, once', inject: () => times(1, status(429, FAST_RATE_LIMIT)), expect: recovered() },
  { fault: '429 without Retry-After, persistent', inject: () => times(ALWAYS, status(429, FAST_RATE_LIMIT)), expect: unavailable(/kept answering 429 after 4 attempts.*next run will try again/) },
  ...[500, 502, 503, 504].map((code) => ({
    fault: `${code}, persistent`,
    inject: () => times(ALWAYS, ghlError(code, 'Internal server error')),
    expect: unavailable(new RegExp(`kept answering ${code} after 4 attempts.*next run will try again`)),
  })),
  { fault: '503, once', inject: () => times(1, ghlError(503, 'Service Unavailable')), expect: recovered() },
  { fault: 'connection reset, persistent', inject: () => times(ALWAYS, { kind: 'reset' }), expect: unavailable(/no answer from GHL after 4 attempts.*next run will try again/) },
  {
    fault: 'connection reset after GHL did the work, once',
    inject: () => times(1, { kind: 'reset', afterProcessing: true }),
    // A refresh whose answer is lost has rotated the token at GHL: no retry can bring it back, but the run must say so.
    expect: { token: { exit: 3, says: /Invalid grant.*ghl-auth login --force.*cause: this run sent it 2 times.*answer was lost/, spent: true }, contact: { exit: 0 }, tags: { exit: 0 } },
  },
  { fault: 'hang (accepts, never answers)', inject: () => times(1, { kind: 'hang' }), deadlineSeconds: 2, expect: unavailable(/deadline \(GHL_CHECK_TIMEOUT_SECONDS\) passed.*next run will try again/) },
  {
    fault: 'malformed JSON after GHL did the work',
    inject: () => times(1, { kind: 'bad-json' }),
    // GHL may have rotated the refresh token and the new one cannot be read: it is never sent again.
    expect: { token: { exit: 3, says: NO_REFRESH_TOKEN, spent: true }, contact: { exit: 4, says: UNEXPECTED_ANSWER }, tags: { exit: 4, says: UNEXPECTED_ANSWER } },
  },
  { fault: 'HTML error page (502), persistent', inject: () => times(ALWAYS, { kind: 'html', status: 502 }), expect: unavailable(/kept answering 502 after 4 attempts/) },
  {
    fault: '200 with an unexpected body',
    inject: () => times(1, status(200, {}, { ok: true })),
    expect: { token: { exit: 3, says: NO_REFRESH_TOKEN, spent: true }, contact: { exit: 4, says: UNEXPECTED_ANSWER }, tags: { exit: 4, says: UNEXPECTED_ANSWER } },
  },
  {
    fault: '401 invalid token, once',
    inject: () => times(1, ghlError(401, 'Invalid token: access token is invalid', 'Unauthorized')),
    notOn: 'token endpoint: it takes no access token',
    expect: { contact: { exit: 0, refreshed: true }, tags: { exit: 0, refreshed: true } },
  },
  {
    fault: '401 invalid token, persistent',
    inject: () => times(ALWAYS, ghlError(401, 'Invalid token: access token is invalid', 'Unauthorized')),
    notOn: 'token endpoint: it takes no access token',
    // The one refresh went through and was saved; the second 401 is not the token's age.
    expect: { contact: { exit: 3, says: RE_AUTHORIZE, refreshed: true }, tags: { exit: 3, says: RE_AUTHORIZE, refreshed: true } },
  },
  {
    fault: '401 scope',
    inject: () => times(1, ghlError(401, 'The token is not authorized for this scope.', 'Unauthorized')),
    notOn: 'token endpoint: it takes no access token',
    expect: { contact: { exit: 3, says: /scope.*contacts\.readonly and contacts\.write.*re-authorize \(ghl-auth login --force\)/ }, tags: { exit: 3, says: /scope.*ghl-auth login --force/ } },
  },
  {
    fault: 'Invalid grant',
    inject: () => times(1, ghlError(400, 'Invalid grant: refresh token is invalid')),
    notOn: 'Contacts API: grants are the token endpoint’s',
    expect: { token: { exit: 3, says: /Invalid grant.*Re-authorize: run `ghl-auth login --force`/, spent: true } },
  },
  {
    fault: 'Location is not active',
    inject: () => times(1, ghlError(400, 'Location is not active')),
    expect: everywhere({ exit: 4, says: /location is not active.*tokens were kept, the next run will try again/ }),
  },
  {
    fault: 'wrong client credentials',
    inject: () => ({ env: { GHL_CLIENT_SECRET: 'wrong-client-secret-4242' } }),
    notOn: 'Contacts API: client credentials go only to the token endpoint',
    expect: { token: { exit: 2, says: /GHL rejected the token request \(401 "Invalid client.*check GHL_CLIENT_ID, GHL_CLIENT_SECRET/ } },
  },
  {
    fault: 'unknown contact',
    inject: (route) => (route === 'contact' ? { env: { GHL_HEALTH_CHECK_CONTACT_ID: 'NoSuchContact1' } } : times(1, ghlError(400, 'Contact not found'))),
    notOn: 'token endpoint: it knows no contacts',
    expect: { contact: { exit: 2, says: /did not accept contact 'NoSuchContact1'.*check GHL_HEALTH_CHECK_CONTACT_ID/ }, tags: { exit: 2, says: /check GHL_HEALTH_CHECK_CONTACT_ID/ } },
  },
];

/** The endpoints in the order the suites try them. */
export const ROUTES: Route[] = ['token', 'contact', 'tags'];
/** Every applicable pair of a fault and an endpoint, with what the run must end with. */
export const FAULT_CELLS = FAULT_MATRIX.flatMap((fault) => ROUTES.flatMap((route) => {
  const expectation = fault.expect[route];
  return expectation ? [{ fault, route, expectation }] : [];
}));
/** Every case ends well within this, retries and backoff included. */
export const FAULT_BOUND_MS = 20_000;
const DEFAULT_DEADLINE_SECONDS = 30;

/** Brings `fault` about on `route` of the box's stand-in; answers the environment of the run that meets it. */
export function injectFault(box: Box, fault: FaultCase, route: Route): Record<string, string> {
  const injection = fault.inject(route);
  const env: Record<string, string> = { GHL_CHECK_TIMEOUT_SECONDS: String(fault.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) };
  if ('faults' in injection) box.fake.fail(route, ...injection.faults);
  else Object.assign(env, injection.env);
  box.extraSecrets.push(...Object.entries(env).filter(([name]) => name === 'GHL_CLIENT_SECRET').map(([, value]) => value));
  return env;
}

/** The run ended as expected, within the bound; a failure with one line that says what to do. */
export function assertEnded(result: RunResult, expectation: Expectation): void {
  assert.equal(result.code, expectation.exit, `exit code; stderr:\n${result.stderr}`);
  assert.ok(result.ms < FAULT_BOUND_MS, `took ${result.ms} ms`);
  if (expectation.exit !== 0) {
    assert.match(verdict(result), /^ghl-auth: [^\n]+ \[[a-z_]+\]$/, 'one line with its reason code');
    assert.match(verdict(result), expectation.says ?? /./);
  }
}
