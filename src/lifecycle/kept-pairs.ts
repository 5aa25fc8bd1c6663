import { realpath } from 'node:fs/promises';
import { removeKeptFile } from '../store/kept-pairs.js';
import { describeKeptPairs, isRemovable, judgeKeptPairs, KEPT_PAIR_REMOVAL_DAYS } from '../tokens/kept-pairs.js';
import type { LifecycleDeps } from './obtain.js';

/**
 * `check`, holding the lock after the token work: removes the kept pairs the rule lets go, then names
 * the rest in one warning. Whatever goes wrong here is a warning: it never changes the run's outcome.
 */
export async function reviewKeptPairs({ store, log, now }: Pick<LifecycleDeps, 'store' | 'log' | 'now'>): Promise<void> {
  try {
    const files = await store.keptFiles();
    if (files.length === 0) return;
    const current = await store.read().catch(() => undefined);
    const pairs = judgeKeptPairs(files, current && Date.parse(current.obtainedAt));
    const removed: string[] = [];
    for (const pair of pairs.filter((one) => isRemovable(one, now()))) {
      await removeKeptFile(pair.file).then(
        () => removed.push(pair.file),
        (error: NodeJS.ErrnoException) => log.warn(`could not remove the kept token pair ${pair.file} (${error.code ?? error.message})`),
      );
    }
    if (removed.length > 0) log.info(`removed ${removed.length} kept token pair(s) not issued after the token file's pair and over ${KEPT_PAIR_REMOVAL_DAYS} days old: ${removed.join(', ')}`);
    const warning = describeKeptPairs(pairs.filter((pair) => !removed.includes(pair.file)));
    if (warning) log.warn(warning);
  } catch (error) {
    log.warn(`could not look at the token pairs kept beside ${store.path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** After `tokens import` of a kept pair: it is the token file now, so its copy goes. */
export async function forgetImportedPair({ store, log }: Pick<LifecycleDeps, 'store' | 'log'>, source: string): Promise<void> {
  const real = await realpath(source).catch(() => undefined);
  const kept = (await store.keptFiles()).find((file) => file.path === real && file.regular);
  if (!kept) return;
  await removeKeptFile(kept.path).then(
    () => log.info(`removed ${kept.path}: its pair is the token file now`),
    (error: NodeJS.ErrnoException) => log.warn(`the pair kept in ${kept.path} is the token file now, but that file could not be removed (${error.code ?? error.message}): remove it by hand`),
  );
}
