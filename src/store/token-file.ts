import { GhlAuthError } from '../errors.js';
import { FileRefused, ONE_MIB, readSmallFile } from '../files/small-file.js';
import { fingerprint, storedTokensSchema, type StoredTokens } from '../tokens/stored-tokens.js';

/**
 * A token pair is a few KB, but a Company token lists its approved locations (~25 bytes each): an
 * agency of 100,000 locations is 2.5 MB. Far above that, as the companion files' cap.
 */
export const MAX_TOKEN_FILE_BYTES = 16 * ONE_MIB;

/**
 * The token file's bytes, or null when absent; never blocks on a FIFO or a device (see readSmallFile).
 * Errors name `shown`, the path the user configured.
 */
export async function readTokenBytes(path: string, shown: string): Promise<Buffer | null> {
  try {
    return await readSmallFile(path, { maxBytes: MAX_TOKEN_FILE_BYTES, followSymlinks: true });
  } catch (error) {
    // A system error gets the advice for its code; a FIFO, a device or a file far too large is said as it is.
    if (!(error instanceof FileRefused) || (error.code !== undefined && error.code !== 'EFBIG')) throw readFailed(shown, error);
    throw unreadable(shown, error.code === 'EFBIG' ? error.why : `${error.why}: remove it (rm ${shown}) and put the token file there`);
  }
}

/**
 * The bytes of a token file, and of the JSON files kept beside one (a pair that could not be saved,
 * GHL's odd answer): written the same everywhere, so a kept pair is byte for byte a token file.
 */
export function tokenFileBytes(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

export function parseTokenBytes(bytes: Buffer, shown: string): StoredTokens {
  const content = bytes.toString('utf8').replace(/^\uFEFF/, ''); // editors on Windows add a byte-order mark
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw unreadable(shown, content.trim() === '' ? 'is empty' : 'is not valid JSON (truncated or edited by hand?)');
  }
  const parsed = storedTokensSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(top level)'))].join(', ');
    throw unreadable(shown, `is not a ghl-auth token file (bad or missing: ${fields})`);
  }
  return parsed.data;
}

/** The fingerprint of the refresh token in these bytes, if they are a token file. */
export function refreshPrintOf(bytes: Buffer): string | undefined {
  try {
    return fingerprint(parseTokenBytes(bytes, '').token.refresh_token);
  } catch {
    return undefined;
  }
}

export function readFailed(shown: string, error: unknown): GhlAuthError {
  const code = (error as NodeJS.ErrnoException).code;
  return unreadable(shown, READ_ERRORS[code ?? ''] ?? `cannot be read (${code})`);
}

export function unreadable(shown: string, why: string): GhlAuthError {
  return new GhlAuthError(
    'token_file_unreadable',
    `token file ${shown} ${why}. It was left untouched: restore it from a backup, or move it away and authorize again (ghl-auth login, or GHL_AUTHORIZATION_CODE)`,
  );
}

const READ_ERRORS: Record<string, string> = {
  EISDIR: 'is a directory (Docker creates one when a missing file is bind-mounted): remove it with rmdir and mount the directory instead',
  EACCES: 'cannot be read (permission denied): run as its owner or fix its mode (chmod 600)',
  EPERM: 'cannot be read (operation not permitted): run as its owner or fix its mode (chmod 600)',
};
