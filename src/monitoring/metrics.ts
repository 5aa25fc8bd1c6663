import { replaceRegularFile } from '../files/replace-file.js';
import type { LocationRecord } from './last-run.js';
import type { RunOutcome } from './outcome.js';

/** Everything the metrics file says about one run; unknown timestamps are written as 0. */
export interface MetricsSnapshot {
  service: string;
  outcome: RunOutcome;
  /** Kept across failed runs (from the last-run record). */
  lastSuccessAt: string | undefined;
  /** From the token file as this run left it, when it could be read. */
  tokens: { expiresAt: string; obtainedAt: string } | undefined;
  /** HTTP requests to GHL by outcome, retries included, summed over every run. */
  apiRequestsTotal: Record<string, number>;
  /** This run found the health-check tag still on the contact (the GHL workflow did not remove it). */
  tagLeftOn: boolean;
  /** Each location's part of this run (from the last-run record); undefined when the run reached none. */
  locations: readonly LocationRecord[] | undefined;
}

type Sample = [labels: Record<string, string>, value: number];

/** The Prometheus text exposition format, as node_exporter's textfile collector reads it. */
export function renderMetrics(snapshot: MetricsSnapshot): string {
  const service = { service: snapshot.service };
  // Per location only for a run that reached its locations: one that failed before has nothing to say of each.
  return `${[...runFamilies(snapshot, service), ...(snapshot.locations ? locationFamilies(snapshot.locations, service) : [])].join('\n')}\n`;
}

/** The whole run's families. */
function runFamilies(snapshot: MetricsSnapshot, service: { service: string }): string[] {
  const { outcome } = snapshot;
  const gauge = (name: string, help: string, value: number) => family(name, 'gauge', help, [[service, value]]);
  return [
    gauge('ghl_auth_check_success', 'Whether the last ghl-auth check was healthy (1) or failed (0).', outcome.healthy ? 1 : 0),
    gauge('ghl_auth_check_exit_code', 'Exit code of the last ghl-auth check (0 healthy, 1 internal error, 2 configuration, 3 re-authorization required, 4 GHL unavailable, 5 locked).', outcome.exitCode),
    gauge('ghl_auth_check_last_run_timestamp_seconds', 'When the last ghl-auth check ended.', seconds(outcome.at)),
    gauge('ghl_auth_check_last_success_timestamp_seconds', 'When the last healthy ghl-auth check ended (0: never).', seconds(snapshot.lastSuccessAt)),
    gauge('ghl_auth_check_duration_seconds', 'How long the last ghl-auth check took.', outcome.durationMs / 1000),
    gauge('ghl_auth_token_expires_timestamp_seconds', 'When the saved GHL access token expires (0: no readable token file).', seconds(snapshot.tokens?.expiresAt)),
    gauge('ghl_auth_refresh_token_obtained_timestamp_seconds', 'When the saved GHL token pair, and so its refresh token, was obtained (0: no readable token file).', seconds(snapshot.tokens?.obtainedAt)),
    gauge('ghl_auth_tag_left_on_contact', 'Whether the last ghl-auth check found the health-check tag still on the contact (1): the GHL workflow did not remove it, check its Tag Added trigger and Remove tag step.', snapshot.tagLeftOn ? 1 : 0),
    family(
      'ghl_auth_api_requests_total',
      'counter',
      'HTTP requests ghl-auth made to GHL, retries included, by outcome.',
      Object.entries(snapshot.apiRequestsTotal)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([outcomeName, count]): Sample => [{ ...service, outcome: outcomeName }, count]),
    ),
  ];
}

/** Labelled by the location's id; its name is in an info family, so renaming a location keeps its series. */
function locationFamilies(locations: readonly LocationRecord[], service: { service: string }): string[] {
  const sorted = [...locations].sort((a, b) => a.locationId.localeCompare(b.locationId));
  const labels = (location: LocationRecord) => ({ ...service, location: location.locationId });
  const gauge = (name: string, help: string, value: (location: LocationRecord) => number) =>
    family(name, 'gauge', help, sorted.map((location): Sample => [labels(location), value(location)]));
  return [
    gauge('ghl_auth_location_check_success', "Whether the location's part of the last ghl-auth check was healthy (1) or failed (0).", (location) => (location.exitCode === 0 ? 1 : 0)),
    gauge('ghl_auth_location_check_exit_code', "Exit code of the location's part of the last ghl-auth check (the codes of ghl_auth_check_exit_code).", (location) => location.exitCode),
    gauge('ghl_auth_location_last_success_timestamp_seconds', 'When a ghl-auth check last found the location healthy (0: never).', (location) => seconds(location.lastSuccessAt ?? undefined)),
    family(
      'ghl_auth_location_info',
      'gauge',
      "The location's name as GHL told it (always 1).",
      sorted.flatMap((location): Sample[] => (location.name === null ? [] : [[{ ...labels(location), name: location.name }, 1]])),
    ),
  ];
}

function family(name: string, type: 'gauge' | 'counter', help: string, samples: Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labelSet(labels)} ${value}`)].join('\n');
}

/** Atomic (temp file and rename), so the collector never reads half a file; world-readable: it holds no secret. */
export async function writeMetrics(path: string, snapshot: MetricsSnapshot): Promise<void> {
  await replaceRegularFile(path, renderMetrics(snapshot), 0o644);
}

function seconds(iso: string | undefined): number {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms / 1000;
}

function labelSet(labels: Record<string, string>): string {
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${escape(value)}"`)
    .join(',')}}`;
}
