import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { FileRefused, kindOf } from './small-file.js';

/**
 * Replaces the file at `path` whole (a temp file beside it, then a rename), with `mode` whatever the
 * umask. Only a regular file or nothing may stand there: a symlink is refused, not followed (writing
 * through it would overwrite, and chmod, whatever it points at), and so is a FIFO or a directory.
 */
export async function replaceRegularFile(path: string, content: string, mode: number): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (info && !info.isFile()) {
    throw new FileRefused(path, `is ${kindOf(info)}, not a regular file, so nothing was written to it`, info.isDirectory() ? 'EISDIR' : undefined);
  }
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // the umask narrowed what open gave it
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // A rename replaces the directory entry itself: a symlink put there since the check is replaced, not followed.
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
