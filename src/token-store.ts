import { constants, type Stats } from 'node:fs';
import { access, link, lstat, open, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { GhlAuthError } from './errors.js';
import type { Logger } from './logger.js';
import { PendingFile, sweepTempFiles, syncDirectory, tempName } from './store/atomic-file.js';
import { RefreshClaims, type RefreshClaim } from './store/refresh-claims.js';
import { cannotSaveBeforeSpending, restoreAdvice, SaveFailed, saveFailureCause } from './store/save-errors.js';
import { storeTimings, type StoreTimings } from './store/timings.js';
import { claimRefresh, type ClaimOutcome } from './store/claim-refresh.js';
import { currentWriter, type Writer } from './store/writer-identity.js';
import { fingerprint, storedTokensSchema, type StoredTokens } from './tokens.js';

export type { RefreshClaim } from './store/refresh-claims.js';
export type { ClaimOutcome } from './store/claim-refresh.js';

/** A save that lost to another writer: the pair is kept beside the token file, nothing replaced. */
export type SaveOutcome = { saved: true } | { saved: false; keptIn: string; message: string };

export interface StoreOptions {
  /** Derived from the run's deadline (`storeTimings`); tests shrink them. */
  timings?: Partial<StoreTimings>;
  now?: () => number;
  /** fsync of a directory; injectable because no test can make the real one fail on demand. */
  syncDirectory?: (dir: string) => Promise<void>;
}

/**
 * The token file and its companions: the lock directory, refresh claims, temp files, kept pairs.
 * It reads, writes and locks; it never decides when to refresh or what a failure means.
 */
export class TokenStore {
  readonly backupPath: string;
  readonly timings: StoreTimings;
  private readonly now: () => number;
  private readonly syncDirectory: (dir: string) => Promise<void>;
  private real: string | undefined;
  private self: Writer | undefined;
  /** The bytes this run last saw in the token file (null: no file); a write replaces only those. */
  private seen: Buffer | null | undefined;
  private pending: PendingFile | undefined;
  private claimPath: string | undefined;

  constructor(
    readonly path: string,
    private readonly log: Logger,
    options: StoreOptions = {},
  ) {
    this.backupPath = `${path}.bak`;
    this.now = options.now ?? Date.now;
    this.syncDirectory = options.syncDirectory ?? syncDirectory;
    this.timings = { ...storeTimings(60, this.now()), ...options.timings };
  }

  /** The lock of the real file: a symlink and its target share one lock. */
  get lockPath(): string {
    return `${this.real ?? this.path}.lock`;
  }

  /** Runs `fn` holding the cross-process lock, so read-refresh-write is one step for every run. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const real = await this.resolve();
    const release = await this.acquire(real);
    try {
      await sweepTempFiles(real, await this.writer(), this.now() - 2 * this.timings.graceMs);
      return await fn();
    } finally {
      await this.pending?.discard();
      this.pending = undefined;
      await release().catch((error: unknown) => this.log.warn({ err: error }, 'could not release the token file lock'));
    }
  }

  /** The stored tokens, or undefined when there is no file yet. A bad file is never guessed at. */
  async read(): Promise<StoredTokens | undefined> {
    const bytes = await this.readBytes(this.path);
    this.seen = bytes;
    return bytes === null ? undefined : this.parse(bytes);
  }

  /**
   * Before anything is spent: proves the token file can be replaced and reserves the space the new
   * pair needs, so a save that would fail fails now, with the token or code unspent.
   */
  async reserveSave(): Promise<void> {
    const real = await this.resolve();
    const current = await this.readBytes(real);
    if (this.seen === undefined) this.seen = current;
    await this.pending?.discard();
    this.pending = undefined;
    try {
      if (current !== null) await this.proveReplaceable(real);
      this.pending = await PendingFile.reserve(real, await this.writer(), Math.max(64 * 1024, 8 * (current?.length ?? 0)), this.syncDirectory);
    } catch (error) {
      throw cannotSaveBeforeSpending(error, real);
    }
  }

  /**
   * Atomic and durable (temp file, fsync, rename, fsync of the directory; 0600), and never over a
   * pair another writer saved after this run read the file: that pair stays, this one is kept beside.
   */
  async write(tokens: StoredTokens): Promise<SaveOutcome> {
    const real = await this.resolve();
    const content = Buffer.from(toJson(tokens));
    let pending = this.pending;
    this.pending = undefined;
    let filled = false;
    try {
      pending ??= await PendingFile.reserve(real, await this.writer(), content.length, this.syncDirectory);
      await pending.fill(content);
      filled = true;
      const onDisk = await this.readBytes(real);
      if (this.seen !== undefined && !sameBytes(onDisk, this.seen)) return await this.keepLostRace(pending, onDisk);
      const { dirSyncError } = await pending.replaceTarget();
      if (dirSyncError) this.log.warn(`the new tokens are in ${real}, but its directory could not be synced (${dirSyncError.code}): a power cut now could still undo the save`);
    } catch (error) {
      if (error instanceof GhlAuthError && !(error instanceof SaveFailed)) throw error;
      const keptIn = filled && pending ? await this.keep(pending) : (await pending?.discard(), undefined);
      const cause = saveFailureCause(error, real);
      throw new SaveFailed(cause, keptIn, `cannot save tokens to ${real}: ${cause}${keptIn ? `; the new pair is ${restoreAdvice(keptIn)}` : ''}`, error);
    }
    this.seen = content;
    await this.claims().then((claims) => claims.removeAllBut(fingerprint(tokens.token.refresh_token)));
    this.claimPath = undefined;
    return { saved: true };
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
    const content = await this.readBytes(this.path);
    if (content === null) throw this.unreadable('does not exist');
    const pending = await PendingFile.reserve(this.backupPath, await this.writer(), content.length, this.syncDirectory);
    try {
      await pending.fill(content);
      await pending.replaceTarget();
    } catch (error) {
      await pending.discard();
      throw new GhlAuthError('token_file_unwritable', `cannot write ${this.backupPath}: ${saveFailureCause(error, this.backupPath)}`, { cause: error });
    }
    return this.backupPath;
  }

  /**
   * Claims the right to send `current`'s refresh token: waits (bounded) while another run that may
   * be alive holds a claim for it, and answers `superseded` when the file changed meanwhile.
   */
  async claimRefresh(current: StoredTokens): Promise<ClaimOutcome> {
    const outcome = await claimRefresh({
      claims: await this.claims(),
      print: fingerprint(current.token.refresh_token),
      changed: async () => {
        const bytes = await this.readBytes(this.path);
        return sameBytes(bytes, this.seen ?? null) ? undefined : bytes;
      },
      parse: (bytes) => this.parse(bytes),
      waitMs: this.timings.waitMs,
      now: this.now,
      path: this.path,
    });
    if ('claimPath' in outcome) this.claimPath = outcome.claimPath;
    return outcome;
  }

  /** Nothing was sent on this claim after all (GHL refused it outright, or the save could not be reserved). */
  async releaseClaim(): Promise<void> {
    if (this.claimPath) await rm(this.claimPath, { force: true });
    this.claimPath = undefined;
  }

  /** For `status`, without the lock: the newest claim for the saved refresh token. */
  async refreshInFlight(stored: StoredTokens): Promise<RefreshClaim | undefined> {
    return (await this.claims()).newest(fingerprint(stored.token.refresh_token));
  }

  private async keepLostRace(pending: PendingFile, onDisk: Buffer | null): Promise<SaveOutcome> {
    const keptIn = await this.keep(pending);
    const print = onDisk ? fingerprintOf(onDisk) : undefined;
    if (print) await (await this.claims()).removeAllBut(print);
    return { saved: false, keptIn, message: `${this.path} was changed by another writer while this run waited for GHL, so it was left as that writer saved it; the pair GHL issued to this run is ${restoreAdvice(keptIn)} if it is the one to use` };
  }

  /** Moves a filled temp file to a stable name beside the token file; the claim records where. */
  private async keep(pending: PendingFile): Promise<string> {
    const keptIn = `${pending.target}.issued-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}.json`;
    await pending.keepAs(keptIn);
    if (this.claimPath) await (await this.claims()).markKept(this.claimPath, keptIn);
    return keptIn;
  }

  /**
   * A hard link to the token file fails where a rename over it would (EXDEV: it is a mount point;
   * EPERM: immutable or append-only) without touching its content, so a concurrent save is safe.
   */
  private async proveReplaceable(real: string): Promise<void> {
    const probe = tempName(real, await this.writer());
    try {
      await link(real, probe);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
      // EPERM is also what a filesystem without hard links says: then only opening for writing can tell.
      const handle = await open(real, constants.O_WRONLY | constants.O_NONBLOCK);
      await handle.close();
    } finally {
      await rm(probe, { force: true });
    }
  }

  private async resolve(): Promise<string> {
    this.real ??= await realpath(this.path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') return this.path;
      return realpath(dirname(this.path)).then((dir) => join(dir, basename(this.path)), () => this.path);
    });
    return this.real;
  }

  private async writer(): Promise<Writer> {
    this.self ??= await currentWriter();
    return this.self;
  }

  private async claims(): Promise<RefreshClaims> {
    return new RefreshClaims(await this.resolve(), await this.writer(), { deadlineAt: this.timings.deadlineAt, graceMs: this.timings.graceMs, now: this.now });
  }

  private async acquire(real: string): Promise<() => Promise<void>> {
    // proper-lockfile retries every error, not only a busy lock: a directory that cannot take the
    // lock would hold the run for the whole wait before the same answer. Ask once, up front.
    await access(dirname(real), constants.W_OK | constants.X_OK).catch((error: unknown) => {
      throw this.lockDirProblem(error);
    });
    const lockInfo = await lstatOrNull(this.lockPath).catch(() => null);
    if (lockInfo && !lockInfo.isDirectory()) {
      throw new GhlAuthError('token_file_unwritable', `${this.lockPath} is ${kindOf(lockInfo)}, not the lock directory ghl-auth makes: nothing of ghl-auth's; remove it (rm ${this.lockPath}) and run again`);
    }
    const { staleMs, waitMs } = this.timings;
    try {
      return await lockfile.lock(real, {
        realpath: false,
        stale: staleMs,
        retries: { retries: 1_000, minTimeout: 25, maxTimeout: 250, randomize: true, maxRetryTime: waitMs },
        // A stalled run's lock is taken over; refresh claims and the compare before each rename keep that safe.
        onCompromised: (error) => this.log.warn({ err: error }, 'token file lock was taken over while held'),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOCKED') {
        throw new GhlAuthError(
          'token_file_locked',
          `${this.path} is locked by another ghl-auth run (waited ${waitMs / 1000} s); try again later. A lock left by a killed run (${this.lockPath}) clears itself after ${staleMs / 1000} s`,
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

  /** The file's bytes, or null when absent. Opened non-blocking and checked first: a FIFO or device would hang the run. */
  private async readBytes(path: string): Promise<Buffer | null> {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : Promise.reject(this.readFailed(error)),
    );
    if (!handle) return null;
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw this.readFailed(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
      if (!info.isFile()) throw this.unreadable(`is ${kindOf(info)}, not a regular file (reading it could block forever): remove it (rm ${path}) and put the token file there`);
      return await handle.readFile();
    } catch (error) {
      throw error instanceof GhlAuthError ? error : this.readFailed(error);
    } finally {
      await handle.close();
    }
  }

  private parse(bytes: Buffer): StoredTokens {
    const content = bytes.toString('utf8').replace(/^\uFEFF/, ''); // editors on Windows add a byte-order mark
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

const sameBytes = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));

function fingerprintOf(bytes: Buffer): string | undefined {
  try {
    return fingerprint(storedTokensSchema.parse(JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''))).token.refresh_token);
  } catch {
    return undefined;
  }
}

const lstatOrNull = (path: string): Promise<Stats | null> => lstat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));

function kindOf(info: Stats): string {
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
