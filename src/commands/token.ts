import { accessTokenFor } from '../lifecycle/access-token.js';
import { forCaller } from '../caller-wording.js';
import { CREDENTIALS } from '../config.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';

export interface TokenOptions {
  location?: string;
  minTtl?: number;
  json?: boolean;
}

/**
 * The token broker: other programs ask for the access token instead of reading (and refreshing) the
 * token file themselves. stdout holds the answer and nothing else; logs go to stderr. No alert, ping,
 * metrics or last-run record: a building block, not a check.
 */
export async function tokenCommand(globals: GlobalOptions, options: TokenOptions): Promise<void> {
  const runtime = await createRuntime(globals, CREDENTIALS, { logFd: 2 });
  const token = await forCaller(accessTokenFor(runtime, { location: options.location, minTtlSeconds: options.minTtl }));
  process.stdout.write(options.json ? `${JSON.stringify(token, null, 2)}\n` : `${token.accessToken}\n`);
}
