import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

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
}

export const lastRunPath = (tokensFile: string) => `${tokensFile}.last-run.json`;

export async function readLastRun(tokensFile: string): Promise<LastRun | undefined> {
  try {
    return JSON.parse(await readFile(lastRunPath(tokensFile), 'utf8')) as LastRun;
  } catch {
    return undefined;
  }
}

export async function writeLastRun(tokensFile: string, record: LastRun): Promise<void> {
  await writeFileAtomic(lastRunPath(tokensFile), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** The record a run leaves: its own outcome, plus what is carried across runs (last success, request totals). */
export function nextLastRun(
  previous: LastRun | undefined,
  run: { at: string; healthy: boolean; exitCode: number; reason: string; message: string },
  apiRequests: Readonly<Record<string, number>>,
): LastRun {
  const totals = { ...previous?.apiRequestsTotal };
  for (const [outcome, count] of Object.entries(apiRequests)) totals[outcome] = (totals[outcome] ?? 0) + count;
  const carried = { lastSuccessAt: run.healthy ? run.at : previous?.lastSuccessAt, apiRequestsTotal: totals };
  if (run.healthy) return { at: run.at, outcome: 'healthy', exitCode: 0, ...carried };
  return { at: run.at, outcome: 'failed', exitCode: run.exitCode, reason: run.reason, message: run.message, ...carried };
}
