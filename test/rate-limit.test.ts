import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { GhlAuthError } from '../src/errors.js';
import { createHttpClient } from '../src/http-client.js';
import { allowedPerWindow, createRateLimiter, GHL_BURST, type RateLimiterClock } from '../src/rate-limit.js';
import type { Answer, RetryPolicy } from '../src/retry-policy.js';
import { SecretRegistry } from '../src/secrets.js';

/** Virtual time: sleeps end in time order when `settle` runs them, so a test of minutes takes milliseconds. */
class VirtualClock implements RateLimiterClock {
  time = 0;
  private timers: { at: number; order: number; wake: () => void }[] = [];
  private order = 0;

  readonly now = () => this.time;

  readonly sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = { at: this.time + ms, order: this.order++, wake: resolve };
      const abort = () => {
        this.timers = this.timers.filter((other) => other !== timer);
        reject(signal.reason);
      };
      if (signal.aborted) return abort();
      this.timers.push(timer);
      signal.addEventListener('abort', abort, { once: true });
    });

  /** Lets every promise run, then ends the earliest sleep, until none is left. */
  async settle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const [next] = [...this.timers].sort((a, b) => a.at - b.at || a.order - b.order);
      if (!next) return;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = next.at;
      next.wake();
    }
  }
}

const never = new AbortController().signal;
// Hundreds of virtual sleeps listen to it at once.
setMaxListeners(1000, never);

/** Sends `count` requests on `resource` at once; answers when each was allowed, by virtual time. */
async function burst(clock: VirtualClock, acquire: (signal: AbortSignal) => Promise<unknown>, count: number): Promise<number[]> {
  const sentAt: number[] = [];
  const all = Promise.all(Array.from({ length: count }, () => acquire(never).then(() => sentAt.push(clock.time))));
  await clock.settle();
  await all;
  return sentAt;
}

/** The most sends in any window of `intervalMs` (a sliding window: every send opens one). */
function busiestWindow(sentAt: number[], intervalMs: number): number {
  return Math.max(...sentAt.map((start) => sentAt.filter((at) => at >= start && at < start + intervalMs).length));
}

describe('rate limiter', () => {
  const allowed = allowedPerWindow(GHL_BURST.max);

  it("an answer moves only its own request's slot: a window is as full as it truly is, never fuller", async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    const limit = { status: 200, headers: { 'x-ratelimit-max': '3', 'x-ratelimit-interval-milliseconds': '1000' } }; // 2 per window
    (await limiter.acquire('r', never))(); // A: sent and answered at 0
    limiter.observe('r', limit);
    clock.time = 900;
    const b = await limiter.acquire('r', never); // B: sent at 900
    clock.time = 950;
    b(); // B answered at 950: A's slot, still from 0, frees at 1000
    let sentAt = -1;
    const next = limiter.acquire('r', never).then(() => (sentAt = clock.time));
    await clock.settle();
    await next;
    assert.equal(sentAt, 1000);
  });

  it('holds a slot from the answer on: a request slow on the wire never shares a window with one sent a window after it was sent', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    const burst3 = { status: 200, headers: { 'x-ratelimit-max': '2', 'x-ratelimit-interval-milliseconds': '1000' } };
    (await limiter.acquire('r', never))(); // learns the limit: 1 per window (90% of 2)
    limiter.observe('r', burst3);
    clock.time = 1000;
    const answered = await limiter.acquire('r', never); // sent at 1000, answered (and so arrived at GHL by) 1700
    clock.time = 1700;
    answered();
    limiter.observe('r', burst3);
    let sentAt = -1;
    const next = limiter.acquire('r', never).then(() => (sentAt = clock.time));
    await clock.settle();
    await next;
    assert.equal(sentAt, 2700, 'one window after the answer, not after the send (2000)');
  });

  it('keeps a safety margin below GHL_BURST, 100 per 10 s', () => {
    assert.deepEqual(GHL_BURST, { max: 100, intervalMs: 10_000 });
    assert.ok(allowed < 100 && allowed >= 80, `allows ${allowed} of 100`);
  });

  it('spreads 250 requests on one resource over windows, never more than allowed in any window', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    const sentAt = await burst(clock, (signal) => limiter.acquire('location:a', signal), 250);
    assert.equal(sentAt.length, 250);
    assert.equal(busiestWindow(sentAt, GHL_BURST.intervalMs), allowed);
    // 250 requests at `allowed` per window: the last goes out at the start of window ceil(250 / allowed).
    assert.equal(Math.max(...sentAt), (Math.ceil(250 / allowed) - 1) * GHL_BURST.intervalMs);
  });

  it('keeps resources apart: a full location does not slow another or the company', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    await burst(clock, (signal) => limiter.acquire('location:a', signal), allowed);
    const others = await burst(clock, (signal) => Promise.all([limiter.acquire('location:b', signal), limiter.acquire('company:c', signal)]).then(() => undefined), allowed);
    assert.deepEqual(new Set(others), new Set([0]));
    const waited = await burst(clock, (signal) => limiter.acquire('location:a', signal), 1);
    assert.deepEqual(waited, [GHL_BURST.intervalMs]);
  });

  it('adopts a smaller X-RateLimit-Max and interval for that resource only', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    limiter.observe('location:a', { status: 200, headers: { 'x-ratelimit-max': '10', 'x-ratelimit-interval-milliseconds': '1000', 'x-ratelimit-remaining': '9' } });
    const sentAt = await burst(clock, (signal) => limiter.acquire('location:a', signal), 30);
    assert.equal(busiestWindow(sentAt, 1000), allowedPerWindow(10));
    assert.equal(Math.max(...sentAt), (Math.ceil(30 / allowedPerWindow(10)) - 1) * 1000);
    assert.equal(new Set(await burst(clock, (signal) => limiter.acquire('location:b', signal), 30)).size, 1, 'location:b sends all 30 at once');
  });

  it('ignores rate-limit headers it cannot read', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    limiter.observe('location:a', { status: 200, headers: { 'x-ratelimit-max': 'lots', 'x-ratelimit-interval-milliseconds': '0', 'x-ratelimit-remaining': '' } });
    assert.deepEqual(new Set(await burst(clock, (signal) => limiter.acquire('location:a', signal), allowed)), new Set([0]));
  });

  it('X-RateLimit-Remaining 0 or a 429 blocks the resource until the window has passed', async () => {
    const answers: Answer[] = [
      { status: 200, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-milliseconds': '2000' } },
      { status: 429, headers: { 'x-ratelimit-interval-milliseconds': '2000' } },
    ];
    for (const answer of answers) {
      const clock = new VirtualClock();
      const limiter = createRateLimiter(clock);
      await limiter.acquire('location:a', never);
      clock.time = 500;
      limiter.observe('location:a', answer);
      assert.deepEqual(await burst(clock, (signal) => limiter.acquire('location:a', signal), 3), [2500, 2500, 2500], `after ${answer.status}`);
    }
  });

  it('an aborted wait ends at once with ghl_unavailable and the deadline as its reason', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    limiter.observe('location:a', { status: 429, headers: {} });
    const deadline = new AbortController();
    const waiting = limiter.acquire('location:a', deadline.signal);
    await new Promise((resolve) => setImmediate(resolve));
    deadline.abort();
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof GhlAuthError);
      assert.equal(error.code, 'ghl_unavailable');
      assert.equal((error.cause as Error).message, 'deadline');
      assert.match(error.message, /^location:a: the run deadline \(GHL_CHECK_TIMEOUT_SECONDS\) passed while waiting for GHL's rate limit/);
      return true;
    });
    assert.equal(clock.time, 0, 'no virtual time passed');
  });

  it('with real timers, the deadline ends a wait of a whole window promptly', async () => {
    const limiter = createRateLimiter();
    limiter.observe('location:a', { status: 429, headers: { 'x-ratelimit-interval-milliseconds': '60000' } });
    const started = Date.now();
    await assert.rejects(limiter.acquire('location:a', AbortSignal.timeout(20)), { code: 'ghl_unavailable' });
    assert.ok(Date.now() - started < 1000, `waited ${Date.now() - started} ms`);
  });

  it('forgets resources idle for a whole window, so thousands of locations do not pile up', async () => {
    const clock = new VirtualClock();
    const limiter = createRateLimiter(clock);
    for (let n = 0; n < 5000; n += 1) await limiter.acquire(`location:${n}`, never);
    limiter.observe('location:blocked', { status: 429, headers: { 'x-ratelimit-interval-milliseconds': '60000' } });
    assert.equal(limiter.trackedResources, 5001);
    clock.time = GHL_BURST.intervalMs;
    await limiter.acquire('company:c', never);
    assert.equal(limiter.trackedResources, 2, 'the blocked resource and the one just used');
  });
});

describe('HTTP client with a rate limiter', () => {
  it('a burst of 20 requests never exceeds what the server announced (5 per 150 ms)', async () => {
    const max = 5;
    const intervalMs = 150;
    const arrivals: number[] = [];
    const server = createServer((req, res) => {
      const now = performance.now();
      arrivals.push(now);
      const recent = arrivals.filter((at) => at > now - intervalMs).length;
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-ratelimit-max': String(max),
        'x-ratelimit-interval-milliseconds': String(intervalMs),
        'x-ratelimit-remaining': String(Math.max(0, max - recent)),
      });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const policy: RetryPolicy = { attempts: 1, attemptTimeoutMs: 2000, baseDelayMs: 5, maxBackoffMs: 5 };
      const http = createHttpClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        service: 'GHL',
        policy,
        signal: AbortSignal.timeout(5000),
        log: pino({ level: 'silent' }),
        userAgent: 'test',
        secrets: new SecretRegistry(),
        limiter: createRateLimiter(),
      });
      const get = () => http.send({ method: 'GET', path: '/locations/a', resource: 'location:a' });
      // The first answer teaches the limit; then 19 at once.
      await get();
      await Promise.all(Array.from({ length: 19 }, get));
      assert.equal(arrivals.length, 20);
      // Counted by arrival in windows a little shorter than the interval: loopback delays may bunch sends by a few ms.
      assert.ok(busiestWindow(arrivals, intervalMs - 30) <= max, `busiest window: ${busiestWindow(arrivals, intervalMs - 30)}`);
      const windows = Math.ceil(20 / allowedPerWindow(max)) - 1;
      assert.ok(Math.max(...arrivals) - Math.min(...arrivals) >= windows * intervalMs - 5, 'the requests were spread');
      // Without a resource, nothing waits.
      await Promise.all(Array.from({ length: 8 }, () => http.send({ method: 'POST', path: '/oauth/token' })));
      assert.equal(busiestWindow(arrivals.slice(20), intervalMs), 8, 'requests without a resource are not paced');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
