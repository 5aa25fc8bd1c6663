import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { agencyLocations } from '../src/fake-ghl/setup.js';
import { collect, Sandbox, unusedPort, verdict, type RunOptions, type RunResult } from './helpers.js';

interface Login {
  child: ChildProcess;
  /** The authorization URL login printed, once its listener (or prompt) is ready. */
  url: Promise<URL>;
  result: Promise<RunResult>;
}

/** Starts `ghl-auth login` and watches its output for the authorization URL. */
function startLogin(box: Sandbox, args: string[], options: RunOptions = {}): Login {
  const child = box.spawn(['login', '--no-browser', ...args], options);
  const result = collect(child, options).then((run) => {
    box.assertNoSecrets(run.stdout + run.stderr);
    return run;
  });
  let seen = '';
  const url = new Promise<URL>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /^ {2}(https:\/\/\S+)$/m.exec(seen);
      if (match?.[1]) resolve(new URL(match[1]));
    });
    child.on('close', () => reject(new Error(`login ended without printing a URL:\n${seen}`)));
  });
  url.catch(() => undefined); // a login that ends early is judged by its result
  return { child, url, result };
}

/** What a browser does after the consent page: GET the redirect URI with the query GHL adds. */
async function redirect(url: URL, query: Record<string, string>): Promise<{ status: number; page: string }> {
  const target = new URL(String(url.searchParams.get('redirect_uri')));
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  const response = await fetch(target);
  return { status: response.status, page: await response.text() };
}

/**
 * Sends a request line as given (no URL normalisation, unlike fetch) to the listener of `url`'s redirect URI.
 * `hangUp` closes the connection right after sending, as a browser tab closed mid-load does.
 */
function rawGet(url: URL, target: string, hangUp = false): Promise<string> {
  const { hostname, port } = new URL(String(url.searchParams.get('redirect_uri')));
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
      if (hangUp) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('ghl-auth login', () => {
  let box: Sandbox;
  const loopbackBox = async () => (box = await Sandbox.create({ redirectUri: `http://127.0.0.1:${await unusedPort()}/oauth/callback` }));
  afterEach(async () => box.close());

  it('prints the authorization URL, takes the redirect with the right state, exchanges at once and saves 0600', async () => {
    await loopbackBox();
    const login = startLogin(box, []);
    const url = await login.url;
    const { setup } = box.fake.state;
    assert.equal(`${url.origin}${url.pathname}`, 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), setup.clientId);
    assert.equal(url.searchParams.get('redirect_uri'), setup.redirectUri);
    assert.equal(url.searchParams.get('scope'), 'contacts.readonly contacts.write');
    const state = String(url.searchParams.get('state'));
    assert.ok(state.length >= 32, 'state is long and random');

    const code = box.fake.state.issueCode();
    const answer = await redirect(url, { code, state });
    assert.equal(answer.status, 200);
    assert.match(answer.page, /authorized location LOC123demo/);
    assert.ok(!answer.page.includes(code));

    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.equal(box.fake.requestsTo('token')[0]?.form?.redirect_uri, setup.redirectUri);
    assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600);
    const saved = await box.readTokens();
    assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0);
    assert.match(result.stdout, /location LOC123demo \(company COMP456demo\)/);
    assert.match(result.stdout, /scopes contacts\.readonly contacts\.write/);
    assert.match(result.stdout, /access token expires \d{4}-\d\d-\d\dT.*\(in 23 h 59 min\)/);
    assert.equal(result.stderr, '', 'no warnings for a complete, matching token');
  });

  it('an agency install: the page and the report name the company and how many locations were approved, not "location (none)"', async () => {
    box = await Sandbox.create({ redirectUri: `http://127.0.0.1:${await unusedPort()}/oauth/callback`, locations: agencyLocations(3) });
    const login = startLogin(box, []);
    const url = await login.url;
    const answer = await redirect(url, { code: box.fake.state.issueCode({ agency: true }), state: String(url.searchParams.get('state')) });
    assert.equal(answer.status, 200);
    assert.match(answer.page, /authorized company COMP456demo \(agency install: 3 location\(s\) approved\) and saved its tokens/);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await box.readTokens()).token.userType, 'Company');
    assert.match(result.stdout, /^company COMP456demo, user type Company$/m);
    assert.match(result.stdout, /^token type Company \(agency install\): 3 location\(s\) approved at install, GHL_LOCATION_ID LOC123demo among them$/m);
    assert.doesNotMatch(answer.page + result.stdout, /\(none\)/);
  });

  it('a forged or missing state gets a 400 and nothing is exchanged; the listener keeps waiting', async () => {
    await loopbackBox();
    const login = startLogin(box, []);
    const url = await login.url;
    const code = box.fake.state.issueCode();
    const forged = await redirect(url, { code, state: 'forged-state' });
    assert.equal(forged.status, 400);
    assert.match(forged.page, /state is not the one of this login.*Nothing was exchanged/);
    assert.equal((await redirect(url, { code })).status, 400);
    assert.deepEqual(box.fake.requestsTo('token'), []);
    assert.equal(box.fake.state.codes.get(code)?.used, false, 'the code was not spent');

    assert.equal((await redirect(url, { code, state: String(url.searchParams.get('state')) })).status, 200);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token').length, 1);
  });

  it('access_denied ends with exit 3 and a clear message; nothing exchanged or saved', async () => {
    await loopbackBox();
    const login = startLogin(box, []);
    const url = await login.url;
    const answer = await redirect(url, { error: 'access_denied', error_description: 'The user denied access', state: String(url.searchParams.get('state')) });
    assert.equal(answer.status, 400);
    const result = await login.result;
    assert.equal(result.code, 3);
    assert.match(verdict(result), /refused on GHL's consent page \(access_denied: The user denied access\); nothing was saved.*ghl-auth login/);
    assert.equal(box.fake.requests.length, 0);
    await assert.rejects(stat(box.tokensFile));
  });

  it('a slow exchange is not cut off by --timeout once the right redirect arrived', async () => {
    await loopbackBox();
    box.fake.delayMs.token = 3000;
    const login = startLogin(box, ['--timeout', '2']);
    const url = await login.url;
    const answer = await redirect(url, { code: box.fake.state.issueCode(), state: String(url.searchParams.get('state')) });
    assert.equal(answer.status, 200);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /nothing was saved/);
    assert.ok((await box.readTokens()).token.refresh_token);
  });

  it('ends as soon as the tokens are saved, even when the browser left before the page was sent', async () => {
    await loopbackBox();
    box.fake.delayMs.token = 300;
    const login = startLogin(box, ['--timeout', '20']);
    const url = await login.url;
    const target = `${new URL(String(url.searchParams.get('redirect_uri'))).pathname}?code=${box.fake.state.issueCode()}&state=${String(url.searchParams.get('state'))}`;
    await rawGet(url, target, true);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.ms < 15_000, `ended after ${result.ms} ms, not at its timeout`);
    assert.ok((await box.readTokens()).token.refresh_token);
  });

  it('an unparseable request or an error redirect without this login\'s state gets a 400; login keeps waiting', async () => {
    await loopbackBox();
    const login = startLogin(box, []);
    const url = await login.url;
    for (const target of ['//x:99999', '//']) assert.match(await rawGet(url, target), /^HTTP\/1\.1 400 /, target);
    assert.equal((await redirect(url, { error: 'access_denied' })).status, 400);
    assert.equal((await redirect(url, { error: 'access_denied', state: 'forged-state' })).status, 400);
    assert.equal(login.child.exitCode, null, 'login is still waiting');

    assert.equal((await redirect(url, { code: box.fake.state.issueCode(), state: String(url.searchParams.get('state')) })).status, 200);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
  });

  it('gives up after --timeout with exit 3 and what to check', async () => {
    await loopbackBox();
    const login = startLogin(box, ['--timeout', '1']);
    await login.url;
    const result = await login.result;
    assert.equal(result.code, 3);
    assert.match(verdict(result), /no authorization reached http:\/\/127\.0\.0\.1:\d+\/oauth\/callback within 1 s.*GHL_REDIRECT_URI/);
    assert.ok(result.ms < 10_000, `ended after ${result.ms} ms`);
  });

  it('refuses to replace a token file without --force (exit 2, before any URL); with --force keeps a .bak', async () => {
    await loopbackBox();
    await box.writeTokens();
    const before = await readFile(box.tokensFile);
    const refused = await startLogin(box, []).result;
    assert.equal(refused.code, 2);
    assert.match(verdict(refused), /already exists.*--force.*\.bak/);
    assert.doesNotMatch(refused.stdout, /https:\/\//, 'no URL: the user is not sent to the consent page for nothing');
    assert.deepEqual(await readFile(box.tokensFile), before);

    const login = startLogin(box, ['--force']);
    const url = await login.url;
    await redirect(url, { code: box.fake.state.issueCode(), state: String(url.searchParams.get('state')) });
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(`${box.tokensFile}.bak`), before);
    assert.equal((await stat(`${box.tokensFile}.bak`)).mode & 0o777, 0o600);
    assert.notDeepEqual(await readFile(box.tokensFile), before);
    assert.match(result.stdout, /previous token file was kept as .*ghl_tokens\.json\.bak/);
  });

  it('warns when the authorized token lacks a scope or is for another location', async () => {
    await loopbackBox();
    const login = startLogin(box, []);
    const url = await login.url;
    await redirect(url, { code: box.fake.state.issueCode({ scope: 'contacts.readonly', locationId: 'OTHERloc' }), state: String(url.searchParams.get('state')) });
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: the token.s scopes lack contacts\.write/);
    assert.match(result.stderr, /warning: the token is for location OTHERloc, but GHL_LOCATION_ID is LOC123demo/);
  });
});

describe('ghl-auth login with a redirect URI this machine cannot listen on (paste)', () => {
  let box: Sandbox;
  afterEach(async () => box.close());

  it('takes the URL the browser landed on, pasted on stdin, checks its state and exchanges', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const login = startLogin(box, [], { keepStdinOpen: true });
    const url = await login.url;
    const code = box.fake.state.issueCode();
    login.child.stdin?.end(`https://google.com/?code=${code}&state=${String(url.searchParams.get('state'))}\n`);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token')[0]?.form?.redirect_uri, 'https://google.com/');
    assert.match(result.stdout, /tokens saved to .*ghl_tokens\.json/);
  });

  it('takes a bare code piped on stdin', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const result = await box.run(['login', '--no-browser'], { stdin: `${box.fake.state.issueCode()}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token').length, 1);
  });

  it('a pasted URL of another login is not exchanged (exit 3)', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const result = await box.run(['login', '--no-browser'], { stdin: `https://google.com/?code=${box.fake.state.issueCode()}&state=old\n` });
    assert.equal(result.code, 3);
    assert.match(verdict(result), /pasted URL was not accepted because its state/);
    assert.equal(box.fake.requests.length, 0);
  });

  it('a pasted URL of another login is refused and the next line is read, as the loopback listener does', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const login = startLogin(box, [], { keepStdinOpen: true });
    const url = await login.url;
    login.child.stdin?.write(`https://google.com/?code=${box.fake.state.issueCode()}&state=old\n`);
    login.child.stdin?.end(`https://google.com/?code=${box.fake.state.issueCode()}&state=${String(url.searchParams.get('state'))}\n`);
    const result = await login.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /That URL was not accepted because its state/);
    assert.equal(box.fake.requestsTo('token').length, 1, 'only the URL with the right state is exchanged');
  });

  it('with no terminal and nothing on stdin it says what to do instead (exit 2)', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const result = await box.run(['login', '--no-browser']);
    assert.equal(result.code, 2);
    assert.match(result.stdout, /chooselocation\?/, 'the URL is still printed');
    assert.match(verdict(result), /no terminal.*ghl-auth exchange --code CODE.*loopback GHL_REDIRECT_URI/);
  });
});
