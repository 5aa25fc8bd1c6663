import { GhlAuthError } from '../errors.js';
import { readLastRun } from '../last-run.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { missingTokenFile } from '../token-lifecycle.js';
import { assessTokens, formatStatus } from '../token-status.js';

/** Local facts only: the token file, its refresh claims and the last-run record. No request to GHL. */
export async function statusCommand(globals: GlobalOptions, options: { json?: boolean }): Promise<void> {
  const { config, store, now } = await createRuntime(globals, []);
  const stored = await store.read(); // unlocked: writes are atomic renames, a read never sees half a file
  if (!stored) throw missingTokenFile(store.path);
  const status = assessTokens({ config, stored, lastRun: await readLastRun(config.tokensFile), marker: await store.refreshInFlight(stored), now: now() });
  process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  const [worst] = status.problems;
  if (worst) throw new GhlAuthError(worst.code, status.problems.map((problem) => problem.message).join('; '));
}
