import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { closeClient, connect } from '../src/store/postgres/connection.js';
import { connectionKeyOf, lockKeyOf } from '../src/store/postgres/row-codec.js';
import { collect, Sandbox, unusedPort, verdict, type RunOptions, type RunResult } from './helpers.js';
import { missingPostgres, TestPostgres } from './postgres-server.js';

const skip = missingPostgres();

describe('the Postgres token store (GHL_TOKEN_STORE), against a real server and the built CLI', { skip }, () => {
  let postgres: TestPostgres;
  let box: Sandbox;
  let schema: string;
  let schemas = 0;

  before(async () => {
    postgres = await TestPostgres.start();
  });
  after(async () => postgres?.close());
  beforeEach(async () => {
    box = await Sandbox.create();
    schema = `t${(schemas += 1)}`; // every test its own schema: the connection key is the same in every sandbox
  });
  afterEach(async () => box.close());

  /** The CLI on the Postgres store, as host `host`; no secret but `token`'s answer, and never the password, in its output. */
  const run = async (args: string[], options: RunOptions & { host?: string } = {}): Promise<RunResult> => {
    const result = await collect(box.spawn(args, { ...options, env: { ...storeEnv(options.host), ...options.env } }), options);
    box.assertNoSecrets(args[0] === 'token' ? result.stderr : result.stdout + result.stderr);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(postgres.password), 'the store password leaked');
    return result;
  };
  const storeEnv = (host = 'host-a') => ({ GHL_TOKEN_STORE: postgres.url(), GHL_TOKEN_STORE_SCHEMA: schema, HOSTNAME: host });
  const tokenRequests = () => box.fake.requestsTo('token').map((request) => request.form?.refresh_token);
  const row = async () => {
    const [found] = await postgres.query<{ tokens: { expiresAt: string; token: Record<string, string> }; refreshing: unknown; moved_to: string | null }>(`SELECT tokens, refreshing, moved_to FROM ${schema}.connections`);
    assert.ok(found, 'the store has the connection');
    return found;
  };

  /** Saves a pair GHL issued into the store the way a user would: `tokens import` of a token file. */
  async function seed(expiresInS: number, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const token = await box.writeTokens(expiresInS);
    const file = join(box.dir, 'seed.json');
    await rename(box.tokensFile, file);
    const imported = await run(['tokens', 'import', '--force', file], { env }); // --force: a test may seed again
    assert.equal(imported.code, 0, imported.stderr);
    return token;
  }

  it('check, token, status and exchange work on the store; the rotated pair is in the row, the old token presented once', async () => {
    const old = await seed(-60);
    const metricsFile = join(box.dir, 'ghl.prom');
    const check = await run(['check', '--metrics-file', metricsFile]);
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(tokenRequests(), [old.refresh_token]);
    const saved = await row();
    const expires = /^ghl_auth_token_expires_timestamp_seconds\{[^}]*\} (\d+)/m.exec(await readFile(metricsFile, 'utf8'))?.[1];
    assert.equal(Number(expires), Math.floor(Date.parse(saved.tokens.expiresAt) / 1000), 'the metrics read the expiry from the store');
    assert.notEqual(saved.tokens.token.refresh_token, old.refresh_token);
    assert.equal(saved.refreshing, null, 'the save clears the claim in the same update');
    const token = await run(['token']);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(token.stdout.trim(), saved.tokens.token.access_token);
    const status = await run(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`token store\\s+${postgres.shown.replace(/[/.]/g, '\\$&')}`));
    await assert.rejects(stat(box.tokensFile), 'nothing was written to the token file');
    const exchange = await run(['exchange', '--force', '--code', box.fake.state.issueCode()]);
    assert.equal(exchange.code, 0, exchange.stderr);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('32 runs from 4 hosts at once with an expired token: one refresh, every run exit 0', async () => {
    const old = await seed(-60);
    const runs = Array.from({ length: 32 }, (_, i) => run([i % 2 ? 'check' : 'token'], { host: `host-${i % 4}`, timeoutMs: 50_000 }));
    const results = await Promise.all(runs);
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(tokenRequests(), [old.refresh_token]);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('a run killed before it sent its claimed token: the next host sends it once, exit 0', async () => {
    const old = await seed(-60);
    // What the killed run left: its claim, committed before the request, its session (and lock) gone.
    const claim = { id: 'dead', refreshToken: (await fingerprintOf(old.refresh_token as string)), pid: 999_999, host: 'host-a', hostId: 'elsewhere', processStart: '1', startedAt: new Date().toISOString(), deadline: new Date().toISOString() };
    await postgres.query(`UPDATE ${schema}.connections SET refreshing = $1`, [claim]);
    const next = await run(['check'], { host: 'host-b' });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(tokenRequests(), [old.refresh_token]);
  });

  it('a run killed while GHL answered slowly: the next host names the lost rotation (exit 3) and the token is never sent a third time', async () => {
    const old = await seed(-60);
    box.fake.delayMs.token = 1_500;
    const child = box.spawn(['check'], { env: storeEnv('host-a') });
    const killed = collect(child);
    while (tokenRequests().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await killed;
    await new Promise((resolve) => setTimeout(resolve, 1_700)); // GHL rotates it, its answer goes nowhere
    box.fake.delayMs.token = 0;
    const next = await run(['check'], { host: 'host-b' });
    assert.equal(next.code, 3, next.stderr);
    assert.match(verdict(next), /stopped or cut off before it saved the new one, so the rotation was lost/);
    const again = await run(['token'], { host: 'host-c' });
    assert.equal(again.code, 3, again.stderr);
    assert.deepEqual(tokenRequests(), [old.refresh_token, old.refresh_token], 'once by the killed run, once to learn it was lost; never again');
  });

  it('GHL rotated the token but its answer was lost: exit 3 naming the lost answer, and no host sends the token again', async () => {
    const old = await seed(-60);
    box.fake.fail('token', { kind: 'reset', afterProcessing: true });
    const lost = await run(['check']);
    // As on the file store: the run's one retry of a reset meets "Invalid grant", which names the cause.
    assert.equal(lost.code, 3, lost.stderr);
    assert.match(verdict(lost), /the new pair's answer was lost/);
    const next = await run(['check'], { host: 'host-b' });
    assert.equal(next.code, 3, next.stderr);
    assert.deepEqual(tokenRequests(), [old.refresh_token, old.refresh_token], 'marked spent in the row: never sent again');
  });

  it('a lock held past the wait: exit 5 naming who holds it, nothing sent', async () => {
    await seed(-60);
    const { setup } = box.fake.state;
    const holder = new pg.Client({ connectionString: postgres.url(), application_name: 'ghl-auth pid 4242 on host-z' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKeyOf(schema, connectionKeyOf({ clientId: setup.clientId, locationId: setup.locationId }))]);
      const busy = await run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '3' } });
      assert.equal(busy.code, 5, busy.stderr);
      assert.match(verdict(busy), /locked by another ghl-auth run \(ghl-auth pid 4242 on host-z, connected since .*; waited 1 s\)/);
    } finally {
      await holder.end();
    }
    assert.deepEqual(tokenRequests(), []);
  });

  it('Postgres unreachable before anything is spent: exit 4 naming the store without its password, nothing sent', async () => {
    const env = { ...storeEnv(), GHL_TOKEN_STORE: `postgres://ghl:${postgres.password}@127.0.0.1:${await unusedPort()}/ghl` };
    const result = await box.run(['check'], { env });
    assert.equal(result.code, 4, result.stderr);
    assert.match(verdict(result), /the token store postgres:\/\/ghl@127\.0\.0\.1:\d+\/ghl is unavailable/);
    assert.ok(!result.stderr.includes(postgres.password));
    assert.deepEqual(tokenRequests(), []);
    await box.writeTokens(3600);
    for (const args of [['status'], ['tokens', 'import', '--force', box.tokensFile]]) assert.equal((await box.run(args, { env })).code, 4, `${args.join(' ')}: as its --help says`);
  });

  it('Postgres frozen (it takes the connection but never answers) before anything is spent: exit 4 within the run, nothing sent', async () => {
    await seed(-60);
    await postgres.freeze();
    try {
      const frozen = await run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '3' } });
      assert.equal(frozen.code, 4, frozen.stderr);
      assert.match(verdict(frozen), /the token store postgres:\/\/ghl@127\.0\.0\.1:\d+\/ghl is unavailable/);
    } finally {
      await postgres.thaw();
    }
    assert.deepEqual(tokenRequests(), []);
  });

  it('a connection to a server frozen after it connected is closed within a second or two (pg alone waits forever)', { timeout: 15_000 }, async () => {
    const client = await connect(postgres.url(), postgres.shown, 2_000);
    await postgres.freeze();
    try {
      const started = Date.now();
      await closeClient(client);
      assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    } finally {
      await postgres.thaw();
    }
  });

  it('Postgres stopped while GHL answers: the pair is kept on this host (exit 2, restore command), later runs send nothing until it is imported', async () => {
    const old = await seed(-60);
    box.fake.delayMs.token = 1_000;
    // A 4 s deadline: the save is retried that long while the store does not answer.
    const running = run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '4' } });
    while (tokenRequests().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await postgres.stop();
    const cut = await running;
    await postgres.resume();
    box.fake.delayMs.token = 0;
    assert.equal(cut.code, 2, cut.stderr);
    const keptIn = /tokens import --force (\S+?)`/.exec(verdict(cut))?.[1];
    assert.ok(keptIn, verdict(cut));
    assert.equal((await stat(keptIn)).mode & 0o777, 0o600);
    const next = await run(['check'], { host: 'host-a' });
    assert.equal(next.code, 2, next.stderr);
    assert.match(verdict(next), /already spent the refresh token/);
    assert.deepEqual(tokenRequests(), [old.refresh_token], 'the spent token was not sent again');
    const restored = await run(['tokens', 'import', '--force', keptIn]);
    assert.equal(restored.code, 0, restored.stderr);
    await assert.rejects(stat(keptIn), 'the kept pair is in the store now: its file is removed');
    const healthy = await run(['check']);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('Postgres restarted while GHL answered: the pair is saved over a new connection, exit 0, nothing left kept', async () => {
    const old = await seed(-60);
    box.fake.delayMs.token = 1_000;
    const running = run(['check']);
    while (tokenRequests().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // GHL has answered: the save is being retried
    await postgres.resume();
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /the pair is saved in postgres:\/\/ghl@/);
    assert.notEqual((await row()).tokens.token.refresh_token, old.refresh_token);
    assert.deepEqual((await readdir(box.dir)).filter((name) => name.includes('.issued-')), []);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('tokens migrate from the file to Postgres and back, refreshing nothing; the source is retired', async () => {
    await box.writeTokens(3600);
    const fileEnv = { GHL_TOKEN_STORE: undefined };
    const toStore = await run(['tokens', 'migrate', '--to', postgres.url()], { env: fileEnv });
    assert.equal(toStore.code, 0, toStore.stderr);
    assert.ok((await readdir(box.dir)).some((name) => /^ghl_tokens\.json\.migrated-.*\.json$/.test(name)), 'the token file was renamed aside');
    assert.equal((await run(['check'])).code, 0);
    const back = await run(['tokens', 'migrate', '--to', box.tokensFile]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal((await row()).moved_to, box.tokensFile);
    const onFile = await run(['check'], { env: fileEnv });
    assert.equal(onFile.code, 0, onFile.stderr);
    const stale = await run(['check']);
    assert.equal(stale.code, 2);
    assert.match(verdict(stale), /was moved to .* by `ghl-auth tokens migrate`/);
    assert.deepEqual(tokenRequests(), []);
  });

  it('GHL_TOKEN_KEY: the row holds no token; a wrong or missing key is exit 2 naming it, nothing sent', async () => {
    const key = randomBytes(32).toString('base64');
    const old = await seed(-60, { GHL_TOKEN_KEY: key });
    const raw = JSON.stringify((await row()).tokens);
    assert.ok(!raw.includes(old.refresh_token as string) && !raw.includes(old.access_token as string), 'the tokens are encrypted at rest');
    const wrong = await run(['check'], { env: { GHL_TOKEN_KEY: randomBytes(32).toString('base64') } });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(verdict(wrong), /GHL_TOKEN_KEY does not decrypt/);
    const none = await run(['check']);
    assert.equal(none.code, 2, none.stderr);
    assert.match(verdict(none), /encrypted: set GHL_TOKEN_KEY/);
    assert.deepEqual(tokenRequests(), []);
    const right = await run(['check'], { env: { GHL_TOKEN_KEY: key } });
    assert.equal(right.code, 0, right.stderr);
    assert.ok(!JSON.stringify((await row()).tokens).includes(box.fake.state.issuedSecrets.at(-1) as string));
  });

  it('getAccessToken() in a long-lived program: one kept connection, its lock never left held, a database restart survived, and the program still exits', async () => {
    await seed(3600);
    // A service importing the built package: one call per `get` line of stdin, one JSON line back; stdin's end ends it.
    const program = join(box.dir, 'service.mjs');
    await writeFile(
      program,
      `import { createInterface } from 'node:readline';
const { getAccessToken } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
for await (const line of createInterface({ input: process.stdin })) {
  const answer = await getAccessToken().then((token) => ({ token: token.accessToken }), (error) => ({ code: error.code, message: error.message }));
  process.stdout.write(JSON.stringify(answer) + '\\n');
}
`,
    );
    const service = spawn(process.execPath, [program], { cwd: box.dir, env: box.env(storeEnv('service-host')), stdio: ['pipe', 'pipe', 'pipe'] });
    const ended = collect(service, { keepStdinOpen: true, timeoutMs: 60_000 });
    const answers = createInterface({ input: service.stdout })[Symbol.asyncIterator]();
    const get = async () => {
      service.stdin.write('get\n');
      return JSON.parse((await answers.next()).value as string) as { token?: string; code?: string; message?: string };
    };
    const sessions = async () => (await postgres.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`ghl-auth pid ${service.pid} on service-host`]))[0]?.n;
    const advisoryLocks = async () => (await postgres.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'"))[0]?.n;

    for (let i = 0; i < 5; i += 1) assert.deepEqual(await get(), { token: (await row()).tokens.token.access_token });
    assert.equal(await sessions(), 1, 'five calls in turn: one connection, kept between them');

    const old = await seed(-60);
    const refreshed = await get();
    assert.deepEqual(tokenRequests(), [old.refresh_token]);
    assert.equal(refreshed.token, (await row()).tokens.token.access_token, 'the refreshed token, saved in the row');
    assert.equal(await advisoryLocks(), 0, 'the kept connection went back without the lock');
    const renewed = await seed(-60);
    const otherHost = await run(['check'], { host: 'host-b' });
    assert.equal(otherHost.code, 0, otherHost.stderr);
    assert.deepEqual(tokenRequests().slice(1), [renewed.refresh_token], 'another host takes the lock at once');

    await postgres.stop();
    await postgres.resume();
    assert.deepEqual(await get(), { token: (await row()).tokens.token.access_token }, 'after a restart the kept connection is replaced, the call answered');

    service.stdin.end();
    const result = await ended;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.ms < 20_000, `the idle connections kept the program alive for ${result.ms} ms`);
    assert.equal(await sessions(), 0);
    box.assertNoSecrets(result.stderr);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('eight first runs at once create the schema once, without a race', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => run(['status', '--json'], { host: `host-${i}` })));
    for (const result of runs) assert.equal(result.code, 2, result.stderr); // no connection yet: exit 2, but no SQL error
    for (const result of runs) assert.match(verdict(result), /no connection in postgres:\/\/ghl@127\.0\.0\.1:\d+\/ghl for this GHL_CLIENT_ID and GHL_LOCATION_ID: .*\[token_file_missing\]$/);
    assert.deepEqual(await postgres.query(`SELECT version FROM ${schema}.schema_version`), [{ version: 1 }]);
  });

  it('store migrate creates the schema once and is idempotent', async () => {
    const first = await run(['store', 'migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migrated from version 0 to 1/);
    const second = await run(['store', 'migrate']);
    assert.match(second.stdout, /was already at version 1/);
  });
});

async function fingerprintOf(secret: string): Promise<string> {
  const { fingerprint } = await import('../src/tokens/stored-tokens.js');
  return fingerprint(secret);
}
