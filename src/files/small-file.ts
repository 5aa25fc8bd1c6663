import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

export const ONE_MIB = 1024 * 1024;

/**
 * A file the CLI would not read or write, and why (`why` follows the path: "is a FIFO ..."). `code`:
 * the system's error code when the system refused, EISDIR, EFBIG (over the cap); none for a file that
 * is not regular (FIFO, device, socket, a symlink not followed).
 */
export class FileRefused extends Error {
  override readonly name = 'FileRefused';
  constructor(
    readonly path: string,
    readonly why: string,
    readonly code?: string,
  ) {
    super(`${path} ${why}`);
  }
}

export interface SmallFileLimits {
  maxBytes: number;
  /** false for files the CLI keeps itself: a symlink there is refused, never followed. */
  followSymlinks: boolean;
}

/**
 * A small regular file's bytes, or null when it does not exist. Opened non-blocking and checked
 * before reading: a FIFO or a device would hang the run past its deadline, a huge file eat its memory.
 */
export async function readSmallFile(path: string, limits: SmallFileLimits): Promise<Buffer | null> {
  const handle = await open(path, flagsFor(limits)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(refusal(path, error, limits))));
  if (!handle) return null;
  try {
    assertSmallRegular(path, await handle.stat(), limits.maxBytes);
    return await handle.readFile();
  } catch (error) {
    throw error instanceof FileRefused ? error : refusal(path, error as NodeJS.ErrnoException, limits);
  } finally {
    await handle.close();
  }
}

/** readSmallFile for the settings, which are read before anything asynchronous starts. */
export function readSmallFileSync(path: string, limits: SmallFileLimits): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, flagsFor(limits));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw refusal(path, error as NodeJS.ErrnoException, limits);
  }
  try {
    assertSmallRegular(path, fstatSync(fd), limits.maxBytes);
    return readFileSync(fd);
  } catch (error) {
    throw error instanceof FileRefused ? error : refusal(path, error as NodeJS.ErrnoException, limits);
  } finally {
    closeSync(fd);
  }
}

export function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFile()) return 'a plain file';
  return 'not a regular file';
}

/** O_NONBLOCK: opening a FIFO with no writer would wait forever; reading a regular file ignores it. */
const flagsFor = (limits: SmallFileLimits) => constants.O_RDONLY | constants.O_NONBLOCK | (limits.followSymlinks ? 0 : constants.O_NOFOLLOW);

function assertSmallRegular(path: string, info: Stats, maxBytes: number): void {
  if (info.isDirectory()) throw new FileRefused(path, 'is a directory', 'EISDIR');
  if (!info.isFile()) throw new FileRefused(path, `is ${kindOf(info)}, not a regular file (reading it could block forever)`);
  if (info.size > maxBytes) throw new FileRefused(path, `is larger than ${sizeOf(maxBytes)} (${info.size} bytes), far more than ghl-auth writes there`, 'EFBIG');
}

function refusal(path: string, error: NodeJS.ErrnoException, limits: SmallFileLimits): FileRefused {
  const { code } = error;
  // O_NOFOLLOW answers ELOOP for a symlink; a socket cannot be opened at all (ENXIO).
  if (code === 'ELOOP' && !limits.followSymlinks) return new FileRefused(path, 'is a symbolic link, not a regular file (not followed)');
  if (code === 'ENXIO') return new FileRefused(path, 'is a socket, not a regular file');
  return new FileRefused(path, `cannot be read (${READ_ERRORS[code ?? ''] ?? code ?? error.message})`, code);
}

const READ_ERRORS: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted' };

/**
 * What to say of a file the CLI keeps itself (beside the token file, the metrics file) and refused: one
 * that is not regular is in the way until removed, as the CLI never removes what it did not write.
 */
export const refusedOwnFile = (refused: FileRefused) => (refused.code === undefined ? `${refused.message}: remove it (rm ${shellWord(refused.path)})` : refused.message);

/** A path as a shell takes it: as is when it is plain, else single-quoted. */
export const shellWord = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`);

const sizeOf = (bytes: number) => (bytes % ONE_MIB === 0 ? `${bytes / ONE_MIB} MiB` : `${bytes} bytes`);
