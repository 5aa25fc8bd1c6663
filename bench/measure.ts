import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { collect, type RunResult } from '../test/helpers.js';

/** GNU time prints the child's peak RSS (kB); Node has no way to read a child's rusage. */
export const GNU_TIME = '/usr/bin/time';

export const hasGnuTime = () => existsSync(GNU_TIME);

export interface Measured extends RunResult {
  /** Peak RSS in kB; NaN when not measured. */
  rssKb: number;
}

/**
 * Runs `node ...args` to its end: wall time from spawn to exit, and with `measureRss` its peak RSS under
 * GNU time (whose own line is the last on stderr, and is taken off it). Asynchronous: the stand-in GHL
 * answers from this process.
 */
export async function measureNode(args: string[], options: { env?: Record<string, string>; cwd?: string; measureRss: boolean; timeoutMs?: number }): Promise<Measured> {
  const [command, argv] = options.measureRss ? [GNU_TIME, ['-f', '%M', process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const result = await collect(spawn(command, argv, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: options.timeoutMs });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!options.measureRss) return { ...result, ms, rssKb: NaN };
  const lines = result.stderr.trimEnd().split('\n');
  const rssKb = Number(lines.pop());
  // GNU time reports a failing child's status on a line of its own; the exit code already says it.
  const stderr = lines.filter((line) => !/^Command (exited with non-zero status|terminated by signal)/.test(line)).join('\n');
  return { ...result, ms, rssKb, stderr };
}
