import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { currentWriter, isCertainlyGone, parseWriterTag, type Writer, writerTag } from './writer-identity.js';

/** Outcome of a rename that happened; a failed directory fsync is reported, not thrown: the rename stands. */
export interface Replaced {
  dirSyncError?: NodeJS.ErrnoException;
}

/**
 * A temp file beside `target`, named after its writer so a later run can tell whether it is
 * abandoned. Reserved before anything is spent: filled with zeros and fsynced, so its blocks are
 * allocated; the real content later overwrites it from offset 0 and the file is cut to length,
 * which needs no new space.
 */
export class PendingFile {
  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly syncDir: (dir: string) => Promise<void>,
  ) {}

  static async reserve(target: string, writer: Writer, bytes: number, syncDir = syncDirectory): Promise<PendingFile> {
    const tempPath = tempName(target, writer);
    const handle = await open(tempPath, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      const zeros = Buffer.alloc(Math.min(bytes, 64 * 1024));
      for (let at = 0; at < bytes; at += zeros.length) await handle.write(zeros, 0, Math.min(zeros.length, bytes - at), at);
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(tempPath, { force: true });
      throw error;
    }
    return new PendingFile(target, tempPath, handle, syncDir);
  }

  async fill(content: Buffer): Promise<void> {
    await this.handle.write(content, 0, content.length, 0);
    await this.handle.truncate(content.length);
    await this.handle.sync();
  }

  /** Renames the filled temp file over the target, then makes the rename durable. */
  async replaceTarget(): Promise<Replaced> {
    await this.handle.close();
    await rename(this.tempPath, this.target);
    const dirSyncError = await this.syncDir(dirname(this.target)).catch((error: NodeJS.ErrnoException) => error);
    return dirSyncError ? { dirSyncError } : {};
  }

  /** Moves the filled temp file to `path` (a rename needs no space) and keeps it there. */
  async keepAs(path: string): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rename(this.tempPath, path);
    await this.syncDir(dirname(path)).catch(() => undefined);
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

/**
 * `content` as the whole of `path`: 0600, written whole or not at all (temp file, fsync, rename),
 * durable. A failed directory fsync is not reported: the rename stands.
 */
export async function writeWholeFile(path: string, content: Buffer, writer?: Writer, syncDir = syncDirectory): Promise<void> {
  const pending = await PendingFile.reserve(path, writer ?? (await currentWriter()), content.length, syncDir);
  try {
    await pending.fill(content);
    await pending.replaceTarget();
  } catch (error) {
    await pending.discard();
    throw error;
  }
}

/**
 * A hard link to the target fails where a rename over it would (EXDEV: it is a mount point; EPERM:
 * immutable or append-only) without touching its content, so a concurrent save stays safe.
 */
export async function proveReplaceable(target: string, writer: Writer): Promise<void> {
  const probe = tempName(target, writer);
  try {
    await link(target, probe);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    // EPERM is also what a filesystem without hard links says: then only opening for writing can tell.
    const handle = await open(target, constants.O_WRONLY | constants.O_NONBLOCK);
    await handle.close();
  } finally {
    await rm(probe, { force: true });
  }
}

export type Settle = (path: string, writer: { scope: string; pid: number; processStart: string }) => Promise<void>;

export function tempName(target: string, writer: Writer): string {
  return `${target}.tmp-${writerTag(writer)}-${randomBytes(4).toString('hex')}`;
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}

/**
 * Settles temp files beside `target` whose writer is certainly gone: `settle` decides (default:
 * remove). Unnamed ones (`<file>.<digits>`, left by versions that wrote with write-file-atomic) are
 * removed once older than `olderThan`.
 */
export async function sweepTempFiles(target: string, self: Writer, olderThan: number, settle: Settle = (path) => rm(path, { force: true })): Promise<void> {
  const dir = dirname(target);
  const base = basename(target);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (name) => {
      const path = join(dir, name);
      const named = name.startsWith(`${base}.tmp-`) ? parseWriterTag(name.slice(base.length + 5).replace(/-[0-9a-f]{8}$/, '')) : undefined;
      if (named) {
        if (await isCertainlyGone(named, self)) await settle(path, named);
        return;
      }
      if (!/^(refreshing\.)?\d+$/.test(name.slice(base.length + 1)) || !name.startsWith(`${base}.`)) return;
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < olderThan) await rm(path, { force: true });
    }),
  );
}
