import type { KeptFile } from '../store/kept-pairs.js';

/**
 * The rule for pairs kept beside the token file (docs/design.md): `check` removes one not issued after
 * the token file's pair once it is this many days old. One issued after it may hold the live refresh
 * token, so it is never removed automatically.
 */
export const KEPT_PAIR_REMOVAL_DAYS = 30;

const DAY_MS = 24 * 3600_000;

/** What `status --json` says of one kept file; never its tokens. */
export interface KeptPair {
  file: string;
  /** When GHL issued its pair; null when it cannot be read. */
  obtainedAt: string | null;
  /** Issued after the token file's pair, so it may hold the live refresh token; null: cannot tell. */
  newerThanTokenFile: boolean | null;
  /** Why it was not read (a symlink, a FIFO, not a token pair); null when it reads. */
  problem: string | null;
  /** From when `check` removes it; null: never automatically. */
  removedAfter: string | null;
}

/**
 * Judges each kept file against the token file's `obtainedAt` (undefined: none to compare with, so
 * nothing is removable). An unreadable regular file goes by its modification time; anything else
 * (a symlink, a FIFO) was not written by ghl-auth and is never removed.
 */
export function judgeKeptPairs(files: KeptFile[], tokenObtainedAt: number | undefined): KeptPair[] {
  return files.map((file) => {
    const issued = file.obtainedAt ?? file.mtimeMs;
    const older = tokenObtainedAt !== undefined && issued <= tokenObtainedAt;
    return {
      file: file.path,
      obtainedAt: file.obtainedAt === undefined ? null : new Date(file.obtainedAt).toISOString(),
      newerThanTokenFile: file.problem !== undefined || tokenObtainedAt === undefined ? null : !older,
      problem: file.problem ?? null,
      removedAfter: older && file.regular ? new Date(issued + KEPT_PAIR_REMOVAL_DAYS * DAY_MS).toISOString() : null,
    };
  });
}

export const isRemovable = (pair: KeptPair, nowMs: number) => pair.removedAfter !== null && Date.parse(pair.removedAfter) < nowMs;

/** The one warning `status` and `check` give while kept files remain; undefined when there are none. */
export function describeKeptPairs(pairs: KeptPair[]): string | undefined {
  if (pairs.length === 0) return undefined;
  const count = pairs.length === 1 ? 'a token pair is' : `${pairs.length} token pairs are`;
  return `${count} kept beside the token file: ${pairs.map(describeOne).join('; ')}`;
}

function describeOne(pair: KeptPair): string {
  const removal = pair.removedAfter ? ` (check removes it after ${pair.removedAfter})` : ' (never removed automatically)';
  if (pair.problem !== null) return `${pair.file} ${pair.problem}${removal}`;
  if (pair.newerThanTokenFile === false) return `${pair.file} was issued ${pair.obtainedAt}, before the token file's pair${removal}`;
  const when = pair.newerThanTokenFile ? "AFTER the token file's pair" : 'and the token file holds no pair to compare it with';
  return `${pair.file} was issued ${pair.obtainedAt}, ${when}: it may hold the live refresh token; if GHL refuses the token file's ("Invalid grant"), restore it with \`ghl-auth tokens import --force ${pair.file}\`${removal}`;
}
