import type { Logger } from '../logger.js';
import type { LocationResult } from '../run-report.js';
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
  /** Only from a run that reported its locations: the failing ones, each with what to do there. */
  locations?: LocationResult[];
  /** Only from a run that reported its locations: those that failed in the previous run and are healthy in this one. */
  recovered?: { locationId: string; name: string | null }[];
}

export interface AlertContext {
  service: string;
  locationId: string | undefined;
  host: string;
}

/** What a run that reached its locations adds to its alert. */
export interface LocationsInAlert {
  /** How many locations the run checked. */
  checked: number;
  failed: LocationResult[];
  recovered: LocationResult[];
}

/** At most this many locations are named in `text`; the arrays name them all. */
const NAMED_IN_TEXT = 10;

export function failureAlert(outcome: RunOutcome, context: AlertContext, locations?: LocationsInAlert): AlertBody {
  const head = `${context.service} on ${context.host}: the GHL connection check failed (exit ${outcome.exitCode}, ${outcome.reason}).`;
  return {
    ...fields('failed', context, outcome, locations),
    text: `${head} ${locations?.failed.length ? failedLocationsText(locations) : outcome.message}${recoveredText(locations?.recovered)}`,
  };
}

/** Sent once, on the first healthy run after a failed one. */
export function recoveryAlert(outcome: RunOutcome, context: AlertContext, failedSince: { at: string; reason?: string }, locations?: LocationsInAlert): AlertBody {
  const message = `the GHL connection check is healthy again (the last failed run was at ${failedSince.at}, ${failedSince.reason ?? 'unknown reason'})`;
  return {
    ...fields('recovered', context, { ...outcome, message }, locations),
    text: `${context.service} on ${context.host}: ${message}.${recoveredText(locations?.recovered)}`,
  };
}

export function sendAlert(url: string, body: AlertBody, log: Logger): Promise<boolean> {
  return deliver({ what: `${body.status} alert`, url, body: JSON.stringify(body), contentType: 'application/json' }, log);
}

function fields(status: AlertBody['status'], context: AlertContext, outcome: RunOutcome, locations: LocationsInAlert | undefined) {
  return {
    service: context.service,
    status,
    exitCode: outcome.exitCode,
    reason: outcome.reason,
    message: outcome.message,
    locationId: context.locationId ?? null,
    host: context.host,
    at: outcome.at,
    ...(locations && {
      locations: locations.failed.map(({ locationId, name, exitCode, reason, message }) => ({ locationId, name, exitCode, reason, message })),
      recovered: locations.recovered.map(({ locationId, name }) => ({ locationId, name })),
    }),
  };
}

/** One failing location with its message; several named with their reasons, the messages left to `locations`. */
function failedLocationsText({ checked, failed }: LocationsInAlert): string {
  const count = checked > 1 ? `${failed.length} of ${checked} locations failed: ` : '';
  const [only] = failed;
  if (failed.length === 1 && only) return `${count}${label(only)}: ${only.message}`;
  return `${count}${named(failed.map((location) => `${label(location)} [${location.reason}]`))}; the alert's locations say what to do for each.`;
}

function recoveredText(recovered: LocationResult[] | undefined): string {
  return recovered?.length ? ` Healthy again: ${named(recovered.map(label))}.` : '';
}

const label = (location: LocationResult) => `${location.locationId}${location.name ? ` (${location.name})` : ''}`;

/** "a, b, c and 12 more" */
function named(labels: string[]): string {
  const shown = labels.slice(0, NAMED_IN_TEXT).join(', ');
  return labels.length > NAMED_IN_TEXT ? `${shown} and ${labels.length - NAMED_IN_TEXT} more` : shown;
}
