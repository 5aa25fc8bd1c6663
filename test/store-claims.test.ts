import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { CREDENTIALS, parseConfig } from '../src/config.js';
import { GhlAuthError } from '../src/errors.js';
import type { HttpClient } from '../src/http-client.js';
import { currentWriter } from '../src/store/writer-identity.js';
import { refreshNow } from '../src/lifecycle/obtain.js';
import { TokenStore, type StoreOptions } from '../src/store/token-store.js';
import { fingerprint, toStoredTokens, type StoredTokens } from '../src/tokens/stored-tokens.js';

const silent = pino({ level: 'silent' });
const pair = (n: number) => toStoredTokens({ access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 60 }, Date.now());
const fast: StoreOptions = { timings: { waitMs: 300, staleMs: 2_000, graceMs: 1_000 } };

async function fresh(first?: StoredTokens): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-claims-'));
  const path = join(dir, 'ghl_tokens.json');
  if (first) await writeFile(path, `${JSON.stringify(first, null, 2)}\n`, { mode: 0o600 });
  return { dir, path };
}

const claimOf = (path: string, print: string, n: number, fields: Record<string, unknown>) =>
  writeFile(`${path}.refreshing-${print}.${n}`, JSON.stringify({ refreshToken: print, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z', ...fields }));

const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => (assert.ok(error instanceof GhlAuthError, String(error)), error),
  );

describe('refresh claims', () => {
  it('a claim whose writer may be alive is never overtaken: the second claimant waits, then exit 5 naming it', async () => {
    const { path } = await fresh(pair(1));
    const a = new TokenStore(path, silent, fast);
    const b = new TokenStore(path, silent, fast);
    const current = (await a.read()) as StoredTokens;
    await b.read();
    assert.ok('claimPath' in (await a.claimRefresh(current)));
    const error = await rejection(b.claimRefresh(current));
    assert.equal(error.code, 'token_file_locked');
    assert.match(error.message, new RegExp(`pid ${process.pid} on .* is refreshing .*did not spend it`));
  });

  it('of runs racing for the same attempt, exactly one wins', async () => {
    const { path } = await fresh(pair(1));
    const stores = Array.from({ length: 6 }, () => new TokenStore(path, silent, fast));
    const current = (await stores[0]?.read()) as StoredTokens;
    await Promise.all(stores.map((store) => store.read()));
    const outcomes = await Promise.allSettled(stores.map((store) => store.claimRefresh(current)));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  });

  it('a claim left by a writer certainly gone (same boot, pid free) allows the retry and names the lost attempt', async () => {
    const { path } = await fresh(pair(1));
    const self = await currentWriter();
    const print = fingerprint('rt-1');
    await claimOf(path, print, 1, { pid: spawnSync('true').pid, hostId: self.scope, processStart: '1', deadline: new Date(Date.now() + 60_000).toISOString() });
    const store = new TokenStore(path, silent, fast);
    const outcome = await store.claimRefresh((await store.read()) as StoredTokens);
    assert.ok('claimPath' in outcome && outcome.abandoned?.startedAt === '2026-01-01T00:00:00.000Z');
    assert.ok(outcome.claimPath.endsWith(`${print}.2`));
  });

  it('a writer in another container or host counts as alive until its deadline plus the grace', async () => {
    const { path } = await fresh(pair(1));
    const print = fingerprint('rt-1');
    await claimOf(path, print, 1, { pid: 1, hostId: 'linux:another-boot:pid:[1]', processStart: '1', deadline: new Date(Date.now() + 60_000).toISOString() });
    const store = new TokenStore(path, silent, fast);
    const current = (await store.read()) as StoredTokens;
    assert.match((await rejection(store.claimRefresh(current))).message, /another container or on another host/);
    await claimOf(path, print, 1, { pid: 1, hostId: 'linux:another-boot:pid:[1]', processStart: '1', deadline: new Date(Date.now() - 2_000).toISOString() });
    assert.ok('claimPath' in (await store.claimRefresh(current)));
  });

  it("a claim made late in a long run carries a deadline from its own creation, not from the run start", async () => {
    const { path } = await fresh(pair(1));
    let clock = Date.parse('2026-06-01T00:00:00.000Z');
    const store = new TokenStore(path, silent, { timings: { ...fast.timings, claimMs: 60_000 }, now: () => clock });
    const current = (await store.read()) as StoredTokens;
    clock += 10 * 60_000; // an agency run ten minutes in, far past its first deadline
    const outcome = await store.claimRefresh(current);
    assert.ok('claimPath' in outcome);
    const claim = JSON.parse(await readFile(outcome.claimPath, 'utf8')) as { startedAt: string; deadline: string };
    assert.equal(claim.startedAt, new Date(clock).toISOString());
    assert.equal(claim.deadline, new Date(clock + 60_000).toISOString());
  });

  it('a run that claims after another saved a new pair sends nothing and uses that pair', async () => {
    const { dir, path } = await fresh(pair(1));
    const late = new TokenStore(path, silent, fast);
    const current = (await late.read()) as StoredTokens;
    const other = new TokenStore(path, silent, fast);
    await other.read();
    await other.write(pair(2));
    const outcome = await late.claimRefresh(current);
    assert.ok('superseded' in outcome && outcome.superseded.token.refresh_token === 'rt-2');
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.refreshing')), [], 'its unused claim is gone');
  });
});

describe('atomic writes', () => {
  it('never renames over a pair another writer saved after this one read: it keeps its own beside, 0600', async () => {
    const { path } = await fresh(pair(1));
    const slow = new TokenStore(path, silent, fast);
    await slow.read();
    const other = new TokenStore(path, silent, fast);
    await other.read();
    await other.write(pair(2));
    const outcome = await slow.write(pair(3));
    assert.ok(!outcome.saved);
    assert.match(outcome.message, /changed by another writer.*ghl-auth tokens import --force .*\.issued-.*\.json/);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).token.refresh_token, 'rt-2');
    assert.equal(JSON.parse(await readFile(outcome.keptIn, 'utf8')).token.refresh_token, 'rt-3');
    assert.equal((await stat(outcome.keptIn)).mode & 0o777, 0o600);
  });

  it('a directory fsync that fails after the rename is a warning: the refresh succeeds', async () => {
    const { dir, path } = await fresh(pair(1));
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const failingSync = async () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
    const store = new TokenStore(path, log, { ...fast, syncDirectory: failingSync });
    const config = parseConfig({ GHL_CLIENT_ID: 'id', GHL_CLIENT_SECRET: 'secret', GHL_TOKENS_FILE: path }, dir, CREDENTIALS);
    const http: HttpClient = {
      attemptsByOutcome: { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 },
      send: async () => ({ status: 200, headers: {}, body: { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 86399 }, attempts: 1 }),
    };
    const { stored } = await refreshNow({ config, store, http, log, now: Date.now }, true);
    assert.equal(stored.token.refresh_token, 'rt-new');
    assert.equal(JSON.parse(await readFile(path, 'utf8')).token.refresh_token, 'rt-new');
    assert.ok(lines.some((line) => /directory could not be synced \(EIO\)/.test(line)), lines.join(''));
  });
});
