import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSummary, runCheck } from '../check.js';
import { CREDENTIALS, parseConfig, type Env } from '../config.js';
import { FakeGhl } from '../fake-ghl/server.js';
import { createLogger, tokenHint } from '../logger.js';
import { assembleRuntime } from '../runtime.js';
import { refreshNow } from '../lifecycle/obtain.js';

/**
 * The README's "try it in one command": the same config parsing, store, lock, grants and check that
 * cron runs, pointed at the stand-in of GHL on a loopback port, in a throw-away directory.
 */
export async function demoCommand(): Promise<void> {
  const fake = await FakeGhl.start();
  const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-demo-'));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { setup } = fake.state;
    const env: Env = {
      GHL_CLIENT_ID: setup.clientId,
      GHL_CLIENT_SECRET: setup.clientSecret,
      GHL_REDIRECT_URI: setup.redirectUri,
      GHL_LOCATION_ID: setup.locationId,
      GHL_HEALTH_CHECK_CONTACT_ID: setup.contactId,
      GHL_API_BASE_URL: fake.url,
      GHL_AUTHORIZATION_CODE: fake.state.issueCode(),
      LOG_LEVEL: 'warn',
    };
    const config = parseConfig(env, dir, [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']);
    const log = await createLogger({ level: config.logLevel, service: 'ghl-auth-demo', pretty: Boolean(process.stdout.isTTY) });
    say(`ghl-auth demo: stand-in of GHL at ${fake.url}, token file ${config.tokensFile}\n`);

    const step = async (title: string, work: () => Promise<string>) => {
      const before = fake.requests.length;
      say(title);
      const outcome = await work();
      const requests = fake.requests.slice(before).map((request) => `${request.method} ${request.path}${request.form ? ` (${request.form.grant_type})` : ''}`);
      say(`   GHL saw ${requests.length} request(s): ${requests.join(', ')}`);
      say(`   ${outcome}\n`);
    };
    const check = async () => checkSummary(await runCheck(assembleRuntime(config, log)));

    await step('1. First run: no token file, GHL_AUTHORIZATION_CODE set -> exchange the code, save, check', check);
    const mode = ((await stat(config.tokensFile)).mode & 0o777).toString(8);
    say(`   token file written with mode ${mode}\n`);
    await step('2. Second run: the code is still set but ignored (single-use); the saved token is reused', check);
    await step('3. Forced refresh: the refresh token is spent and the rotated pair saved before use', async () => {
      const { stored } = await refreshNow(assembleRuntime(config, log), true);
      return `new access token ${tokenHint(stored.token.access_token)}, expires ${stored.expiresAt}`;
    });
    await step('4. Check with the rotated token', check);
    say(`Done: ${fake.requests.length} requests to GHL, ${fake.state.refreshTokensSpentTwice} refresh token(s) spent twice.`);
    say('Next, with your own app: copy .env.example to .env, fill it in, then run `npx ghl-auth login` (see README).');
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}
