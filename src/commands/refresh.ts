import { CREDENTIALS } from '../config.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';
import { refreshNow } from '../lifecycle/obtain.js';
import { relativeTime } from '../tokens/stored-tokens.js';

export async function refreshCommand(globals: GlobalOptions, options: { force?: boolean }): Promise<void> {
  const runtime = await createRuntime(globals, CREDENTIALS);
  const { stored, action } = await refreshNow(runtime, Boolean(options.force));
  const expiry = `${stored.expiresAt} (${relativeTime(Date.parse(stored.expiresAt), runtime.now())})`;
  const said: Record<typeof action, string> = {
    refreshed: `refreshed: the new access token expires ${expiry}`,
    exchanged: `no token file yet: exchanged GHL_AUTHORIZATION_CODE; the access token expires ${expiry}`,
    reused: `not refreshed: the access token is valid until ${expiry}, beyond the ${runtime.config.refreshMarginSeconds} s margin (--force refreshes anyway)`,
  };
  process.stdout.write(`${said[action]}\n`);
}
