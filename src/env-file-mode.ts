import { statSync } from 'node:fs';
import { shellWord } from './files/small-file.js';
import type { Logger } from './logger.js';
import type { RunEnvironment } from './runtime.js';

/**
 * The client secret is only as private as the env file that holds it: a warning, with the command that
 * fixes it, when its group or others have any access to it. Never a failure: the connection works all
 * the same, and the run's exit code stays what it is.
 */
export function warnIfEnvFileOpen(environment: Pick<RunEnvironment, 'envFile' | 'fileVariables'>, log: Logger, platform: NodeJS.Platform = process.platform): void {
  const { envFile, fileVariables } = environment;
  // Windows has no such mode bits: every file there reads as 0666.
  if (!envFile || !fileVariables?.includes('GHL_CLIENT_SECRET') || platform === 'win32') return;
  let mode: number;
  try {
    mode = statSync(envFile).mode & 0o777;
  } catch {
    return; // read a moment ago: a file gone since is not this warning's business
  }
  if ((mode & 0o077) === 0) return;
  log.warn(`${envFile} holds GHL_CLIENT_SECRET and is open to its group or others (mode ${mode.toString(8)}): chmod 600 ${shellWord(envFile)}`);
}
