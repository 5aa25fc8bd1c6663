import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import lockfile from 'proper-lockfile';
import { ghlError } from '../src/fake-ghl/server.js';
import { storeTimings } from '../src/store/timings.js';
import { chmodAdvice, collect, Sandbox, verdict } from './helpers.js';

const routes = (box: Sandbox) => box.fake.requests.map((r) => `${r.method} ${r.path}${r.form ? ` ${r.form.grant_type}` : ''}`);

describe('ghl-auth check (built CLI against the stand-in GHL)', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  it('first run exchanges the code, saves the whole response 0600, reads and tags the contact', async () => {
    const code = box.fake.state.issueCode();
    const result = await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: code } });
    assert.equal(result.code, 0, result.stderr);
    const { contactId, redirectUri } = box.fake.state.setup;
    assert.deepEqual(routes(box), ['POST /oauth/token authorization_code', `GET /contacts/${contactId}`, `POST /contacts/${contactId}/tags`]);
    const exchange = box.fake.requestsTo('token')[0];
    assert.match(String(exchange?.headers['content-type']), /^application\/x-www-form-urlencoded/);
    assert.equal(exchange?.headers.authorization, undefined);
    assert.deepEqual(Object.keys(exchange?.form ?? {}).sort(), ['client_id', 'client_secret', 'code', 'grant_type', 'redirect_uri', 'user_type']);
    assert.equal(exchange?.form?.redirect_uri, redirectUri);
    assert.equal(exchange?.form?.user_type, 'Location');
    for (const request of box.fake.requests.slice(1)) {
      assert.equal(request.headers.version, '2021-07-28');
      assert.equal(request.headers.accept, 'application/json');
      assert.match(String(request.headers.authorization), /^Bearer at-/);
    }
    assert.deepEqual(box.fake.requestsTo('tags')[0]?.json, { tags: ['Status:Online-AuthService'] });
    assert.deepEqual(box.fake.state.contacts.get(contactId)?.tags, ['Status:Online-AuthService']);

    assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600);
    const saved = await box.readTokens();
    assert.equal(saved.version, 1);
    assert.equal(saved.token.planId, 'PLANdemo', 'unknown fields of the response are kept');
    const lifetime = Date.parse(saved.expiresAt) - Date.parse(saved.obtainedAt);
    assert.equal(lifetime, 86_399_000);
    assert.match(result.stdout, /healthy: tag 'Status:Online-AuthService' added to contact 'CONTACT789demo' \(location LOC123demo\) in \d+ ms/);
  });

  it('second run reuses the saved tokens: the code is ignored with a warning, exactly 2 requests', async () => {
    const code = box.fake.state.issueCode();
    assert.equal((await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: code } })).code, 0);
    const before = await readFile(box.tokensFile, 'utf8');
    box.fake.requests.length = 0;
    const result = await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: code } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requests.length, 2);
    assert.deepEqual(box.fake.requestsTo('token'), []);
    assert.match(result.stdout, /GHL_AUTHORIZATION_CODE is ignored/);
    assert.equal(await readFile(box.tokensFile, 'utf8'), before);
  });

  it('an access token inside the refresh margin is refreshed once and the rotated pair saved before use', async () => {
    const old = await box.writeTokens(120); // margin is 300 s
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requests.length, 3);
    const refresh = box.fake.requestsTo('token')[0];
    assert.equal(refresh?.form?.grant_type, 'refresh_token');
    assert.equal(refresh?.form?.refresh_token, old.refresh_token);
    const saved = await box.readTokens();
    assert.notEqual(saved.token.refresh_token, old.refresh_token);
    assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, 'the saved refresh token is the live one');
    assert.equal(box.fake.requestsTo('contact')[0]?.headers.authorization, `Bearer ${String(saved.token.access_token)}`);
    assert.deepEqual((await readdir(box.dir)).filter((name) => name.includes('.refreshing')), [], 'claims removed after the save');
  });

  it('a 401 "Invalid JWT" on a token believed valid is fixed by one refresh and one retry', async () => {
    const old = await box.writeTokens();
    box.fake.state.revokeAccessToken(String(old.access_token));
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(routes(box).map((r) => r.split(' ')[0] + ' ' + (r.includes('token') ? 'token' : r.endsWith('tags') ? 'tags' : 'contact')), ['GET contact', 'POST token', 'GET contact', 'POST tags']);
  });

  it('a scope 401 is not "fixed" by burning a refresh: exit 3, no token request', async () => {
    await box.writeTokens(3600, { scope: 'contacts.readonly' });
    const result = await box.run(['check']);
    assert.equal(result.code, 3);
    assert.match(verdict(result), /scope.*contacts\.write.*ghl-auth login --force/);
    assert.deepEqual(box.fake.requestsTo('token'), []);
  });

  it('retries 429, 503 and a connection reset, then succeeds', async () => {
    await box.writeTokens();
    box.fake.fail('contact', { kind: 'status', status: 429, body: {}, headers: { 'Retry-After': '1' } }, ghlError(503, 'Service Unavailable'));
    box.fake.fail('tags', { kind: 'reset' });
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('contact').length, 3);
    assert.equal(box.fake.requestsTo('tags').length, 2);
    assert.ok(result.ms >= 1000, 'Retry-After: 1 was honoured');
  });

  it('a persistent 500 ends in exit 4 after the retries, tokens untouched', async () => {
    await box.writeTokens();
    const before = await readFile(box.tokensFile, 'utf8');
    box.fake.fail('contact', ...Array.from({ length: 4 }, () => ghlError(500, 'Internal server error')));
    const result = await box.run(['check']);
    assert.equal(result.code, 4);
    assert.equal(box.fake.requestsTo('contact').length, 4);
    assert.match(verdict(result), /kept answering 500 after 4 attempts.*next run will try again \[ghl_unavailable\]/);
    assert.equal(await readFile(box.tokensFile, 'utf8'), before);
  });

  it('a GHL that accepts and never answers ends in exit 4 within the run deadline', async () => {
    await box.writeTokens();
    box.fake.fail('contact', { kind: 'hang' });
    const result = await box.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '2' }, timeoutMs: 15_000 });
    assert.equal(result.code, 4);
    assert.match(verdict(result), /deadline/);
    assert.ok(result.ms < 10_000, `ended after ${result.ms} ms`);
  });

  it('Invalid grant on refresh: exit 3 with how to re-authorize, the pair kept as it was and marked spent', async () => {
    await box.writeTokens(-60);
    const before = await box.readTokens();
    box.fake.fail('token', ghlError(400, 'Invalid grant: refresh token is invalid'));
    const result = await box.run(['check']);
    assert.equal(result.code, 3);
    assert.match(verdict(result), /Invalid grant.*ghl-auth login --force/);
    const { refreshTokenSpent, ...after } = (await box.readTokens()) as Record<string, unknown>;
    assert.deepEqual(after, before);
    assert.ok(refreshTokenSpent);
  });

  it('a 401 that survives the refresh it caused: exit 3 saying the token was refreshed and GHL still rejects it', async () => {
    await box.writeTokens();
    box.fake.fail('contact', ghlError(401, 'Invalid JWT', 'Unauthorized'), ghlError(401, 'Invalid JWT', 'Unauthorized'));
    const result = await box.run(['check']);
    assert.equal(result.code, 3, result.stderr);
    assert.deepEqual(box.fake.requestsTo('token').map((request) => request.form?.grant_type), ['refresh_token'], 'one refresh, then no more');
    assert.match(verdict(result), /^ghl-auth: GHL rejected the access token \(401 "Invalid JWT" \(GHL traceId [\w-]+\)\) even after ghl-auth refreshed it, so it is not an expired token: re-authorize \(ghl-auth login --force\) \[reauthorization_required\]$/);
  });

  it('warns once when the .env holding GHL_CLIENT_SECRET is open to group or others (0644), not at 0600; the exit code is unchanged', async () => {
    await box.writeTokens();
    const envFile = await box.writeSecretEnvFile(0o600);
    const env = { GHL_CLIENT_SECRET: undefined };
    const owned = await box.run(['check'], { env });
    assert.equal(owned.code, 0, owned.stderr);
    assert.deepEqual(chmodAdvice(owned), []);
    await chmod(envFile, 0o644);
    const open = await box.run(['check'], { env });
    assert.equal(open.code, 0, open.stderr);
    const [warning, ...more] = chmodAdvice(open);
    assert.deepEqual(more, []);
    assert.ok(warning?.includes(`${envFile} holds GHL_CLIENT_SECRET and is open to its group or others (mode 644): chmod 600 ${envFile}`), warning);
    assert.equal(JSON.parse(String(warning)).level, 40, 'a warning in the log');
    const failing = await box.run(['check'], { env: { ...env, GHL_HEALTH_CHECK_CONTACT_ID: undefined } });
    assert.equal(failing.code, 2, 'a configuration problem is exit 2 all the same');
    assert.equal(chmodAdvice(failing).length, 1);
  });

  it('Location is not active: exit 4, tokens kept', async () => {
    await box.writeTokens(-60);
    const before = await readFile(box.tokensFile);
    box.fake.state.locationActive = false;
    const result = await box.run(['check']);
    assert.equal(result.code, 4);
    assert.match(verdict(result), /not active.*tokens were kept/);
    assert.deepEqual(await readFile(box.tokensFile), before);
  });

  it('a corrupt token file: exit 2 naming the file and the way out, file untouched', async () => {
    await writeFile(box.tokensFile, '{"version":1,"token":{"access_tok');
    const result = await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: box.fake.state.issueCode() } });
    assert.equal(result.code, 2);
    assert.ok(verdict(result).includes(box.tokensFile));
    assert.match(verdict(result), /not valid JSON.*left untouched/);
    assert.equal(await readFile(box.tokensFile, 'utf8'), '{"version":1,"token":{"access_tok');
    assert.equal(box.fake.requests.length, 0);
  });

  it('no token file and no code: exit 2 explaining how to authorize', async () => {
    const result = await box.run(['check']);
    assert.equal(result.code, 2);
    assert.match(verdict(result), /no token file.*ghl-auth login.*GHL_AUTHORIZATION_CODE/);
  });

  it('missing and invalid configuration: exit 2 naming every variable, echoing no value', async () => {
    const result = await box.run(['check'], {
      env: { GHL_CLIENT_ID: '', GHL_CLIENT_SECRET: undefined, GHL_HEALTH_CHECK_CONTACT_ID: undefined, GHL_API_BASE_URL: 'ftp://nope', GHL_USER_TYPE: 'Agency' },
    });
    assert.equal(result.code, 2);
    const line = verdict(result);
    for (const name of ['GHL_CLIENT_ID', 'GHL_CLIENT_SECRET', 'GHL_HEALTH_CHECK_CONTACT_ID', 'GHL_API_BASE_URL', 'GHL_USER_TYPE']) assert.ok(line.includes(name), `${name} in: ${line}`);
    assert.ok(!line.includes('ftp://nope') && !line.includes('Agency'));
  });

  it('a token for another location is a configuration error (exit 2)', async () => {
    await box.writeTokens(3600, { locationId: 'OTHERloc' });
    const result = await box.run(['check']);
    assert.equal(result.code, 2);
    assert.match(verdict(result), /location OTHERloc, but GHL_LOCATION_ID is LOC123demo/);
  });

  it('8 concurrent runs with an expired token spend the refresh token exactly once and all pass', async () => {
    const old = await box.writeTokens(-60);
    box.fake.delayMs.token = 300;
    const runs = await Promise.all(Array.from({ length: 8 }, () => collect(box.spawn(['check']))));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      box.assertNoSecrets(run.stdout + run.stderr);
    }
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.equal(box.fake.state.refreshTokens.get(String(old.refresh_token))?.uses, 1);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
    assert.equal(box.fake.requestsTo('tags').length, 8);
    await box.readTokens();
  });

  it('a lock held by a live run past the bound ends in exit 5, tokens untouched', async () => {
    await box.writeTokens(-60);
    const before = await readFile(box.tokensFile, 'utf8');
    const release = await lockfile.lock(box.tokensFile, { realpath: false, stale: 2_000 }); // kept fresh while held
    try {
      // The wait follows from the deadline: a short one keeps this test fast (the real 20 s is in the reliability suite's reach).
      const deadlineSeconds = 3;
      const result = await box.run(['check'], { timeoutMs: 40_000, env: { GHL_CHECK_TIMEOUT_SECONDS: String(deadlineSeconds) } });
      assert.equal(result.code, 5, result.stderr);
      assert.match(verdict(result), new RegExp(`locked by another ghl-auth run \\(waited ${storeTimings(deadlineSeconds).waitMs / 1000} s\\); try again later.*\\[token_file_locked\\]$`));
      assert.equal(box.fake.requests.length, 0);
      assert.equal(await readFile(box.tokensFile, 'utf8'), before);
    } finally {
      await release();
    }
  });

  it('--help lists the exit codes, --version prints the version', async () => {
    const help = await box.run(['check', '--help']);
    assert.equal(help.code, 0);
    for (const line of ['0  healthy', '3  re-authorization required', '5  token file or Postgres store locked']) assert.ok(help.stdout.includes(line), line);
    const version = await box.run(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('--env-file is ours, not Node\'s: a missing file is a configuration error (exit 2), a present one is read', async () => {
    const missing = await box.run(['--env-file', 'missing.env', 'check']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(verdict(missing), /missing\.env does not exist/);
    await writeFile(`${box.dir}/custom.env`, 'GHL_HEALTH_CHECK_CONTACT_ID="from-the-file" # quoted, with a comment\n');
    await box.writeTokens();
    const custom = await box.run(['--env-file', 'custom.env', 'check'], { env: { GHL_HEALTH_CHECK_CONTACT_ID: undefined } });
    assert.equal(custom.code, 2);
    assert.match(verdict(custom), /contact 'from-the-file'/);
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const result = await box.run(['chek']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command/);
  });
});

describe('ghl-auth demo', () => {
  it('runs exchange, check, forced refresh and check against the built-in stand-in', async () => {
    const box = await Sandbox.create();
    try {
      const result = await box.run(['demo']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /POST \/oauth\/token \(authorization_code\)/);
      assert.match(result.stdout, /POST \/oauth\/token \(refresh_token\)/);
      assert.equal(result.stdout.match(/healthy: tag/g)?.length, 3);
      assert.match(result.stdout, /mode 600/);
      assert.match(result.stdout, /0 refresh token\(s\) spent twice/);
      assert.doesNotMatch(result.stdout + result.stderr, /demo-client-secret|"(at|rt)-[0-9a-f]{36}/);
    } finally {
      await box.close();
    }
  });

  it('piped (`demo | cat`), its output is the story alone: its warnings are lines of it, not JSON log lines', async () => {
    const box = await Sandbox.create();
    try {
      const result = await box.run(['demo']); // stdout and stderr are pipes here, not a terminal
      assert.equal(result.code, 0, result.stderr);
      const jsonLines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => {
        try {
          return typeof JSON.parse(line) === 'object';
        } catch {
          return false;
        }
      });
      assert.deepEqual(jsonLines, []);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^ghl-auth demo, part 1/m);
      assert.match(result.stdout, /^ {3}log WARN: GHL_AUTHORIZATION_CODE is ignored: a token file exists/m);
      assert.match(result.stdout, /^ {3}log WARN: GHL answered 400 "Location is not active"/m);
      assert.match(result.stdout, /^Next, with your own app/m);
    } finally {
      await box.close();
    }
  });
});
