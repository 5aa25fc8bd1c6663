import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeWholeFile } from '../atomic-file.js';
import { keptPathOf, listKeptFiles, removeKeptFile, type KeptFile } from '../kept-pairs.js';
import { tokenFileBytes } from '../token-file.js';
import type { StoredTokens } from '../../tokens/stored-tokens.js';

/**
 * A pair GHL issued that could not be written to Postgres (the connection was lost, or another
 * writer changed the row) is kept on this host, as the file store keeps one: beside GHL_TOKENS_FILE,
 * or in the temp directory when that directory is not writable (a read-only root filesystem).
 */
export class LocalPairs {
  constructor(private readonly localFile: string) {}

  /** The kept pair's path: a token file (plain, 0600) that `ghl-auth tokens import --force` restores. */
  async keep(tokens: StoredTokens, nowMs: number): Promise<string> {
    const path = keptPathOf(await this.base(), nowMs);
    await writeWholeFile(path, tokenFileBytes(tokens));
    return path;
  }

  /** A kept pair that was saved after all. */
  forget(path: string): Promise<void> {
    return removeKeptFile(path);
  }

  /** The pairs kept on this host, in both places one may be. */
  async list(): Promise<KeptFile[]> {
    const [beside, temp] = await Promise.all([listKeptFiles(this.localFile), listKeptFiles(this.fallback)]);
    return [...beside, ...temp];
  }

  private get fallback(): string {
    return join(tmpdir(), basename(this.localFile));
  }

  private async base(): Promise<string> {
    return access(dirname(this.localFile), constants.W_OK | constants.X_OK).then(
      () => this.localFile,
      () => this.fallback,
    );
  }
}
