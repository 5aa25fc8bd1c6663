import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { GhlAuthError } from '../src/errors.js';
import { currentWriter, writerTag } from '../src/store/writer-identity.js';
import { LocalPairs } from '../src/store/postgres/local-pairs.js';
import { TokenStore } from '../src/store/token-store.js';
import { toStoredTokens } from '../src/tokens/stored-tokens.js';

const log = pino({ level: 'silent' });
const stored = toStoredTokens({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 60, extra: { kept: true } }, Date.UTC(2026, 0, 1));

async function fresh(): Promise<{ dir: string; store: TokenStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-store-'));
  return { dir, store: new TokenStore(join(dir, 'ghl_tokens.json'), log) };
}

async function unreadable(store: TokenStore): Promise<string> {
  const error = await store.read().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof GhlAuthError && error.code === 'token_file_unreadable', String(error));
  assert.ok(error.message.includes(store.path));
  return error.message;
}

describe('token store', () => {
  it('writes 0600 whatever the umask, and reads back what it wrote, unknown fields included', async () => {
    const { store } = await fresh();
    const previous = process.umask(0);
    try {
      await store.withLock(() => store.write(stored));
    } finally {
      process.umask(previous);
    }
    assert.equal((await stat(store.path)).mode & 0o777, 0o600);
    assert.deepEqual(await store.read(), stored);
    assert.equal(stored.expiresAt, '2026-01-01T00:01:00.000Z');
  });

  it('answers undefined when there is no file yet', async () => {
    const { store } = await fresh();
    assert.equal(await store.read(), undefined);
  });

  it('refuses a truncated, empty, wrong-shaped or directory token file, and leaves it as it was', async () => {
    const { store } = await fresh();
    await writeFile(store.path, '{"version":1,');
    assert.match(await unreadable(store), /not valid JSON/);
    await writeFile(store.path, '');
    assert.match(await unreadable(store), /is empty/);
    await writeFile(store.path, JSON.stringify({ version: 1, token: { access_token: 'x' } }));
    assert.match(await unreadable(store), /not a ghl-auth token file.*expiresAt/);
    assert.equal(await readFile(store.path, 'utf8'), JSON.stringify({ version: 1, token: { access_token: 'x' } }));
    const other = await fresh();
    await mkdir(other.store.path);
    assert.match(await unreadable(other.store), /is a directory.*rmdir/);
  });

  it('sweeps temp files only when their writer is certainly gone, unnamed ones only when old, and nothing else', async () => {
    const { dir, store } = await fresh();
    const self = await currentWriter();
    const dead = spawnSync('true').pid as number; // exited and reaped: its pid is free
    const deadTemp = `ghl_tokens.json.tmp-${writerTag({ ...self, pid: dead })}-0badcafe`;
    const liveTemp = `ghl_tokens.json.tmp-${writerTag(self)}-0badcafe`;
    const otherHostTemp = `ghl_tokens.json.tmp-${writerTag({ ...self, scope: 'host:elsewhere', pid: dead })}-0badcafe`;
    for (const name of [liveTemp, otherHostTemp, 'ghl_tokens.json.3141592653', 'ghl_tokens.json.2718281828', 'ghl_tokens.json.bak']) await writeFile(join(dir, name), 'x');
    await writeFile(join(dir, deadTemp), Buffer.alloc(4096)); // reserved, never filled: nothing in it
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, 'ghl_tokens.json.3141592653'), longAgo, longAgo);
    await store.withLock(async () => undefined);
    assert.deepEqual((await readdir(dir)).sort(), ['ghl_tokens.json.2718281828', 'ghl_tokens.json.bak', liveTemp, otherHostTemp].sort());
  });

  it('backs up byte for byte to <file>.bak, 0600 whatever was there, by rename (never rewritten in place), and durably', async () => {
    const { dir } = await fresh();
    const synced: string[] = [];
    const store = new TokenStore(join(dir, 'ghl_tokens.json'), log, { syncDirectory: async (path) => void synced.push(path) });
    const bytes = Buffer.concat([Buffer.from('\uFEFF{"version":1,'), Buffer.from([0, 0xff, 0x0d, 0x0a])]); // a BOM, half a file, odd bytes
    await writeFile(store.path, bytes);
    await writeFile(store.backupPath, 'an older backup, readable by all');
    await chmod(store.backupPath, 0o644);
    await link(store.backupPath, join(dir, 'older-backup-link'));
    const previous = process.umask(0);
    try {
      assert.equal(await store.backup(), store.backupPath);
    } finally {
      process.umask(previous);
    }
    assert.deepEqual(await readFile(store.backupPath), bytes);
    assert.equal((await stat(store.backupPath)).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir, 'older-backup-link'), 'utf8'), 'an older backup, readable by all', 'the old .bak was replaced by a rename, not overwritten');
    assert.deepEqual(synced, [dirname(store.backupPath)]);
    assert.deepEqual((await readdir(dir)).sort(), ['ghl_tokens.json', 'ghl_tokens.json.bak', 'older-backup-link']);
  });

  it('a backup that cannot replace <file>.bak says why, leaves no temp file and touches nothing', async () => {
    const { dir, store } = await fresh();
    await writeFile(store.path, 'the token file');
    await mkdir(store.backupPath);
    await writeFile(join(store.backupPath, 'inside'), 'x'); // a non-empty directory: the rename over it fails
    const error = await store.backup().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof GhlAuthError && error.code === 'token_file_unwritable', String(error));
    assert.match(error.message, /^cannot write .*ghl_tokens\.json\.bak: /);
    assert.deepEqual((await readdir(dir)).sort(), ['ghl_tokens.json', 'ghl_tokens.json.bak']);
    assert.equal(await readFile(store.path, 'utf8'), 'the token file');
  });

  it('a pair kept on this host for the Postgres store is byte for byte the token file the file store writes', async () => {
    const { dir, store } = await fresh();
    await store.withLock(() => store.write(stored));
    const kept = await new LocalPairs(join(dir, 'other.json')).keep(stored, Date.UTC(2026, 0, 2));
    assert.deepEqual(await readFile(kept), await readFile(store.path));
  });

  it('names a missing directory when it cannot lock', async () => {
    const { dir } = await fresh();
    const store = new TokenStore(join(dir, 'missing', 'ghl_tokens.json'), log);
    await assert.rejects(store.withLock(async () => undefined), /directory .*missing does not exist/);
  });

  it('keeps a refresh claim beside the file, without the token, and removes it once a new pair is saved', async () => {
    const { dir, store } = await fresh();
    await store.withLock(async () => {
      await store.write(stored);
      const current = await store.read();
      assert.ok(current);
      assert.ok('claimPath' in (await store.claimRefresh(current)));
      const claims = (await readdir(dir)).filter((name) => name.includes('.refreshing-'));
      assert.equal(claims.length, 1);
      const text = await readFile(join(dir, claims[0] as string), 'utf8');
      assert.ok(!text.includes('rt-1'), 'no token in the claim');
      assert.equal((await store.refreshInFlight(current))?.pid, process.pid);
      await store.write(toStoredTokens({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 60 }, Date.now()));
    });
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.refreshing')), []);
  });
});
