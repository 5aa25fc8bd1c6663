import { chmod, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GhlAuthError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PendingFile, proveReplaceable, sweepTempFiles, syncDirectory, writeWholeFile } from './atomic-file.js';
import { claimRefresh, type ClaimOutcome } from './claim-refresh.js';
import { settleOrphan } from './orphan-pairs.js';
import { acquireLock } from './file-lock.js';
import { keptPathOf, listKeptFiles, type KeptFile } from './kept-pairs.js';
import { RefreshClaims, type RefreshClaim } from './refresh-claims.js';
import { cannotSaveBeforeSpending, restoreAdvice, SaveFailed, saveFailureCause } from './save-errors.js';
import { storeTimings, type StoreTimings } from './timings.js';
import { parseTokenBytes, readFailed, readTokenBytes, refreshPrintOf, tokenFileBytes, unreadable } from './token-file.js';
import { currentWriter, type Writer } from './writer-identity.js';
import { fingerprint, type StoredTokens } from '../tokens/stored-tokens.js';

import type { SaveOutcome, Store } from './store.js';

export type { RefreshClaim } from './refresh-claims.js';
export type { ClaimOutcome } from './claim-refresh.js';
export type { SaveOutcome } from './store.js';

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
export class TokenStore implements Store {
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
    this.timings = { ...storeTimings(60), ...options.timings };
  }

  get localFile(): string {
    return this.path;
  }

  /** The lock of the real file: a symlink and its target share one lock. */
  get lockPath(): string {
    return `${this.real ?? this.path}.lock`;
  }

  /** Runs `fn` holding the cross-process lock, so read-refresh-write is one step for every run. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const real = await this.resolve();
    const release = await acquireLock({ real, shown: this.path, timings: this.timings, log: this.log });
    try {
      const olderThan = this.now() - 2 * this.timings.graceMs;
      await sweepTempFiles(real, await this.writer(), olderThan, (path, writer) => this.settleOrphan(path, writer));
      await sweepTempFiles(this.backupPath, await this.writer(), olderThan);
      return await fn();
    } finally {
      await this.pending?.discard();
      this.pending = undefined;
      await release().catch((error: unknown) => this.log.warn({ err: error }, 'could not release the token file lock'));
    }
  }

  /** The stored tokens, or undefined when there is no file yet. A bad file is never guessed at. */
  async read(): Promise<StoredTokens | undefined> {
    const bytes = await readTokenBytes(this.path, this.path);
    this.seen = bytes;
    return bytes === null ? undefined : parseTokenBytes(bytes, this.path);
  }

  /**
   * Before anything is spent: proves the token file can be replaced and reserves the space the new
   * pair needs, so a save that would fail fails now, with the token or code unspent.
   */
  async reserveSave(): Promise<void> {
    const real = await this.resolve();
    const current = await readTokenBytes(real, this.path);
    if (this.seen === undefined) this.seen = current;
    await this.pending?.discard();
    this.pending = undefined;
    try {
      if (current !== null) await proveReplaceable(real, await this.writer());
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
    const content = tokenFileBytes(tokens);
    let pending = this.pending;
    this.pending = undefined;
    let filled = false;
    try {
      pending ??= await PendingFile.reserve(real, await this.writer(), content.length, this.syncDirectory);
      await pending.fill(content);
      filled = true;
      const onDisk = await readTokenBytes(real, this.path);
      if (this.seen !== undefined && !sameBytes(onDisk, this.seen)) return await this.keepLostRace(pending, onDisk);
      const { dirSyncError } = await pending.replaceTarget();
      if (dirSyncError) this.log.warn(`the new tokens are in ${real}, but its directory could not be synced (${dirSyncError.code}): a power cut now could still undo the save`);
    } catch (error) {
      // Once filled, the temp file holds the pair GHL issued: whatever failed, it is kept, never dropped.
      if (!filled && error instanceof GhlAuthError && !(error instanceof SaveFailed)) throw error;
      const keptIn = filled && pending ? await this.keep(pending) : (await pending?.discard(), undefined);
      const cause = saveFailureCause(error, real);
      throw new SaveFailed(cause, keptIn, `cannot save tokens to ${real}: ${cause}${keptIn ? `; the new pair is ${restoreAdvice(keptIn)}` : ''}`, error);
    }
    this.seen = content;
    await this.claims().then((claims) => claims.removeAllBut(fingerprint(tokens.token.refresh_token)));
    this.claimPath = undefined;
    return { saved: true };
  }

  /**
   * Saves the file's own pair again with the caller's mark, compare-before-write like every save;
   * false when another writer changed the file meanwhile (theirs stays, nothing is kept beside). Once
   * a token is marked spent, no claim for it means anything.
   */
  async markSpent(marked: StoredTokens): Promise<boolean> {
    const real = await this.resolve();
    const content = tokenFileBytes(marked);
    const pending = this.pending ?? (await PendingFile.reserve(real, await this.writer(), content.length, this.syncDirectory));
    this.pending = undefined;
    try {
      await pending.fill(content);
      if (this.seen === undefined || !sameBytes(await readTokenBytes(real, this.path), this.seen)) return false;
      await pending.replaceTarget();
    } finally {
      await pending.discard(); // nothing left to remove once renamed
    }
    this.seen = content;
    this.claimPath = undefined;
    await (await this.claims()).removeAllBut(undefined);
    return true;
  }

  /** Whether anything (even a corrupt file or a directory) is at the token file's path. */
  async exists(): Promise<boolean> {
    return stat(this.path).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(readFailed(this.path, error))),
    );
  }

  /** Copies the token file byte for byte to `<file>.bak` (0600, atomic), whatever its content. */
  async backup(): Promise<string> {
    const content = await readTokenBytes(this.path, this.path);
    if (content === null) throw unreadable(this.path, 'does not exist');
    const writer = await this.writer();
    try {
      await writeWholeFile(this.backupPath, content, writer, this.syncDirectory);
    } catch (error) {
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
        const bytes = await readTokenBytes(this.path, this.path);
        return sameBytes(bytes, this.seen ?? null) ? undefined : bytes;
      },
      parse: (bytes) => parseTokenBytes(bytes, this.path),
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

  /** The pairs kept beside the token file, read with its guards; a read alone needs no lock. */
  async keptFiles(): Promise<KeptFile[]> {
    return listKeptFiles(await this.resolve());
  }

  /** Renamed aside (`<file>.migrated-<time>.json`, 0600) so no run uses this copy of a moved connection. */
  async retire(movedTo: string): Promise<string> {
    const aside = `${this.path}.migrated-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}.json`;
    await rename(this.path, aside);
    await chmod(aside, 0o600);
    await this.syncDirectory(dirname(aside)).catch(() => undefined);
    return `${this.path} was renamed ${aside} (the connection is in ${movedTo} now: use only that store from here on)`;
  }

  /** A dead writer's temp file: see settleOrphan. Called holding the lock, before this run reads. */
  private async settleOrphan(path: string, writer: { scope: string; pid: number; processStart: string }): Promise<void> {
    const real = await this.resolve();
    const currentBytes = await readTokenBytes(real, this.path).catch(() => null);
    await settleOrphan(path, writer, { real, currentBytes, claims: await this.claims(), keepPath: () => keptPathOf(real, this.now()), syncDirectory: this.syncDirectory, log: this.log });
  }

  private async keepLostRace(pending: PendingFile, onDisk: Buffer | null): Promise<SaveOutcome> {
    const keptIn = await this.keep(pending);
    const print = onDisk ? refreshPrintOf(onDisk) : undefined;
    if (print) await (await this.claims()).removeAllBut(print);
    return { saved: false, keptIn, message: `${this.path} was changed by another writer while this run waited for GHL, so it was left as that writer saved it; the pair GHL issued to this run is ${restoreAdvice(keptIn)} if it is the one to use` };
  }

  /** Moves a filled temp file to a stable name beside the token file; the claim records where. */
  private async keep(pending: PendingFile): Promise<string> {
    const keptIn = keptPathOf(pending.target, this.now());
    await pending.keepAs(keptIn);
    if (this.claimPath) await (await this.claims()).markKept(this.claimPath, keptIn);
    return keptIn;
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
    return new RefreshClaims(await this.resolve(), await this.writer(), { claimMs: this.timings.claimMs, graceMs: this.timings.graceMs, now: this.now });
  }
}

const sameBytes = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));
