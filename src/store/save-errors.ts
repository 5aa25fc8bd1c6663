import { dirname } from 'node:path';
import { GhlAuthError } from '../errors.js';

/** A save that failed; when GHL's pair was already written out, `keptIn` is where it is now. */
export class SaveFailed extends GhlAuthError {
  constructor(
    readonly reason: string,
    readonly keptIn: string | undefined,
    message: string,
    error: unknown,
  ) {
    super('token_file_unwritable', message, { cause: error });
  }
}

/** What an errno from creating, filling or renaming over the token file means, and what to do. */
export function saveFailureCause(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  const dir = dirname(path);
  switch (code) {
    case 'EBUSY':
    case 'EXDEV':
      return `${path} is a mount point of its own (a single-file bind mount such as -v ./ghl_tokens.json:/app/ghl_tokens.json), which cannot be replaced atomically: mount the directory, not the file`;
    case 'EPERM':
      return `${path} cannot be replaced (operation not permitted: an immutable or append-only attribute; see lsattr): remove it with chattr -i (or chattr -a)`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left in ${dir} (${code}): free some space on the filesystem that holds ${dir}`;
    case 'EROFS':
      return `${dir} is on a read-only filesystem: mount it read-write`;
    case 'EACCES':
      return `permission denied in ${dir}: make the directory writable by this user`;
    default:
      return `cannot write in ${dir} (${code})`;
  }
}

/** Refused before anything was sent: the token (or code) is unspent. */
export function cannotSaveBeforeSpending(error: unknown, path: string): SaveFailed {
  const cause = saveFailureCause(error, path);
  return new SaveFailed(cause, undefined, `new tokens could not be saved to ${path}: ${cause}. Nothing was sent to GHL; the saved tokens are unspent and untouched`, error);
}

export function restoreAdvice(keptIn: string): string {
  return `kept in ${keptIn} (0600): once that is fixed, restore it with \`ghl-auth tokens import --force ${keptIn}\``;
}
