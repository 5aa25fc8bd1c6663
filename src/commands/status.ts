import { CREDENTIALS } from '../config.js';
import { warnIfEnvFileOpen } from '../env-file-mode.js';
import { GhlAuthError } from '../errors.js';
import { readLastRun } from '../monitoring/last-run.js';
import { verifyClient } from '../oauth/verify-client.js';
import { configFor, createRuntime, loadEnvironment, type GlobalOptions } from '../runtime.js';
import { missingTokenFile } from '../lifecycle/obtain.js';
import { assessTokens, formatStatus, judgeClient, noteKeptPairs, type TokenStatus } from '../tokens/status.js';

/**
 * Local facts: the token file, its refresh claims and the last-run record. With --verify, one request
 * to GHL that spends nothing tells whether it accepts the client id and secret.
 */
export async function statusCommand(globals: GlobalOptions, options: { json?: boolean; verify?: boolean }): Promise<void> {
  let status: TokenStatus;
  let nowMs: number;
  try {
    const environment = loadEnvironment(globals);
    // Logs go to stderr: stdout is the report, and --json must parse.
    const { config, store, now, http, log } = await createRuntime(globals, [], { environment, logFd: 2 });
    warnIfEnvFileOpen(environment, log);
    const stored = await store.read(); // unlocked: writes are atomic renames, a read never sees half a file
    if (!stored) throw missingTokenFile(store.path);
    nowMs = now();
    const lastRun = await readLastRun(config.tokensFile);
    if (lastRun.problem) log.warn(`the last-run record ${lastRun.problem}; the last check is not shown`);
    status = assessTokens({ config, stored, lastRun: lastRun.record, claim: await store.refreshInFlight(stored), tokenStore: config.tokenStore && store.path, now: nowMs });
    if (options.verify) judgeClient(status, await verifyClient(http, configFor(environment, CREDENTIALS)));
    noteKeptPairs(status, await store.keptFiles());
  } catch (error) {
    // A script reading --json gets an answer it can parse whatever went wrong; the verdict still goes to stderr.
    if (options.json && error instanceof GhlAuthError) process.stdout.write(`${JSON.stringify({ usable: false, problems: [{ code: error.code, message: error.message }] }, null, 2)}\n`);
    throw error;
  }
  process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, nowMs));
  const [worst] = status.problems;
  if (worst) throw new GhlAuthError(worst.code, status.problems.map((problem) => problem.message).join('; '));
}
