import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { checkSummary, runCheck, type CheckResult } from '../check.js';
import { CREDENTIALS, parseConfig, type Env } from '../config.js';
import { FakeGhl } from '../fake-ghl/server.js';
import { agencyLocations } from '../fake-ghl/setup.js';
import { refreshNow } from '../lifecycle/obtain.js';
import { tokenHint, type Logger } from '../logger.js';
import { assembleRuntime } from '../runtime.js';

type Say = (line: string) => void;

/**
 * The README's "try it in one command": the same config parsing, store, lock, grants and check that
 * cron runs, pointed at the stand-in of GHL on a loopback port, in a throw-away directory. First a
 * sub-account install, then an agency install (`--agency`: only that).
 */
export async function demoCommand(options: { agency?: boolean } = {}): Promise<void> {
  const say: Say = (line) => process.stdout.write(`${line}\n`);
  const log = storyLog(say);
  if (!options.agency) await inStandIn({}, (fake, dir) => locationDemo(fake, dir, log, say));
  await inStandIn({ locations: agencyLocations(3, { inactive: [2] }) }, (fake, dir) => agencyDemo(fake, dir, log, say));
  say('Next, with your own app: copy .env.example to .env, fill it in, then run `npx ghl-auth login` (see README).');
}

/**
 * The runs' warnings as lines of the story, under the step that met them, the same on a terminal and
 * in a pipe (a JSON log line there would break the narrative). The message alone: it names what the
 * fields say, and the fields are where a real run's log keeps (and redacts) the details.
 */
function storyLog(say: Say): Logger {
  const write = (line: string) => {
    const { level, msg } = JSON.parse(line) as { level: number; msg?: string };
    say(`   log ${(pino.levels.labels[level] ?? String(level)).toUpperCase()}: ${msg ?? ''}`);
  };
  return pino({ level: 'warn', base: null, timestamp: false }, { write });
}

async function inStandIn(setup: Parameters<typeof FakeGhl.start>[0], demo: (fake: FakeGhl, dir: string) => Promise<void>): Promise<void> {
  const fake = await FakeGhl.start(setup);
  const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-demo-'));
  try {
    await demo(fake, dir);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function envFor(fake: FakeGhl, code: string, more: Env = {}): Env {
  const { setup } = fake.state;
  return {
    GHL_CLIENT_ID: setup.clientId,
    GHL_CLIENT_SECRET: setup.clientSecret,
    GHL_REDIRECT_URI: setup.redirectUri,
    GHL_LOCATION_ID: setup.locationId,
    GHL_HEALTH_CHECK_CONTACT_ID: setup.contactId,
    GHL_API_BASE_URL: fake.url,
    GHL_AUTHORIZATION_CODE: code,
    LOG_LEVEL: 'warn',
    ...more,
  };
}

/** Runs `work` as a numbered step and says which requests GHL saw. */
function stepper(fake: FakeGhl, say: Say) {
  return async (title: string, work: () => Promise<string>) => {
    const before = fake.requests.length;
    say(title);
    const outcome = await work();
    const requests = fake.requests.slice(before).map((request) => `${request.method} ${request.path.replace(/\?.*/, '')}${request.form?.grant_type ? ` (${request.form.grant_type})` : ''}`);
    say(`   GHL saw ${requests.length} request(s): ${summarize(requests)}`);
    say(`   ${outcome}\n`);
  };
}

async function locationDemo(fake: FakeGhl, dir: string, log: Logger, say: Say): Promise<void> {
  const config = parseConfig(envFor(fake, fake.state.issueCode()), dir, [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']);
  say(`ghl-auth demo, part 1, a sub-account (Location) install: stand-in of GHL at ${fake.url}, token file ${config.tokensFile}\n`);
  const step = stepper(fake, say);
  const check = async () => checkSummary(await runCheck(assembleRuntime(config, log)));
  await step('1. First run: no token file, GHL_AUTHORIZATION_CODE set -> exchange the code, save, check', check);
  say(`   token file written with mode ${((await stat(config.tokensFile)).mode & 0o777).toString(8)}\n`);
  await step('2. Second run: the code is still set but ignored (single-use); the saved token is reused', check);
  await step('3. Forced refresh: the refresh token is spent and the rotated pair saved before use', async () => {
    const { stored } = await refreshNow(assembleRuntime(config, log), true);
    return `new access token ${tokenHint(stored.token.access_token)}, expires ${stored.expiresAt}`;
  });
  await step('4. Check with the rotated token', check);
  say(`Part 1 done: ${fake.requests.length} requests to GHL, ${fake.state.refreshTokensSpentTwice} refresh token(s) spent twice.\n`);
}

async function agencyDemo(fake: FakeGhl, dir: string, log: Logger, say: Say): Promise<void> {
  const env = envFor(fake, fake.state.issueCode({ agency: true }), { GHL_CHECK_LOCATIONS: 'all' });
  const config = parseConfig(env, dir, [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']);
  say(`ghl-auth demo, part 2, an agency install (GHL_CHECK_LOCATIONS=all): three locations, one of them inactive\n`);
  const step = stepper(fake, say);
  const check = (settings: typeof config) => async () => describeRun(await runCheck(assembleRuntime(settings, log)));
  await step('1. First run: the agency code is exchanged for a Company token; a Location token is minted per location', check(config));
  await step('2. Second run: the cached Location tokens are reused; only the Company refresh token would ever rotate', check({ ...config, authorizationCode: undefined }));
  say(`Part 2 done: ${fake.requests.length} requests to GHL, ${[...fake.state.mints.values()].reduce((a, b) => a + b, 0)} Location token(s) minted, ${fake.state.refreshTokensSpentTwice} refresh token(s) spent twice.\n`);
}

function describeRun(result: CheckResult): string {
  const { report } = result;
  const lines = report.locations.map((location) => `     ${location.locationId.padEnd(14)} ${(location.name ?? '').padEnd(14)} exit ${location.exitCode}  ${location.exitCode === 0 ? 'healthy' : location.reason}`);
  return [`${result.tokenType} token, ${result.minted} Location token(s) minted this run; the run exits ${report.exitCode} (its worst location):`, ...lines].join('\n');
}

/** "GET /locations/X" three times reads as one line with a count. */
function summarize(requests: string[]): string {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(request, (counts.get(request) ?? 0) + 1);
  return [...counts].map(([request, count]) => (count > 1 ? `${request} x${count}` : request)).join(', ');
}
