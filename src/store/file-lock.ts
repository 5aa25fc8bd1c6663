import { constants } from 'node:fs';
import { access, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { GhlAuthError } from '../errors.js';
import type { Logger } from '../logger.js';
import { kindOf } from '../files/small-file.js';
import type { StoreTimings } from './timings.js';

export interface LockTarget {
  /** The token file's real path: the lock is `<real>.lock`. */
  real: string;
  /** The path the user configured, for messages. */
  shown: string;
  timings: Pick<StoreTimings, 'staleMs' | 'waitMs'>;
  log: Logger;
}

/** Takes the cross-process lock of the token file; answers its release. */
export async function acquireLock({ real, shown, timings, log }: LockTarget): Promise<() => Promise<void>> {
  const lockPath = `${real}.lock`;
  // proper-lockfile retries every error, not only a busy lock: a directory that cannot take the
  // lock would hold the run for the whole wait before the same answer. Ask once, up front.
  await access(dirname(real), constants.W_OK | constants.X_OK).catch((error: unknown) => {
    throw lockDirProblem(shown, error);
  });
  const info = await lstat(lockPath).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new GhlAuthError('token_file_unwritable', `${lockPath} is ${kindOf(info)}, not the lock directory ghl-auth makes: remove it (rm ${lockPath}) and run again`);
  }
  const { staleMs, waitMs } = timings;
  try {
    return await lockfile.lock(real, {
      realpath: false,
      stale: staleMs,
      retries: { retries: 1_000, minTimeout: 25, maxTimeout: 250, randomize: true, maxRetryTime: waitMs },
      // A stalled run's lock is taken over; refresh claims and the compare before each rename keep that safe.
      onCompromised: (error) => log.warn({ err: error }, 'token file lock was taken over while held'),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new GhlAuthError(
        'token_file_locked',
        `${shown} is locked by another ghl-auth run (waited ${waitMs / 1000} s); try again later. A lock left by a killed run (${lockPath}) clears itself after ${staleMs / 1000} s`,
      );
    }
    throw lockDirProblem(shown, error);
  }
}

function lockDirProblem(shown: string, error: unknown): GhlAuthError {
  const code = (error as NodeJS.ErrnoException).code;
  const dir = dirname(shown);
  const why = code === 'ENOENT' ? `its directory ${dir} does not exist: create it or fix GHL_TOKENS_FILE` : `cannot create the lock in ${dir} (${code}): make the directory writable by this user`;
  return new GhlAuthError('token_file_unreadable', `token file ${shown}: ${why}`, { cause: error });
}
