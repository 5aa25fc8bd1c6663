import { CREDENTIALS, type Config } from '../config.js';
import { awaitAuthorization, isLoopback } from '../login/callback-listener.js';
import { openBrowser } from '../login/open-browser.js';
import { readPastedCode } from '../login/paste.js';
import { authorizationUrl, newState } from '../oauth/authorization-url.js';
import { assembleRuntime, createRuntime, type GlobalOptions } from '../runtime.js';
import { assertReplaceable, authorizeWithCode, type Replaced } from '../lifecycle/replace.js';
import { describeAuthorized } from '../tokens/token-reach.js';
import { reportSaved } from './report-saved.js';

export interface LoginOptions {
  force?: boolean;
  browser: boolean;
  timeout: number;
}

/**
 * The whole first authorization: the consent URL, then the code from the loopback redirect (or
 * pasted), exchanged the moment it arrives, so no code waits in .env for a run that may come too late.
 */
export async function loginCommand(globals: GlobalOptions, options: LoginOptions): Promise<void> {
  const { config, log, store, now, secrets } = await createRuntime(globals, [...CREDENTIALS, 'GHL_REDIRECT_URI']);
  const force = Boolean(options.force);
  await assertReplaceable(store, force); // before the user spends time on the consent page
  // Sent exactly as configured: GHL compares it with the registered redirect URI as a string.
  const registered = config.redirectUri;
  const redirectUri = new URL(registered);
  const state = newState();
  const url = authorizationUrl(config, state);
  const show = () => {
    process.stdout.write(`Open this URL in a browser, choose the location and allow access:\n\n  ${url}\n\n`);
    if (options.browser) openBrowser(url, log);
  };
  // The run deadline starts when the code arrives, not while the user is on the consent page.
  const authorize = (code: string) => authorizeWithCode(assembleRuntime(config, log, secrets), code, registered, force);
  let replaced: Replaced;
  if (isLoopback(redirectUri)) {
    replaced = await awaitAuthorization({
      redirectUri,
      state,
      timeoutSeconds: options.timeout,
      ready: () => {
        show();
        process.stdout.write(`Waiting for GHL's redirect to ${redirectUri.href} (up to ${options.timeout} s)...\n`);
      },
      authorize,
      describe: ({ stored }) => `ghl-auth authorized ${describeAuthorized(stored)} and saved its tokens.`,
    });
  } else {
    show();
    const code = await readPastedCode({ input: process.stdin, ask: (text) => process.stderr.write(text), state, timeoutSeconds: options.timeout });
    replaced = await authorize(code);
  }
  reportSaved(replaced, config, now());
  process.stdout.write(nextStep(config));
}

const nextStep = (config: Config) =>
  `Next: \`ghl-auth check\`${config.contactId ? '' : ' (after setting GHL_HEALTH_CHECK_CONTACT_ID)'}; \`ghl-auth status\` shows the connection at any time.\n`;
