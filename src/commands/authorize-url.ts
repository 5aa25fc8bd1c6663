import { authorizationUrl, newState } from '../oauth/authorization-url.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';

/** Only the URL on stdout, so it can be piped or pasted into a message to whoever installs the app. */
export async function authorizeUrlCommand(globals: GlobalOptions): Promise<void> {
  const { config } = await createRuntime(globals, ['GHL_CLIENT_ID', 'GHL_REDIRECT_URI'], { logFd: 2 });
  process.stdout.write(`${authorizationUrl(config, newState())}\n`);
}
