import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ghlError, FakeGhl } from '../src/fake-ghl/server.js';
import { createHttpClient, type HttpClient } from '../src/http-client.js';
import { deliver } from '../src/monitoring/deliver.js';
import { boundOf, GHL_RETRY_POLICY, isRetryableStatus, retryDelayMs, type RetryPolicy } from '../src/retry-policy.js';
import { REDACTED, SecretRegistry } from '../src/secrets.js';

const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers });
/** The production policy's shape with waits of milliseconds. */
const FAST: RetryPolicy = { attempts: 4, attemptTimeoutMs: 200, baseDelayMs: 5, maxBackoffMs: 20 };
const log = pino({ level: 'silent' });

describe('retry policy', () => {
  it('retries network-level statuses only: 408, 429, 5xx', () => {
    assert.deepEqual([400, 401, 404, 408, 422, 429, 500, 503].filter(isRetryableStatus), [408, 429, 500, 503]);
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 1, answer(429, { 'retry-after': '3' })), 3000);
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 1, answer(503, { 'retry-after': new Date(10_000).toUTCString() }), Math.random, 8_000), 2000);
  });

  it('on a 429 without Retry-After waits the rate-limit interval', () => {
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 1, answer(429, { 'x-ratelimit-interval-milliseconds': '1500' })), 1500);
    assert.notEqual(retryDelayMs(GHL_RETRY_POLICY, 1, answer(503, { 'x-ratelimit-interval-milliseconds': '1500' }), () => 0.5), 1500);
  });

  it('backs off exponentially with full jitter below a ceiling that doubles, capped', () => {
    const { baseDelayMs: base, maxBackoffMs: max } = GHL_RETRY_POLICY;
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 1, answer(503), () => 0), 0);
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 1, answer(503), () => 1), base);
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 3, answer(503), () => 1), base * 4);
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 30, answer(503), () => 1), max);
    assert.equal(retryDelayMs(GHL_RETRY_POLICY, 2, undefined, () => 0.5), base);
  });

  it('bounds a request by its attempts, their timeouts and the waits between', () => {
    assert.equal(boundOf({ attempts: 2, attemptTimeoutMs: 5_000, baseDelayMs: 1_000, maxBackoffMs: 1_000 }), 11_000);
  });
});

describe('secret registry', () => {
  it('replaces every known secret, whole, also URL-encoded; ignores short values', () => {
    const secrets = new SecretRegistry();
    secrets.add('rt-0123456789', 'rt-0123456789-longer', 'client/secret+1', 'short', undefined);
    assert.equal(secrets.scrub('a rt-0123456789-longer b rt-0123456789 c client%2Fsecret%2B1 short'), `a ${REDACTED} b ${REDACTED} c ${REDACTED} short`);
    assert.deepEqual(secrets.scrubDeep({ list: ['x client/secret+1'], n: 1 }), { list: [`x ${REDACTED}`], n: 1 });
  });
});

describe('HTTP client against the stand-in (waits injected: milliseconds)', () => {
  let fake: FakeGhl;
  before(async () => (fake = await FakeGhl.start()));
  after(async () => fake.close());

  const client = (policy = FAST, signal = AbortSignal.timeout(10_000), secrets = new SecretRegistry()): HttpClient =>
    createHttpClient({ baseUrl: fake.url, service: 'GHL', policy, signal, log, userAgent: 'test', secrets });
  const token = () => fake.state.issueTokens();
  const getContact = (http: HttpClient, accessToken: string) =>
    http.send({ method: 'GET', path: `/contacts/${fake.state.setup.contactId}`, headers: { Authorization: `Bearer ${accessToken}`, Version: '2021-07-28' } });

  it('counts its own attempts: a 503 then a reset, then the answer', async () => {
    fake.fail('contact', ghlError(503, 'Service Unavailable'), { kind: 'reset' });
    const http = client();
    const response = await getContact(http, String(token().access_token));
    assert.equal(response.status, 200);
    assert.equal(response.attempts, 3);
    assert.deepEqual(http.attemptsByOutcome, { success: 1, client_error: 0, rate_limited: 0, server_error: 1, network_error: 1 });
  });

  it('gives up a slow attempt after its timeout and retries it', async () => {
    fake.fail('contact', { kind: 'hang' });
    const response = await getContact(client(), String(token().access_token));
    assert.equal(response.status, 200);
    assert.equal(response.attempts, 2);
  });

  it('waits for a single-use request past the attempt timeout, never sending it twice', async () => {
    const { refresh_token: refresh } = token();
    fake.fail('token', { kind: 'slow-answer', ms: FAST.attemptTimeoutMs * 3 });
    const { setup } = fake.state;
    const response = await client().send({
      method: 'POST',
      path: '/oauth/token',
      singleUse: true,
      form: { client_id: setup.clientId, client_secret: setup.clientSecret, grant_type: 'refresh_token', refresh_token: String(refresh), user_type: 'Location' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.attempts, 1);
    assert.equal(fake.state.refreshTokensSpentTwice, 0);
  });

  it('a 429 with the daily limit spent is not retried: ghl_unavailable at once, saying so', async () => {
    const before = fake.requestsTo('contact').length;
    fake.fail('contact', ...Array.from({ length: 4 }, () => ghlError(429, 'Too Many Requests')).map((fault) => ({ ...fault, headers: { 'X-RateLimit-Daily-Remaining': '0', 'X-RateLimit-Limit-Daily': '200000' } })));
    await assert.rejects(getContact(client(), String(token().access_token)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ghl_unavailable');
      assert.match(error.message, /daily request limit .* is spent \(429 with X-RateLimit-Daily-Remaining: 0, daily limit 200000\) \(GHL traceId [\w-]+\).*next run will try again/);
      return true;
    });
    assert.equal(fake.requestsTo('contact').length - before, 1);
    fake.faults.contact.length = 0;
  });

  it('answers carry GHL\'s message scrubbed of every secret the request carried, and its traceId', async () => {
    const access = String(token().access_token);
    fake.fail('contact', ghlError(401, `Invalid token: ${access} is not valid`));
    const response = await getContact(client(), access);
    assert.equal(response.message, `Invalid token: ${REDACTED} is not valid`);
    assert.match(String(response.traceId), /^[\w-]{36}$/);
  });

  it('monitoring delivery gives a hanging endpoint up within its own bound, one retry', async () => {
    const policy: RetryPolicy = { attempts: 2, attemptTimeoutMs: 100, baseDelayMs: 20, maxBackoffMs: 20 };
    fake.fail('webhook', { kind: 'hang' }, { kind: 'hang' });
    const started = Date.now();
    const delivered = await deliver({ what: 'alert', url: `${fake.url}/hooks/L/webhook-trigger/x`, body: '{}', contentType: 'application/json' }, log, policy);
    assert.equal(delivered, false);
    assert.equal(fake.requestsTo('webhook').length, 2);
    assert.ok(Date.now() - started < boundOf(policy) + 500, `took ${Date.now() - started} ms`);
  });
});
