import type { Logger } from '../logger.js';
import { deliver } from './deliver.js';
import type { RunOutcome } from './outcome.js';

/** The JSON an alert webhook receives. Built only from fields that never hold a secret. */
export interface AlertBody {
  service: string;
  status: 'failed' | 'recovered';
  exitCode: number;
  /** A stable code: the error code of the failure (errors.ts), or `healthy` when recovered. */
  reason: string;
  /** One line: what happened and what to do. */
  message: string;
  locationId: string | null;
  host: string;
  at: string;
  /** A sentence for chat webhooks (Slack, Mattermost) that show `text` as is. */
  text: string;
}

export interface AlertContext {
  service: string;
  locationId: string | undefined;
  host: string;
}

export function failureAlert(outcome: RunOutcome, context: AlertContext): AlertBody {
  return {
    ...fields('failed', context, outcome),
    text: `${context.service} on ${context.host}: the GHL connection check failed (exit ${outcome.exitCode}, ${outcome.reason}). ${outcome.message}`,
  };
}

/** Sent once, on the first healthy run after a failed one. */
export function recoveryAlert(outcome: RunOutcome, context: AlertContext, failedSince: { at: string; reason?: string }): AlertBody {
  const message = `the GHL connection check is healthy again (the last failed run was at ${failedSince.at}, ${failedSince.reason ?? 'unknown reason'})`;
  return {
    ...fields('recovered', context, { ...outcome, message }),
    text: `${context.service} on ${context.host}: ${message}.`,
  };
}

export function sendAlert(url: string, body: AlertBody, log: Logger): Promise<boolean> {
  return deliver({ what: `${body.status} alert`, url, body: JSON.stringify(body), contentType: 'application/json' }, log);
}

function fields(status: AlertBody['status'], context: AlertContext, outcome: RunOutcome) {
  return {
    service: context.service,
    status,
    exitCode: outcome.exitCode,
    reason: outcome.reason,
    message: outcome.message,
    locationId: context.locationId ?? null,
    host: context.host,
    at: outcome.at,
  };
}
