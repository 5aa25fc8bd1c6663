import { open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readSmallFile } from '../files/small-file.js';
import { isCertainlyGone, type Writer } from './writer-identity.js';

/**
 * Written (O_EXCL) before a refresh token is sent, one file per token fingerprint and attempt:
 * `<file>.refreshing-<fingerprint>.<n>`. It never holds the token.
 */
export interface RefreshClaim {
  refreshToken: string; // the fingerprint
  pid: number;
  host: string;
  hostId: string; // the writer's scope: boot and pid namespace, or host name
  processStart: string;
  startedAt: string;
  deadline: string;
  /** Set when GHL answered but the pair could not become the token file: where it was kept. */
  keptIn?: string;
}

export type ClaimVerdict =
  /** No claim for this token has a writer that may be alive: attempt `next` may be created. */
  | { kind: 'free'; next: number; abandoned: RefreshClaim | undefined }
  | { kind: 'busy'; claim: RefreshClaim | undefined; path: string; certain: boolean }
  | { kind: 'kept'; claim: RefreshClaim & { keptIn: string } };

/** The claims beside one token file. Judging them is the store's job; spending is the caller's. */
export class RefreshClaims {
  constructor(
    private readonly target: string,
    private readonly self: Writer,
    private readonly bounds: { deadlineAt: number; graceMs: number; now: () => number },
  ) {}

  async judge(print: string): Promise<ClaimVerdict> {
    const claims = await this.list(print);
    let abandoned: RefreshClaim | undefined;
    for (const { path, claim } of claims) {
      if (claim?.keptIn) return { kind: 'kept', claim: claim as RefreshClaim & { keptIn: string } };
      const gone = claim ? await isCertainlyGone({ ...claim, scope: claim.hostId }, this.self) : false;
      if (gone) abandoned = claim;
      else if (!(await this.expired(path, claim))) return { kind: 'busy', claim, path, certain: claim?.hostId === this.self.scope };
      else abandoned = claim;
    }
    return { kind: 'free', next: (claims.at(-1)?.n ?? 0) + 1, abandoned };
  }

  /** Creates attempt `n`; undefined when another run created it first. */
  async create(print: string, n: number): Promise<string | undefined> {
    const path = this.pathOf(print, n);
    const claim: RefreshClaim = {
      refreshToken: print,
      pid: this.self.pid,
      host: hostname(),
      hostId: this.self.scope,
      processStart: this.self.processStart,
      startedAt: new Date(this.bounds.now()).toISOString(),
      deadline: new Date(this.bounds.deadlineAt).toISOString(),
    };
    const handle = await open(path, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
    if (!handle) return undefined;
    try {
      await handle.writeFile(JSON.stringify(claim));
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(path, { force: true });
      throw error;
    }
    await handle.close();
    return path;
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

  private async list(print: string): Promise<{ n: number; path: string; claim: RefreshClaim | undefined }[]> {
    const mine = (await this.names()).filter((name) => name.startsWith(`${this.prefix}${print}.`));
    const claims = await Promise.all(
      mine.map(async (name) => {
        const path = join(dirname(this.target), name);
        return { n: Number(name.slice(name.lastIndexOf('.') + 1)), path, claim: await readClaim(path) };
      }),
    );
    return claims.sort((a, b) => a.n - b.n);
  }

  /**
   * A writer this host cannot judge (another container or host) counts as alive until its deadline
   * plus a grace. A claim not yet written (its writer between open and write) is judged by its age.
   */
  private async expired(path: string, claim: RefreshClaim | undefined): Promise<boolean> {
    const now = this.bounds.now();
    if (claim) return now > Date.parse(claim.deadline) + this.bounds.graceMs;
    const info = await stat(path).catch(() => undefined);
    return !info || now > info.mtimeMs + 2 * this.bounds.graceMs;
  }
}

async function readClaim(path: string): Promise<RefreshClaim | undefined> {
  try {
    // A claim removed meanwhile reads as null; one that is not a regular file is refused: both are no claim.
    const claim = JSON.parse(String(await readSmallFile(path, { maxBytes: 64 * 1024, followSymlinks: false }))) as RefreshClaim | null;
    return typeof claim?.pid === 'number' && typeof claim.hostId === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}
