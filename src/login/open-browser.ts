import { spawn } from 'node:child_process';
import type { Logger } from '../logger.js';

/**
 * Best effort: the URL is printed anyway, so a machine without a browser (or opener) loses nothing.
 * Never throws and never keeps the process alive.
 */
export function openBrowser(url: string, log: Logger, platform: NodeJS.Platform = process.platform): void {
  const [command, args, verbatim] =
    platform === 'darwin' ? ['open', [url], false] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', `"${url}"`], true] : ['xdg-open', [url], false];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: verbatim });
    child.on('error', (error) => log.debug({ err: error }, 'could not open a browser; open the printed URL yourself'));
    child.unref();
  } catch (error) {
    log.debug({ err: error }, 'could not open a browser; open the printed URL yourself');
  }
}
