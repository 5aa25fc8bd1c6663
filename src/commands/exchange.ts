import { CREDENTIALS } from '../config.js';
import { GhlAuthError } from '../errors.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { authorizeWithCode } from '../lifecycle/replace.js';
import { reportSaved } from './report-saved.js';

/** The copy-the-code path: exchange a code obtained in a browser elsewhere, save the pair, nothing else. */
export async function exchangeCommand(globals: GlobalOptions, options: { code?: string; force?: boolean }): Promise<void> {
  const runtime = await createRuntime(globals, [...CREDENTIALS, 'GHL_REDIRECT_URI']);
  const { config } = runtime;
  const code = options.code ?? config.authorizationCode;
  if (!code) {
    throw new GhlAuthError('configuration', 'no authorization code: pass --code CODE (or set GHL_AUTHORIZATION_CODE); get one with `ghl-auth authorize-url`, or use `ghl-auth login`');
  }
  const replaced = await authorizeWithCode(runtime, code, config.redirectUri, Boolean(options.force));
  reportSaved(replaced, config, runtime.now());
  if (!options.code) process.stdout.write('Remove GHL_AUTHORIZATION_CODE from .env now: the code is spent.\n');
}
