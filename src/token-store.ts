import { constants } from 'node:fs';
import { access, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { GhlAuthError } from './errors.js';
import type { Logger } from './logger.js';
import { storedTokensSchema, type StoredTokens } from './tokens.js';

/** A lock whose holder stopped touching it for this long was left by a killed run and is taken over. */
export const LOCK_STALE_MS = 5_000;
/** How long a run waits for another run's lock before giving up (longer than LOCK_STALE_MS). */
export const LOCK_WAIT_MS = 20_000;

/** Written just before a refresh token is sent to GHL, removed once the answer is saved. */
export interface RefreshMarker {
  startedAt: string;
  pid: number;
  refreshToken: string; // a fingerprint, never the token
}

/**
 * The token file and its companions: the lock directory, the refresh marker. It reads, writes and
 * locks; it never decides when to refresh or what a failure means.
 */
export class TokenStore {
  readonly lockPath: string;
  readonly markerPath: string;
  readonly backupPath: string;

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {
    this.lockPath = `${path}.lock`;
    this.markerPath = `${path}.refreshing`;
    this.backupPath = `${path}.bak`;
  }

  /** Runs `fn` holding the cross-process lock, so read-refresh-write is one step for every run. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      await this.removeStaleTempFiles();
      return await fn();
    } finally {
      await release().catch((error: unknown) => this.log.warn({ err: error }, 'could not release the token file lock'));
    }
  }

  /** The stored tokens, or undefined when there is no file yet. A bad file is never guessed at. */
  async read(): Promise<StoredTokens | undefined> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw this.readFailed(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      throw this.unreadable(content.trim() === '' ? 'is empty' : 'is not valid JSON (truncated or edited by hand?)');
    }
    const parsed = storedTokensSchema.safeParse(json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(top level)'))].join(', ');
      throw this.unreadable(`is not a ghl-auth token file (bad or missing: ${fields})`);
    }
    return parsed.data;
  }

  /** Atomic and durable: temp file in the same directory, fsync, rename, fsync of the directory; 0600. */
  async write(tokens: StoredTokens): Promise<void> {
    await this.writePrivate(this.path, toJson(tokens));
  }

  /** Whether anything (even a corrupt file or a directory) is at the token file's path. */
  async exists(): Promise<boolean> {
    return stat(this.path).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(this.readFailed(error))),
    );
  }

  /** Copies the token file byte for byte to `<file>.bak` (0600, atomic), whatever its content. */
  async backup(): Promise<string> {
    const content = await readFile(this.path).catch((error: unknown) => Promise.reject(this.readFailed(error)));
    await this.writePrivate(this.backupPath, content);
    return this.backupPath;
  }

  async readRefreshMarker(): Promise<RefreshMarker | undefined> {
    try {
      return JSON.parse(await readFile(this.markerPath, 'utf8')) as RefreshMarker;
    } catch {
      return undefined;
    }
  }

  async writeRefreshMarker(marker: RefreshMarker): Promise<void> {
    await this.writePrivate(this.markerPath, toJson(marker));
  }

  async clearRefreshMarker(): Promise<void> {
    await rm(this.markerPath, { force: true });
  }

  private async writePrivate(path: string, content: string | Buffer): Promise<void> {
    try {
      await writeFileAtomic(path, content, { mode: 0o600, fsync: true });
      const dir = await open(dirname(path), 'r');
      await dir.sync().finally(() => dir.close());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new GhlAuthError('token_file_unreadable', `cannot write ${path} (${code}): make its directory writable by this user`, { cause: error });
    }
  }

  private async acquire(): Promise<() => Promise<void>> {
    // proper-lockfile retries every error, not only a busy lock: a directory that cannot take the
    // lock would hold the run for the whole LOCK_WAIT_MS before the same answer. Ask once, up front.
    await access(dirname(this.path), constants.W_OK | constants.X_OK).catch((error: unknown) => {
      throw this.lockDirProblem(error);
    });
    try {
      return await lockfile.lock(this.path, {
        realpath: false,
        stale: LOCK_STALE_MS,
        retries: { retries: 1_000, minTimeout: 25, maxTimeout: 250, randomize: true, maxRetryTime: LOCK_WAIT_MS },
        // The lock outlived its mtime updates (a stalled machine). Saving a rotated token still beats losing it.
        onCompromised: (error) => this.log.warn({ err: error }, 'token file lock was taken over while held'),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOCKED') {
        throw new GhlAuthError(
          'token_file_locked',
          `${this.path} is locked by another ghl-auth run (waited ${LOCK_WAIT_MS / 1000} s); try again later. A lock left by a killed run (${this.lockPath}) clears itself after ${LOCK_STALE_MS / 1000} s`,
        );
      }
      throw this.lockDirProblem(error);
    }
  }

  private lockDirProblem(error: unknown): GhlAuthError {
    const code = (error as NodeJS.ErrnoException).code;
    const dir = dirname(this.path);
    const why = code === 'ENOENT' ? `its directory ${dir} does not exist: create it or fix GHL_TOKENS_FILE` : `cannot create the lock in ${dir} (${code}): make the directory writable by this user`;
    return new GhlAuthError('token_file_unreadable', `token file ${this.path}: ${why}`, { cause: error });
  }

  /**
   * write-file-atomic names its temp files `<file>.<digits>`; a run killed mid-write leaves one
   * behind, of the token file or of the marker (both are written only under the lock).
   */
  private async removeStaleTempFiles(): Promise<void> {
    const prefixes = [this.path, this.markerPath].map((path) => `${basename(path)}.`);
    const isTemp = (name: string) => prefixes.some((prefix) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)));
    const entries = await readdir(dirname(this.path)).catch(() => []);
    await Promise.all(entries.filter(isTemp).map((name) => rm(join(dirname(this.path), name), { force: true })));
  }

  private readFailed(error: unknown): GhlAuthError {
    const code = (error as NodeJS.ErrnoException).code;
    return this.unreadable(READ_ERRORS[code ?? ''] ?? `cannot be read (${code})`);
  }

  private unreadable(why: string): GhlAuthError {
    return new GhlAuthError(
      'token_file_unreadable',
      `token file ${this.path} ${why}. It was left untouched: restore it from a backup, or move it away and authorize again (ghl-auth login, or GHL_AUTHORIZATION_CODE)`,
    );
  }
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const READ_ERRORS: Record<string, string> = {
  EISDIR: 'is a directory (Docker creates one when a missing file is bind-mounted): remove it with rmdir and mount the directory instead',
  EACCES: 'cannot be read (permission denied): run as its owner or fix its mode (chmod 600)',
  EPERM: 'cannot be read (operation not permitted): run as its owner or fix its mode (chmod 600)',
};
