import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ghlError } from '../src/fake-ghl/server.js';
import { collect, Sandbox, verdict, type RunResult } from './helpers.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

describe('ghl-auth token (built CLI, stand-in GHL)', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** Runs `token`; stdout may hold the access token (that is its job), stderr never a secret. */
  async function token(args: string[] = [], env: Record<string, string | undefined> = {}): Promise<RunResult> {
    return checked(await collect(box.spawn(['token', ...args], { env })));
  }
  function checked(result: RunResult): RunResult {
    box.assertNoSecrets(result.stderr);
    if (result.code !== 0) box.assertNoSecrets(result.stdout);
    return result;
  }
  /** stdout is exactly one token GHL would accept, and a newline. */
  function liveTokenOn(result: RunResult): string {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[^\s]+\n$/);
    const printed = result.stdout.slice(0, -1);
    assert.ok(box.fake.state.accessGrant(printed), 'the printed token is not one the stand-in accepts');
    return printed;
  }

  it('8 runs at once with an expired access token spend the refresh token once; each prints the one live token', async () => {
    const old = await box.writeTokens(-60);
    box.fake.delayMs.token = 300;
    const runs = await Promise.all(Array.from({ length: 8 }, () => collect(box.spawn(['token']))));
    const printed = runs.map((run) => liveTokenOn(checked(run)));
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.equal(box.fake.state.refreshTokens.get(String(old.refresh_token))?.uses, 1);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
    assert.deepEqual(new Set(printed), new Set([(await box.readTokens()).token.access_token]));
    assert.notEqual(printed[0], old.access_token);
    // A building block, not a check: no contact read, no tag, no last-run record.
    assert.equal(box.fake.requests.length, 1);
  });

  it('a valid token is printed as stored, without a request', async () => {
    const stored = await box.writeTokens(3600);
    assert.equal(liveTokenOn(await token()), stored.access_token);
    assert.equal(box.fake.requests.length, 0);
  });

  it('a valid token is read without the lock: a run holding it (or a stuck one) does not hold up callers', async () => {
    const saved = await box.writeTokens();
    // The lock as a live run holds it (proper-lockfile's directory, fresh); a caller that waited for it would exit 5.
    await mkdir(`${box.tokensFile}.lock`);
    const result = await token([], { GHL_CHECK_TIMEOUT_SECONDS: '3' });
    assert.equal(liveTokenOn(result), saved.access_token);
    assert.equal(box.fake.requests.length, 0);
  });

  it('--json prints the token and what it is for', async () => {
    const stored = await box.writeTokens(3600);
    const result = await token(['--json']);
    assert.equal(result.code, 0, result.stderr);
    const { setup } = box.fake.state;
    assert.deepEqual(JSON.parse(result.stdout), {
      accessToken: stored.access_token,
      expiresAt: (await box.readTokens()).expiresAt,
      locationId: setup.locationId,
      companyId: setup.companyId,
      userType: 'Location',
      scopes: setup.scope.split(' '),
    });
  });

  it('--min-ttl beyond the remaining life refreshes; within it, nothing is requested', async () => {
    const stored = await box.writeTokens(3600);
    assert.equal(liveTokenOn(await token(['--min-ttl', '3000'])), stored.access_token);
    assert.equal(box.fake.requests.length, 0);
    const fresh = liveTokenOn(await token(['--min-ttl', '7200']));
    assert.notEqual(fresh, stored.access_token);
    assert.equal(box.fake.requestsTo('token').length, 1);
  });

  it('--min-ttl out of bounds: exit 2 naming the option, nothing requested', async () => {
    await box.writeTokens(-60);
    for (const value of ['43201', '-1', '1.5', '1e3', '', 'soon']) {
      const result = await token(['--min-ttl', value]);
      assert.equal(result.code, 2, value);
      assert.match(result.stderr, /--min-ttl.*from 0 to 43200/);
      assert.equal(result.stdout, '');
    }
    assert.equal(box.fake.requests.length, 0);
  });

  it('a token for another location than --location or GHL_LOCATION_ID: exit 2, nothing on stdout', async () => {
    await box.writeTokens(3600);
    const asked = await token(['--location', 'OTHERloc']);
    assert.equal(asked.code, 2);
    assert.equal(asked.stdout, '');
    assert.match(verdict(asked), /token is for location LOC123demo, not OTHERloc \(the location asked for\).*\[configuration\]$/);
    const configured = await token([], { GHL_LOCATION_ID: 'OTHERloc' });
    assert.equal(configured.code, 2);
    assert.match(verdict(configured), /not OTHERloc \(GHL_LOCATION_ID\)/);
    assert.equal(liveTokenOn(await token(['--location', 'LOC123demo'], { GHL_LOCATION_ID: 'OTHERloc' })).length > 0, true);
  });

  it('a Company token (agency install) and no location asked for or configured: exit 2, nothing minted', async () => {
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await token([], { GHL_LOCATION_ID: undefined });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(verdict(result), /Company \(agency\) token.*GHL_LOCATION_ID.*--location/);
    assert.deepEqual(box.fake.requestsTo('locationToken'), []);
  });

  it('a temporary failure says to try again later, never "the next run": a program asked, not cron', async () => {
    await box.writeTokens(-60);
    box.fake.fail('token', ghlError(400, 'Something unexpected'));
    const odd = await token();
    assert.equal(odd.code, 4, odd.stderr);
    assert.match(verdict(odd), /^ghl-auth: GHL answered the token request with 400 "Something unexpected" \(GHL traceId [\w-]+\); try again later \[ghl_unexpected_response\]$/);
    await box.writeTokens(3600, { userType: 'Company' });
    box.fake.state.locationActive = false;
    const inactive = await token();
    assert.equal(inactive.code, 4, inactive.stderr);
    assert.match(verdict(inactive), /location is not active .*; tokens were kept, try again later \[location_inactive\]$/);
    await box.writeTokens(-60);
    box.fake.fail('token', { kind: 'status', status: 200, body: { ...box.fake.state.issueTokens(), access_token: undefined } });
    const unusable = await token();
    assert.equal(unusable.code, 4, unusable.stderr);
    assert.match(verdict(unusable), /the new refresh token was saved, due at once, so the next check or `token` refreshes with it/);
    assert.doesNotMatch(odd.stderr + inactive.stderr + unusable.stderr, /next run/);
  });

  it('no token file: exit 2; a dead refresh token: exit 3; logs stay on stderr', async () => {
    const missing = await token();
    assert.equal(missing.code, 2);
    assert.match(verdict(missing), /no token file/);
    const stored = await box.writeTokens(-60);
    box.fake.state.spendRefreshToken(String(stored.refresh_token));
    const dead = await token();
    assert.equal(dead.code, 3, dead.stderr);
    assert.equal(dead.stdout, '');
    assert.match(dead.stderr, /refreshing the access token/); // the log, on stderr
  });
});

describe("getAccessToken() from a program that installed the package (npm pack, imported by name)", () => {
  let box: Sandbox;
  let consumerDir: string;
  before(async () => {
    consumerDir = await mkdtemp(join(tmpdir(), 'ghl-auth-consumer-'));
    const packageDir = join(consumerDir, 'node_modules/ghl-auth');
    await mkdir(packageDir, { recursive: true });
    // What users get: the packed files (package.json "files"), not the checkout. dist/ is built by `npm test`.
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumerDir], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [{ filename: string }];
    execFileSync('tar', ['xzf', join(consumerDir, packed.filename), '-C', packageDir, '--strip-components=1']);
    await writeFile(
      join(consumerDir, 'consumer.mjs'),
      `import { getAccessToken, GhlAuthError, exitCodeOf } from 'ghl-auth';
try {
  process.stdout.write(JSON.stringify(await getAccessToken(JSON.parse(process.argv[2] ?? '{}'))));
} catch (error) {
  process.stdout.write(JSON.stringify({ typed: error instanceof GhlAuthError, code: error.code, exitCode: exitCodeOf(error), message: error.message }));
}
`,
    );
    box = await Sandbox.create();
  });
  after(async () => {
    await box?.close();
    await rm(consumerDir, { recursive: true, force: true });
  });

  const consumer = async (options: object = {}) => {
    const result = await collect(spawn(process.execPath, [join(consumerDir, 'consumer.mjs'), JSON.stringify(options)], { cwd: box.dir, env: box.env() }));
    assert.equal(result.code, 0, result.stderr);
    box.assertNoSecrets(result.stderr);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  const failure = ({ typed, code, exitCode }: Record<string, unknown>) => ({ typed, code, exitCode });

  it('fails with a typed error carrying the stable code', async () => {
    assert.deepEqual(failure(await consumer()), { typed: true, code: 'token_file_missing', exitCode: 2 });
    assert.deepEqual(failure(await consumer({ minTtlSeconds: 86_400 })), { typed: true, code: 'configuration', exitCode: 2 });
  });

  it('a temporary failure says to try again later, never "the next run"', async () => {
    await box.writeTokens(-60);
    box.fake.fail('token', ghlError(400, 'Something unexpected'));
    const failed = await consumer();
    assert.deepEqual(failure(failed), { typed: true, code: 'ghl_unexpected_response', exitCode: 4 });
    assert.match(String(failed.message), /^GHL answered the token request with 400 "Something unexpected" \(GHL traceId [\w-]+\); try again later$/);
    box.fake.requests.length = 0; // the box is shared: the next test counts the requests it causes
  });

  it('its types resolve by name and describe the answer (tsc against the installed copy)', async () => {
    await writeFile(
      join(consumerDir, 'typed.mts'),
      `import { getAccessToken, GhlAuthError, exitCodeOf, type AccessToken, type ErrorCode } from 'ghl-auth';
const token: AccessToken = await getAccessToken({ location: 'LOC1', minTtlSeconds: 60, envFile: '.env', cwd: '/', env: {} });
const fields: [string, string, string, string | null, string | null, string[]] = [token.accessToken, token.expiresAt, token.locationId, token.companyId, token.userType, token.scopes];
// @ts-expect-error: no such option
await getAccessToken({ minTtl: 60 });
const failure = new GhlAuthError('ghl_unavailable', 'down');
const code: ErrorCode = failure.code;
const exit: number = exitCodeOf(failure);
export { fields, code, exit };
`,
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const result = await collect(spawn(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', 'typed.mts'], { cwd: consumerDir }));
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('run alongside `check`, all with an expired token: the refresh token is spent once, and every caller gets a live token', async () => {
    const old = await box.writeTokens(-60);
    box.fake.delayMs.token = 300;
    const checks = Array.from({ length: 3 }, () => collect(box.spawn(['check'])));
    const tokens = await Promise.all(Array.from({ length: 4 }, () => consumer()));
    for (const check of await Promise.all(checks)) {
      assert.equal(check.code, 0, check.stderr);
      box.assertNoSecrets(check.stdout + check.stderr);
    }
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.equal(box.fake.state.refreshTokens.get(String(old.refresh_token))?.uses, 1);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
    for (const token of tokens) {
      assert.ok(box.fake.state.accessGrant(String(token.accessToken)));
      assert.equal(token.locationId, box.fake.state.setup.locationId);
    }
  });
});
