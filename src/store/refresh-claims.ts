import { link, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { GhlAuthError } from '../errors.js';
import { readSmallFile } from '../files/small-file.js';
import { tempName } from './atomic-file.js';
import { saveFailureCause } from './save-errors.js';
import { isCertainlyGone, type Writer } from './writer-identity.js';

/**
 * Written before a refresh token is sent, one file per token fingerprint and attempt:
 * `<file>.refreshing-<fingerprint>.<n>`. It never holds the token.
 */
export interface RefreshClaim {
  refreshToken: string; // the fingerprint
  pid: number;
  host: string;
  hostId: string; // the writer's scope: boot and pid namespace, or host name
  processStart: string;
  startedAt: string;
  /** Until when a host that cannot judge the writer's pid counts it as alive (plus a grace). */
  deadline: string;
  /** Set when GHL answered but the pair could not become the token file: where it was kept. */
  keptIn?: string;
}

export type ClaimVerdict =
  /** No claim for this token has a writer that may be alive: attempt `next` may be created. */
  | { kind: 'free'; next: number; abandoned: RefreshClaim | undefined }
  | { kind: 'busy'; claim: RefreshClaim | undefined; path: string; certain: boolean; until?: number }
  | { kind: 'kept'; claim: RefreshClaim & { keptIn: string } };

export interface ClaimBounds {
  /** A claim's life from its creation, for hosts that cannot judge its writer: the run's deadline. */
  claimMs: number;
  graceMs: number;
  now: () => number;
}

/**
 * A claim is created whole (written and fsynced under a temp name, then hard-linked to its name), so
 * one that cannot be read was not written by a live run of this version: cleared once this old.
 */
export const UNREADABLE_CLAIM_MS = 5_000;

/**
 * The claims beside one token file. Judging them is the store's job; spending is the caller's.
 * The rules (docs/design.md): a writer in this boot and pid namespace is judged by its pid alone,
 * whatever the clocks say; any other by the earlier of its stated deadline and its file's age plus
 * the claim's life, then a grace; an unreadable claim by its file's age (UNREADABLE_CLAIM_MS).
 */
export class RefreshClaims {
  constructor(
    private readonly target: string,
    private readonly self: Writer,
    private readonly bounds: ClaimBounds,
  ) {}

  async judge(print: string): Promise<ClaimVerdict> {
    const claims = await this.list(print);
    let abandoned: RefreshClaim | undefined;
    for (const { path, claim, mtimeMs } of claims) {
      if (claim?.keptIn) return { kind: 'kept', claim: claim as RefreshClaim & { keptIn: string } };
      const now = this.bounds.now();
      if (!claim) {
        if (mtimeMs !== undefined && now - mtimeMs < UNREADABLE_CLAIM_MS && now >= mtimeMs) return { kind: 'busy', claim, path, certain: false };
        await rm(path, { force: true });
        continue;
      }
      if (claim.hostId === this.self.scope) {
        if (!(await isCertainlyGone({ ...claim, scope: claim.hostId }, this.self))) return { kind: 'busy', claim, path, certain: true };
      } else {
        const until = this.aliveUntil(claim, mtimeMs);
        if (now <= until) return { kind: 'busy', claim, path, certain: false, until };
      }
      abandoned = claim;
    }
    return { kind: 'free', next: (claims.at(-1)?.n ?? 0) + 1, abandoned };
  }

  /** Creates attempt `n` whole; undefined when another run created it first. */
  async create(print: string, n: number): Promise<string | undefined> {
    const path = this.pathOf(print, n);
    const now = this.bounds.now();
    const claim: RefreshClaim = {
      refreshToken: print,
      pid: this.self.pid,
      host: hostname(),
      hostId: this.self.scope,
      processStart: this.self.processStart,
      startedAt: new Date(now).toISOString(),
      deadline: new Date(now + this.bounds.claimMs).toISOString(),
    };
    const temp = tempName(this.target, this.self);
    try {
      await writeFile(temp, JSON.stringify(claim), { mode: 0o600, flag: 'wx', flush: true });
      return await link(temp, path).then(
        () => path,
        (error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)),
      );
    } catch (error) {
      throw await cannotClaim(error, path);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async markKept(path: string, keptIn: string): Promise<void> {
    const claim = await readClaim(path);
    if (claim) await writeFile(path, JSON.stringify({ ...claim, keptIn }));
  }

  /** The newest claim for this token, whatever its writer's state (for `status`). */
  async newest(print: string): Promise<RefreshClaim | undefined> {
    return (await this.list(print)).at(-1)?.claim;
  }

  /** Once a pair is saved, claims for any other token mean nothing. */
  async removeAllBut(print: string | undefined): Promise<void> {
    const names = await this.names();
    await Promise.all(names.filter((name) => !print || !name.startsWith(`${this.prefix}${print}.`)).map((name) => rm(join(dirname(this.target), name), { force: true })));
  }

  /** A stated deadline past what the claim's file age allows (a clock years ahead) counts for nothing. */
  private aliveUntil(claim: RefreshClaim, mtimeMs: number | undefined): number {
    const stated = Date.parse(claim.deadline);
    const byAge = mtimeMs === undefined ? -Infinity : mtimeMs + this.bounds.claimMs;
    return Math.min(Number.isNaN(stated) ? Infinity : stated, byAge) + this.bounds.graceMs;
  }

  private get prefix(): string {
    return `${basename(this.target)}.refreshing-`;
  }

  private pathOf(print: string, n: number): string {
    return `${this.target}.refreshing-${print}.${n}`;
  }

  private async names(): Promise<string[]> {
    const entries = await readdir(dirname(this.target)).catch(() => [] as string[]);
    return entries.filter((name) => name.startsWith(this.prefix) && /^[0-9a-f]+\.\d+$/.test(name.slice(this.prefix.length)));
  }

  private async list(print: string): Promise<{ n: number; path: string; claim: RefreshClaim | undefined; mtimeMs: number | undefined }[]> {
    const mine = (await this.names()).filter((name) => name.startsWith(`${this.prefix}${print}.`));
    const claims = await Promise.all(
      mine.map(async (name) => {
        const path = join(dirname(this.target), name);
        const [claim, info] = await Promise.all([readClaim(path), stat(path).catch(() => undefined)]);
        return { n: Number(name.slice(name.lastIndexOf('.') + 1)), path, claim, mtimeMs: info?.mtimeMs };
      }),
    );
    return claims.sort((a, b) => a.n - b.n);
  }
}

/** A claim with the fields its judgement needs, or undefined. */
async function readClaim(path: string): Promise<RefreshClaim | undefined> {
  try {
    // A claim removed meanwhile reads as null; one that is not a regular file is refused: both are no claim.
    const claim = JSON.parse(String(await readSmallFile(path, { maxBytes: 64 * 1024, followSymlinks: false }))) as RefreshClaim | null;
    return typeof claim?.pid === 'number' && typeof claim.hostId === 'string' && typeof claim.processStart === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}

async function cannotClaim(error: unknown, path: string): Promise<GhlAuthError> {
  const free = await statfs(dirname(path)).then(
    (fs) => `; ${fs.bavail * fs.bsize} bytes free there`,
    () => '',
  );
  return new GhlAuthError('token_file_unwritable', `cannot record the refresh claim ${path}: ${saveFailureCause(error, path)}${free}. Nothing was sent to GHL; the saved tokens are unspent`, { cause: error });
}
