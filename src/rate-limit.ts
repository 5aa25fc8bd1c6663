import { setTimeout as wait } from 'node:timers/promises';
import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';
import { timerMs, type Answer } from './retry-policy.js';

/** A burst limit: at most `max` requests in any `intervalMs`. */
export interface Burst {
  max: number;
  intervalMs: number;
}

/** GHL's burst limit per app per resource (a location, or the company for Company-token calls), until its headers say otherwise. */
export const GHL_BURST: Burst = { max: 100, intervalMs: 10_000 };

/**
 * The share of every burst this process leaves unspent. GHL counts per app, so other programs of the same
 * app (another run of this tool, the app's own backend) spend from the same budget; and GHL counts requests
 * as they arrive, which network delays bunch closer together than we sent them. 10% (90 of GHL's 100) costs
 * a tenth of the speed; when others spend more than that, X-RateLimit-Remaining 0 or a 429 still stops us.
 */
export const SAFETY_MARGIN = 0.1;

/** How many sends this process allows itself in one window of a resource whose limit is `max`. */
export const allowedPerWindow = (max: number) => Math.max(1, Math.floor(max * (1 - SAFETY_MARGIN)));

/**
 * Call when the request's answer arrives. GHL counts a request when it arrives, which is before its answer
 * but may be well after we sent it: a request slower on the wire than a later one would otherwise share that
 * one's window. So the request's slot is held from its answer on (unanswered: from its send).
 */
export type Answered = () => void;

export interface RateLimiter {
  /**
   * Resolves when a request on `resource` (a rate-limit bucket: 'company:X', 'location:Y') may be sent
   * without exceeding its burst, and counts it as sent. Rejects with ghl_unavailable when `signal` (the
   * run's deadline) aborts the wait.
   */
  acquire(resource: string, signal: AbortSignal): Promise<Answered>;
  /** Adopts what an answer on `resource` says: its rate-limit headers (lower-case names), and a 429. */
  observe(resource: string, answer: Answer): void;
  /** How many resources are remembered: those that sent within their window, are blocked, or were just observed. */
  readonly trackedResources: number;
}

export interface RateLimiterClock {
  now: () => number;
  /** Waits `ms`; rejects at once when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

const realClock: RateLimiterClock = {
  now: Date.now,
  // A signal of its own per wait: up to GHL_CHECK_CONCURRENCY waits share the run's deadline, and Node warns
  // of a leak past 10 listeners on one signal.
  sleep: (ms, signal) => wait(timerMs(ms), undefined, { signal: AbortSignal.any([signal]) }),
};

interface Bucket {
  burst: Burst;
  /** This process's requests within the window, by send time (answer time once answered), oldest first; never more than the burst allows. */
  sends: { at: number }[];
  /** GHL said the budget is spent (Remaining 0, or a 429): nothing is sent before this. */
  blockedUntil: number;
}

/** One limiter per run, shared by every request, so all of them count against the same windows. */
export function createRateLimiter(clock: RateLimiterClock = realClock): RateLimiter {
  const buckets = new Map<string, Bucket>();
  let nextSweepAt = clock.now() + GHL_BURST.intervalMs;

  const bucketOf = (resource: string): Bucket => {
    let bucket = buckets.get(resource);
    if (!bucket) buckets.set(resource, (bucket = { burst: GHL_BURST, sends: [], blockedUntil: 0 }));
    return bucket;
  };

  /**
   * Forgets resources idle for a whole window, so thousands of locations cost memory only while in use. A
   * forgotten resource starts again from GHL_BURST: nothing in its window is left to count, and its next
   * answer's headers teach its limit again.
   */
  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + GHL_BURST.intervalMs;
    for (const [resource, bucket] of buckets) if (isIdle(bucket, now)) buckets.delete(resource);
  };

  async function acquire(resource: string, signal: AbortSignal): Promise<Answered> {
    for (;;) {
      const now = clock.now();
      sweep(now);
      const bucket = bucketOf(resource);
      const readyAt = readyAtOf(bucket, now);
      if (readyAt <= now) {
        const send = { at: now };
        bucket.sends.push(send);
        return () => {
          const index = bucket.sends.indexOf(send);
          if (index === -1) return; // already out of the window
          bucket.sends.splice(index, 1);
          bucket.sends.push({ at: clock.now() }); // the latest time of all: the order holds
        };
      }
      // Another waiter may take the slot first: look again after the wait.
      await clock.sleep(readyAt - now, signal).catch(() => {
        throw deadlinePassed(resource, bucket.burst);
      });
    }
  }

  function observe(resource: string, { status, headers }: Answer): void {
    const bucket = bucketOf(resource);
    const max = countIn(headers['x-ratelimit-max']);
    const intervalMs = countIn(headers['x-ratelimit-interval-milliseconds']);
    if (max || intervalMs) bucket.burst = { max: max || bucket.burst.max, intervalMs: intervalMs || bucket.burst.intervalMs };
    if (status === 429 || countIn(headers['x-ratelimit-remaining']) === 0) {
      bucket.blockedUntil = Math.max(bucket.blockedUntil, clock.now() + bucket.burst.intervalMs);
    }
  }

  return {
    acquire,
    observe,
    get trackedResources() {
      return buckets.size;
    },
  };
}

/** The earliest time a send keeps the bucket within its burst; drops the send times that left the window. */
function readyAtOf(bucket: Bucket, now: number): number {
  const { sends, burst } = bucket;
  while (sends.length > 0 && (sends[0]?.at ?? 0) + burst.intervalMs <= now) sends.shift();
  const allowed = allowedPerWindow(burst.max);
  // Full: wait until enough of the oldest sends have left the window to leave one slot.
  const freedAt = sends.length < allowed ? now : (sends[sends.length - allowed]?.at ?? now) + burst.intervalMs;
  return Math.max(bucket.blockedUntil, freedAt);
}

function isIdle(bucket: Bucket, now: number): boolean {
  const last = bucket.sends.at(-1);
  return bucket.blockedUntil <= now && (last === undefined || last.at + bucket.burst.intervalMs <= now);
}

/** A header's whole number; undefined when absent or not a number (a header we cannot read changes nothing). */
function countIn(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

function deadlinePassed(resource: string, burst: Burst): GhlAuthError {
  return new GhlAuthError(
    'ghl_unavailable',
    `${resource}: the run deadline (GHL_CHECK_TIMEOUT_SECONDS) passed while waiting for GHL's rate limit (${allowedPerWindow(burst.max)} requests per ${burst.intervalMs} ms); ${NEXT_RUN_RETRIES}, raise GHL_CHECK_TIMEOUT_SECONDS if this repeats`,
    { cause: new Error('deadline') },
  );
}
