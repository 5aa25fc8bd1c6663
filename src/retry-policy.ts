/** How one kind of request is retried: the only retry policy in the tool, with two sets of bounds. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** Bound on one attempt; a single-use request has the client's one-time bound instead (http-client.ts). */
  attemptTimeoutMs: number;
  /** Ceiling of the first backoff; it doubles per retry up to maxBackoffMs, and the wait is drawn below it (full jitter). */
  baseDelayMs: number;
  maxBackoffMs: number;
}

/** GHL's endpoints: the run's deadline (GHL_CHECK_TIMEOUT_SECONDS) bounds the whole request, retries included. */
export const GHL_RETRY_POLICY: RetryPolicy = { attempts: 4, attemptTimeoutMs: 15_000, baseDelayMs: 500, maxBackoffMs: 8_000 };

/**
 * Alerts and pings are reported, not retried like GHL calls: a short timeout and one retry, so an
 * unreachable monitoring service delays a run by seconds, never by the run's deadline.
 */
export const DELIVERY_RETRY_POLICY: RetryPolicy = { attempts: 2, attemptTimeoutMs: 5_000, baseDelayMs: 1_000, maxBackoffMs: 1_000 };

/** The longest a request under `policy` can take, every retry included: also the hard limit against a server that trickles bytes. */
export const boundOf = (policy: RetryPolicy) => policy.attempts * policy.attemptTimeoutMs + (policy.attempts - 1) * policy.maxBackoffMs;

/** Node's timers overflow (and fire at once) above this: about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const timerMs = (ms: number) => Math.min(Math.max(0, ms), MAX_TIMER_MS);

export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

export interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
}

/**
 * The wait before retry `retryNumber` (1-based) after `answer` (none: no answer): Retry-After when
 * sent, else the rate-limit interval on a 429, else exponential backoff with full jitter.
 */
export function retryDelayMs(policy: RetryPolicy, retryNumber: number, answer: Answer | undefined, random: () => number = Math.random, now = Date.now()): number {
  const announced = retryAfterMs(answer?.headers['retry-after'], now);
  if (announced !== undefined) return announced;
  const interval = Number(answer?.headers['x-ratelimit-interval-milliseconds']);
  if (answer?.status === 429 && interval > 0) return interval;
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  return Math.round(random() * ceiling);
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
