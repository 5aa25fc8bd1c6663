import axios, { AxiosError } from 'axios';
import axiosRetry from 'axios-retry';
import { isRetryableStatus } from '../http-client.js';
import type { Logger } from '../logger.js';

/**
 * Alerts and pings are reported, not retried like GHL calls: a short timeout and one retry, so an
 * unreachable monitoring service delays a run by seconds, never by the run's deadline.
 */
export const DELIVERY_POLICY = {
  attempts: 2,
  timeoutMs: 5_000,
  retryDelayMs: 1_000,
} as const;

/** The bound on one delivery, retry included: also the hard limit against a server that trickles bytes. */
export const DELIVERY_BOUND_MS = DELIVERY_POLICY.attempts * DELIVERY_POLICY.timeoutMs + DELIVERY_POLICY.retryDelayMs;

export interface Delivery {
  /** What is being delivered, for the log: "alert", "ping /start". */
  what: string;
  /** A secret (the path is the credential): only its origin is ever logged. */
  url: string;
  body: string;
  contentType: 'application/json' | 'text/plain';
}

const client = axios.create({ timeout: DELIVERY_POLICY.timeoutMs, maxRedirects: 0, responseType: 'text', transformResponse: [(data: unknown) => data] });
axiosRetry(client, {
  retries: DELIVERY_POLICY.attempts - 1,
  shouldResetTimeout: true,
  retryCondition: (error) => !error.response || isRetryableStatus(error.response.status),
  retryDelay: () => DELIVERY_POLICY.retryDelayMs,
});

/** POSTs once, retries once; never throws: a failure is logged as a warning and reported as false. */
export async function deliver(delivery: Delivery, log: Logger): Promise<boolean> {
  const target = originOf(delivery.url);
  try {
    const response = await client.post(delivery.url, delivery.body, {
      headers: { 'Content-Type': delivery.contentType },
      signal: AbortSignal.timeout(DELIVERY_BOUND_MS),
    });
    log.info({ target, status: response.status }, `${delivery.what} delivered to ${target}`);
    return true;
  } catch (error) {
    // Only the status or error code: an axios error carries the full URL.
    const why = error instanceof AxiosError ? (error.response?.status ?? error.code ?? 'no answer') : 'failed';
    log.warn({ target, error: why }, `${delivery.what} could not be delivered to ${target} (${why}); the run's exit code is unchanged`);
    return false;
  }
}

/** Enough of a secret URL to tell which service failed, never enough to call it. */
export function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
