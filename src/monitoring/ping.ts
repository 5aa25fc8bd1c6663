import type { Logger } from '../logger.js';
import { deliver } from './deliver.js';
import type { RunOutcome } from './outcome.js';

/**
 * A healthchecks.io-compatible dead-man's switch: `/start` when a run begins, the base URL on
 * success, `/{exitCode}` on failure. The service alerts when pings stop, which no run can report.
 */
export function pingStart(baseUrl: string, log: Logger): Promise<boolean> {
  return ping(baseUrl, '/start', '', log);
}

/** The failure's one-line message goes along as the ping's body, which the service keeps as its log. */
export function pingEnd(baseUrl: string, outcome: RunOutcome, log: Logger): Promise<boolean> {
  return outcome.healthy ? ping(baseUrl, '', '', log) : ping(baseUrl, `/${outcome.exitCode}`, outcome.message, log);
}

function ping(baseUrl: string, suffix: string, body: string, log: Logger): Promise<boolean> {
  return deliver({ what: `ping ${suffix || '(success)'}`, url: `${baseUrl.replace(/\/+$/, '')}${suffix}`, body, contentType: 'text/plain' }, log);
}
