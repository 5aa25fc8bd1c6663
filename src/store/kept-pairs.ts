import { lstat, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileRefused, kindOf, readSmallFile } from '../files/small-file.js';
import { MAX_TOKEN_FILE_BYTES, parseTokenBytes } from './token-file.js';

/** A file beside the token file named like a kept pair; it never carries the pair itself. */
export interface KeptFile {
  path: string;
  /** When the pair in it was issued (its `obtainedAt`), when it reads as a token file. */
  obtainedAt?: number;
  /** Its last change: the only time an unreadable one has. */
  mtimeMs: number;
  /** A regular file: the only kind ghl-auth writes there. */
  regular: boolean;
  /** Why it was not read, or did not read as a token pair. */
  problem?: string;
}

/** Where a pair that cannot become the token file is kept: `<file>.issued-<ISO time, - for : and .>.json`. */
export function keptPathOf(target: string, nowMs: number): string {
  return `${target}.issued-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.json`;
}

/**
 * The kept pairs beside `real` (the token file's real path), oldest name first. A symlink or anything
 * but a regular file is named, never followed or opened; a regular one is read as the token file is.
 */
export async function listKeptFiles(real: string): Promise<KeptFile[]> {
  const dir = dirname(real);
  const prefix = `${basename(real)}.issued-`;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(prefix) && name.endsWith('.json')).sort();
  const files = await Promise.all(names.map((name) => readKept(join(dir, name))));
  return files.filter((file): file is KeptFile => file !== undefined);
}

/** Removes one kept file (a symlink itself, never its target); one already gone is no error. */
export async function removeKeptFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
}

async function readKept(path: string): Promise<KeptFile | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  const base = { path, mtimeMs: info.mtimeMs, regular: info.isFile() };
  // Only a regular file is opened: a symlink is not followed, a FIFO or a device not touched.
  if (!info.isFile()) return { ...base, problem: `is ${kindOf(info)}, not a regular file: not followed or read` };
  try {
    // The token file's guards (non-blocking, regular, its cap), and never through a symlink swapped in since the lstat.
    const bytes = await readSmallFile(path, { maxBytes: MAX_TOKEN_FILE_BYTES, followSymlinks: false });
    if (bytes === null) return undefined;
    return { ...base, obtainedAt: Date.parse(parseTokenBytes(bytes, path).obtainedAt) };
  } catch (error) {
    return { ...base, problem: error instanceof FileRefused ? error.why : 'is not a ghl-auth token pair (truncated, or edited?)' };
  }
}
