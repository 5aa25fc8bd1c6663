import { performance } from 'node:perf_hooks';
import { timerMs } from './retry-policy.js';

/**
 * A run's deadline (or one location's part of it): the signal that aborts waits and requests, and
 * how much of it is left. Measured on the monotonic clock, so a step of the wall clock moves neither.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  remainingMs(): number;
}

export function deadlineIn(ms: number, clock: () => number = () => performance.now()): Deadline {
  const endsAt = clock() + ms;
  return { signal: AbortSignal.timeout(timerMs(ms)), remainingMs: () => Math.max(0, endsAt - clock()) };
}

/**
 * A request that spends a single-use credential (a refresh token, a code) is started only with this
 * much of its deadline left (or half the deadline, when that is shorter), so its answer is due within
 * it; once sent, it is never cut by the deadline (it then has two deadlines for its answer: `oneTimeAnswerMs` in http-client.ts).
 */
export const ONE_TIME_MIN_LEFT_MS = 10_000;

export const oneTimeMinLeftMs = (deadlineSeconds: number) => Math.min(ONE_TIME_MIN_LEFT_MS, (deadlineSeconds * 1000) / 2);
