import { createInterface } from 'node:readline';
import { GhlAuthError } from '../errors.js';
import { readRedirect } from './redirect.js';

export interface PasteOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question goes (stderr: stdout may be piped into something else). */
  ask: (text: string) => void;
  state: string;
  timeoutSeconds: number;
}

/**
 * For a redirect URI this machine cannot listen on: one line from the terminal (or from a pipe)
 * holding the URL the browser landed on, or just its code. A URL must carry this login's state.
 */
export async function readPastedCode(options: PasteOptions): Promise<string> {
  if (options.input.isTTY) options.ask('Paste the full URL your browser landed on (or just the code), then press Enter:\n> ');
  const line = (await firstLine(options)).trim();
  if (!line) {
    throw new GhlAuthError(
      'configuration',
      'no code was pasted and there is no terminal to ask on: run `ghl-auth login` in a terminal, or authorize with the URL above and run `ghl-auth exchange --code CODE` at once, or use a loopback GHL_REDIRECT_URI (http://localhost:PORT/...) registered for the app',
    );
  }
  if (!/[?&](code|error|state)=/.test(line)) return line;
  const redirect = readRedirect(new URLSearchParams(line.slice(line.indexOf('?') + 1).split('#')[0]), options.state);
  if (redirect.kind === 'denied') throw redirect.error;
  if (redirect.kind === 'forged') {
    throw new GhlAuthError('reauthorization_required', `the pasted URL was not accepted because ${redirect.why}; nothing was exchanged. Run \`ghl-auth login\` again and paste the URL that login leads to`);
  }
  return redirect.code;
}

/** The first line, or '' when the input ends without one; gives up after the timeout. */
function firstLine({ input, timeoutSeconds }: PasteOptions): Promise<string> {
  const reader = createInterface({ input, terminal: false });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reader.close();
      reject(new GhlAuthError('reauthorization_required', `nothing was pasted within ${timeoutSeconds} s; nothing was saved. Run \`ghl-auth login\` again (--timeout gives more time)`));
    }, timeoutSeconds * 1000);
    reader.once('line', (line) => {
      clearTimeout(timer);
      resolve(line); // before close(), whose 'close' event would settle it with ''
      reader.close();
    });
    reader.once('close', () => {
      clearTimeout(timer);
      resolve('');
    });
  }).finally(() => input.pause());
}
