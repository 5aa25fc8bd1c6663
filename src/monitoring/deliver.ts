import { createHttpClient, failureReason } from '../http-client.js';
import type { Logger } from '../logger.js';
import { boundOf, DELIVERY_RETRY_POLICY, timerMs, type RetryPolicy } from '../retry-policy.js';
import { SecretRegistry } from '../secrets.js';
import { VERSION } from '../version.js';

export interface Delivery {
  /** What is being delivered, for the log: "alert", "ping /start". */
  what: string;
  /** A secret (the path is the credential): only its origin is ever logged. */
  url: string;
  body: string;
  contentType: 'application/json' | 'text/plain';
}

/**
 * POSTs with the tool's one HTTP client under `policy` (a short timeout, one retry), within the
 * policy's bound; never throws: a failure is logged as a warning and reported as false.
 */
export async function deliver(delivery: Delivery, log: Logger, policy: RetryPolicy = DELIVERY_RETRY_POLICY): Promise<boolean> {
  const target = originOf(delivery.url);
  const http = createHttpClient({
    service: 'monitoring',
    policy,
    signal: AbortSignal.timeout(timerMs(boundOf(policy))),
    log,
    userAgent: `ghl-auth/${VERSION}`,
    secrets: new SecretRegistry(),
  });
  let why: string;
  try {
    const { status } = await http.send({ method: 'POST', path: delivery.url, logAs: `${delivery.what} to ${target}`, raw: delivery.body, headers: { 'Content-Type': delivery.contentType } });
    if (status >= 200 && status < 300) {
      log.info({ target, status }, `${delivery.what} delivered to ${target}`);
      return true;
    }
    why = String(status);
  } catch (error) {
    // Only the status or error code: never the URL.
    why = failureReason(error);
  }
  log.warn({ target, error: why }, `${delivery.what} could not be delivered to ${target} (${why}); the run's exit code is unchanged`);
  return false;
}

/** Enough of a secret URL to tell which service failed, never enough to call it. */
export function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
