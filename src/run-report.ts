import { GhlAuthError, type ErrorCode } from './errors.js';
import { exitCodeOf } from './exit-codes.js';

/** How one location's part of a run ended: what `check --json` prints and monitoring records. */
export interface LocationResult {
  locationId: string;
  /** The location's name when GHL told it (installedLocations or GET /locations), else null. */
  name: string | null;
  exitCode: number;
  /** The error code (errors.ts), `internal_error` for a bug, `healthy` for success. */
  reason: string;
  /** One line: `healthy`, or what went wrong and what to do. Never holds a secret. */
  message: string;
}

/** A whole run: its exit code and reason are the worst location's. */
export interface RunReport {
  exitCode: number;
  reason: string;
  locations: LocationResult[];
}

/**
 * Worst first: a bug (1), then what needs a human to authorize again (3), then settings to fix (2),
 * then what passes by itself (4: GHL unavailable, location inactive), then a busy lock (5), then healthy.
 */
export const EXIT_PRECEDENCE = [1, 3, 2, 4, 5, 0] as const;

const rank = (exitCode: number) => {
  const index = (EXIT_PRECEDENCE as readonly number[]).indexOf(exitCode);
  return index === -1 ? 0 : index;
};

/** The location whose result decides the run's exit code; undefined when there is none. */
export function worstOf(locations: readonly LocationResult[]): LocationResult | undefined {
  return locations.reduce<LocationResult | undefined>((worst, next) => (worst === undefined || rank(next.exitCode) < rank(worst.exitCode) ? next : worst), undefined);
}

export function healthyResult(locationId: string, name: string | null): LocationResult {
  return { locationId, name, exitCode: 0, reason: 'healthy', message: 'healthy' };
}

/** A failure as reports show it; anything but a GhlAuthError is a bug whose message stays in the log. */
export function describeFailure(error: unknown): Pick<LocationResult, 'exitCode' | 'reason' | 'message'> {
  const known = error instanceof GhlAuthError;
  return {
    exitCode: exitCodeOf(error),
    reason: known ? error.code : 'internal_error',
    message: known ? oneLine(error.message) : "internal error in ghl-auth: see the run's log and report it",
  };
}

export function failedResult(locationId: string, name: string | null, error: unknown): LocationResult {
  return { locationId, name, ...describeFailure(error) };
}

export function reportOf(locations: LocationResult[]): RunReport {
  const worst = worstOf(locations);
  return { exitCode: worst?.exitCode ?? 0, reason: worst?.reason ?? 'healthy', locations };
}

/**
 * The error a failed multi-location run throws: the worst location's code, every failure named. Locations
 * that failed alike (the same reason and message, e.g. not started in time) are one line: the first, and how many more.
 */
export function reportError(report: RunReport): GhlAuthError | undefined {
  const failed = report.locations.filter((location) => location.exitCode !== 0);
  if (failed.length === 0 || report.reason === 'internal_error') return undefined;
  const alike = new Map<string, LocationResult[]>();
  for (const location of failed) {
    const key = `${location.reason}\n${location.message}`;
    const group = alike.get(key);
    if (group) group.push(location);
    else alike.set(key, [location]);
  }
  const lines = [...alike.values()].map(([first, ...more]) => {
    const { locationId, name, reason, message } = first as LocationResult;
    return `${locationId} (${name ? `${name}, ` : ''}${reason})${more.length > 0 ? ` and ${more.length} more` : ''}: ${message}`;
  });
  const summary = report.locations.length === 1 ? lines[0] : `${failed.length} of ${report.locations.length} locations failed: ${lines.join('; ')}`;
  return new GhlAuthError(report.reason as ErrorCode, summary ?? '');
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
