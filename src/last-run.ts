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
