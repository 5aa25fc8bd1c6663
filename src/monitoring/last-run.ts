import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { replaceRegularFile } from '../files/replace-file.js';
import { ONE_MIB, readSmallFile, refusedOwnFile, type FileRefused } from '../files/small-file.js';
import type { LocationResult } from '../run-report.js';

/** One location's part of the latest run, with when it was last healthy (null: never seen healthy). */
export interface LocationRecord extends LocationResult {
  lastSuccessAt: string | null;
}

/** What the previous run of `check` ended with, kept beside the token file (outside its lock). */
export interface LastRun {
  at: string;
  outcome: 'healthy' | 'failed';
  exitCode: number;
  /** The error code of a failed run (see errors.ts); absent when healthy. */
  reason?: string;
  /** The one-line message of a failed run. Never holds a secret. */
  message?: string;
  /** When the last healthy run ended, carried across failed runs. */
  lastSuccessAt?: string;
  /** HTTP requests to GHL by outcome, summed over every run: the metrics file's counter. */
  apiRequestsTotal?: Record<string, number>;
  /** The health-check tag this (healthy) run found still on the contact: the GHL workflow did not remove it. */
  tagLeftOn?: string;
  /**
   * Each location's outcome in this run; absent when the run reached no location (it failed before, or
   * its caller reports none). Only the latest run: a location it did not check is dropped, no history kept.
   */
  locations?: LocationRecord[];
}

export const lastRunPath = (tokensFile: string) => `${tokensFile}.last-run.json`;

/** What a record must hold to be used: a hand-edited or damaged one would crash the alerts and counters. */
const lastRunSchema = z.object({
  at: z.iso.datetime(),
  outcome: z.enum(['healthy', 'failed']),
  exitCode: z.number().int(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastSuccessAt: z.iso.datetime().optional(),
  apiRequestsTotal: z.record(z.string(), z.number().int().nonnegative()).optional(),
  tagLeftOn: z.string().optional(),
  locations: z
    .array(z.object({ locationId: z.string(), name: z.string().nullable(), exitCode: z.number().int(), reason: z.string(), message: z.string(), lastSuccessAt: z.iso.datetime().nullable() }))
    .optional(),
}) satisfies z.ZodType<LastRun>;

/** A line of ~200 bytes per location: room for tens of thousands, not for a runaway file. */
const MAX_LAST_RUN_BYTES = 16 * ONE_MIB;

/** The previous record, if any; `problem` says (naming the file) why one that is there is not used. */
export async function readLastRun(tokensFile: string): Promise<{ record: LastRun | undefined; problem?: string }> {
  let bytes: Buffer | null;
  try {
    bytes = await readSmallFile(lastRunPath(tokensFile), { maxBytes: MAX_LAST_RUN_BYTES, followSymlinks: false });
  } catch (error) {
    return { record: undefined, problem: refusedOwnFile(error as FileRefused) };
  }
  if (bytes === null) return { record: undefined };
  const path = lastRunPath(tokensFile);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { record: undefined, problem: `${path} is not valid JSON` };
  }
  const parsed = lastRunSchema.safeParse(json);
  if (parsed.success) return { record: parsed.data };
  const bad = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(top level)'))].join(', ');
  return { record: undefined, problem: `${path} is not a record ghl-auth wrote (bad: ${bad})` };
}

/** How long a run waits for another run's update of the record (a few ms each) before it skips its own. */
export const LAST_RUN_LOCK_WAIT_MS = 2_000;
/** An update takes milliseconds: a lock older than this was left by a killed run. */
const LAST_RUN_LOCK_STALE_MS = 5_000;

/**
 * Read-modify-write of the record under its own short lock (`<record>.lock`), so concurrent runs each
 * add their requests to the totals: the counter stays exact and never goes backwards. `alongside`
 * runs under the same lock (the metrics file, so it is written in the order of the totals).
 * Throws when the lock is not had within LAST_RUN_LOCK_WAIT_MS: the caller skips the update.
 */
export async function updateLastRun(
  tokensFile: string,
  next: (previous: LastRun | undefined) => LastRun,
  alongside: (record: LastRun) => Promise<void>,
): Promise<{ previous: LastRun | undefined; problem?: string; record: LastRun }> {
  const release = await lockfile.lock(lastRunPath(tokensFile), {
    realpath: false,
    stale: LAST_RUN_LOCK_STALE_MS,
    retries: { retries: 1_000, minTimeout: 5, maxTimeout: 50, randomize: true, maxRetryTime: LAST_RUN_LOCK_WAIT_MS },
  });
  try {
    const { record: previous, problem } = await readLastRun(tokensFile);
    const record = next(previous);
    await writeLastRun(tokensFile, record);
    await alongside(record);
    return { previous, problem, record };
  } finally {
    await release().catch(() => undefined); // a lock taken over as stale is released already
  }
}

export async function writeLastRun(tokensFile: string, record: LastRun): Promise<void> {
  await replaceRegularFile(lastRunPath(tokensFile), renderLastRun(record), 0o600);
}

/** Indented JSON with one line per location: a thousand locations stay a thousand lines, each found by grep. */
function renderLastRun({ locations, ...run }: LastRun): string {
  const head = JSON.stringify(run, null, 2);
  if (!locations) return `${head}\n`;
  const rows = locations.map((location) => `    ${JSON.stringify(location)}`).join(',\n');
  // `head` ends with "\n}": the locations go in before that brace.
  return `${head.slice(0, -2)},\n  "locations": [${rows && `\n${rows}\n  `}]\n}\n`;
}

/**
 * The record a run leaves: its own outcome and its locations', plus what is carried across runs (last
 * success, the whole run's and each location's, and the request totals).
 */
export function nextLastRun(
  previous: LastRun | undefined,
  run: { at: string; healthy: boolean; exitCode: number; reason: string; message: string },
  apiRequests: Readonly<Record<string, number>>,
  locations?: readonly LocationResult[],
): LastRun {
  const totals = { ...previous?.apiRequestsTotal };
  for (const [outcome, count] of Object.entries(apiRequests)) totals[outcome] = (totals[outcome] ?? 0) + count;
  const carried = {
    lastSuccessAt: run.healthy ? run.at : previous?.lastSuccessAt,
    apiRequestsTotal: totals,
    ...(locations && { locations: locationRecords(locationsOf(previous), locations, run.at) }),
  };
  if (run.healthy) return { at: run.at, outcome: 'healthy', exitCode: 0, ...carried };
  return { at: run.at, outcome: 'failed', exitCode: run.exitCode, reason: run.reason, message: run.message, ...carried };
}

function locationRecords(previous: readonly LocationRecord[], locations: readonly LocationResult[], at: string): LocationRecord[] {
  const lastSuccess = new Map(previous.map((record) => [record.locationId, record.lastSuccessAt]));
  return locations.map(({ locationId, name, exitCode, reason, message }) => ({
    locationId,
    name,
    exitCode,
    reason,
    message,
    lastSuccessAt: exitCode === 0 ? at : (lastSuccess.get(locationId) ?? null),
  }));
}

/** The locations that failed in `previous` and are healthy in `current`. */
export function recoveredLocations(previous: LastRun | undefined, current: readonly LocationResult[]): LocationResult[] {
  const failedBefore = new Set(locationsOf(previous).filter((record) => record.exitCode !== 0).map((record) => record.locationId));
  return current.filter((location) => location.exitCode === 0 && failedBefore.has(location.locationId));
}

/** A record's locations; none when it has none (readLastRun has checked what a record holds). */
export const locationsOf = (record: LastRun | undefined): LocationRecord[] => record?.locations ?? [];
