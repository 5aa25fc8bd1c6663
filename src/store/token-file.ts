import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { GhlAuthError } from '../errors.js';
import { fingerprint, storedTokensSchema, type StoredTokens } from '../tokens/stored-tokens.js';

/**
 * The token file's bytes, or null when absent. Opened non-blocking and checked before reading: a
 * FIFO or a device would hang the run. Errors name `shown`, the path the user configured.
 */
export async function readTokenBytes(path: string, shown: string): Promise<Buffer | null> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? null : Promise.reject(readFailed(shown, error)),
  );
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw readFailed(shown, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (!info.isFile()) throw unreadable(shown, `is ${kindOf(info)}, not a regular file (reading it could block forever): remove it (rm ${shown}) and put the token file there`);
    return await handle.readFile();
  } catch (error) {
    throw error instanceof GhlAuthError ? error : readFailed(shown, error);
  } finally {
    await handle.close();
  }
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

export function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFile()) return 'a plain file';
  return 'not a regular file';
}

const READ_ERRORS: Record<string, string> = {
  EISDIR: 'is a directory (Docker creates one when a missing file is bind-mounted): remove it with rmdir and mount the directory instead',
  EACCES: 'cannot be read (permission denied): run as its owner or fix its mode (chmod 600)',
  EPERM: 'cannot be read (operation not permitted): run as its owner or fix its mode (chmod 600)',
};
