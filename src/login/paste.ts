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
 * For a redirect URI this machine cannot listen on: lines from the terminal (or a pipe) holding the URL
 * the browser landed on, or just its code. A URL without this login's state is refused and the next
 * line is read, as the loopback listener answers 400 and keeps waiting; the timeout bounds it all.
 */
export async function readPastedCode(options: PasteOptions): Promise<string> {
  if (options.input.isTTY) options.ask('Paste the full URL your browser landed on (or just the code), then press Enter:\n> ');
  const reader = createInterface({ input: options.input, terminal: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.close();
  }, options.timeoutSeconds * 1000);
  let refused: string | undefined;
  try {
    for await (const raw of reader) {
      const line = raw.trim();
      if (!line) continue;
      if (!/[?&](code|error|state)=/.test(line)) return line;
      const redirect = readRedirect(new URLSearchParams(line.slice(line.indexOf('?') + 1).split('#')[0]), options.state);
      if (redirect.kind === 'denied') throw redirect.error;
      if (redirect.kind === 'code') return redirect.code;
      refused = redirect.why;
      options.ask(`That URL was not accepted because ${redirect.why}; nothing was exchanged. Paste the URL this login leads to (or just its code):\n> `);
    }
  } finally {
    clearTimeout(timer);
    reader.close();
    options.input.pause();
  }
  if (timedOut) {
    throw new GhlAuthError('reauthorization_required', `no usable URL or code was pasted within ${options.timeoutSeconds} s; nothing was saved. Run \`ghl-auth login\` again (--timeout gives more time)`);
  }
  if (refused) {
    throw new GhlAuthError('reauthorization_required', `the pasted URL was not accepted because ${refused}; nothing was exchanged. Run \`ghl-auth login\` again and paste the URL that login leads to`);
  }
  throw new GhlAuthError(
    'configuration',
    'no code was pasted and there is no terminal to ask on: run `ghl-auth login` in a terminal, or authorize with the URL above and run `ghl-auth exchange --code CODE` at once, or use a loopback GHL_REDIRECT_URI (http://localhost:PORT/...) registered for the app',
  );
}
