import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, lutimes, readdir, realpath, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox } from './helpers.js';

const DAY_MS = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface KeptPairJson {
  file: string;
  obtainedAt: string | null;
  newerThanTokenFile: boolean | null;
  problem: string | null;
  removedAfter: string | null;
}

/** Pairs kept beside the token file (a lost race, a failed save) are named, judged against it, and pruned by rule. */
describe('pairs kept beside the token file', () => {
  let box: Sandbox;
  let real: string;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(() => box.close());

  /** The token file, its pair issued `ageMs` ago (the access token still good, so check spends nothing). */
  const tokenFileIssued = async (ageMs: number, token: Record<string, unknown> = box.fake.state.issueTokens()) => {
    const obtainedAt = Date.now() - ageMs;
    await writeFile(box.tokensFile, JSON.stringify({ version: 1, obtainedAt: iso(obtainedAt), expiresAt: iso(Date.now() + 3600_000), token }), { mode: 0o600 });
    real = await realpath(box.tokensFile);
  };
  /** The name the store gives a pair kept at `ms`. */
  const keptName = (ms: number) => `${real}.issued-${iso(ms).replace(/[:.]/g, '-')}.json`;
  /** A pair GHL issued `ageMs` ago, kept as a run keeps one. */
  const keep = async (ageMs: number) => {
    const obtainedAt = Date.now() - ageMs;
    const token = box.fake.state.issueTokens();
    const path = keptName(obtainedAt);
    await writeFile(path, JSON.stringify({ version: 1, obtainedAt: iso(obtainedAt), expiresAt: iso(obtainedAt + 86_399_000), token }, null, 2), { mode: 0o600 });
    return { path, token, obtainedAt: iso(obtainedAt) };
  };
  const exists = (path: string) => stat(path).then(() => true, () => false);
  const keptNames = async () => (await readdir(box.dir)).filter((name) => name.includes('.issued-')).sort();
  const restore = (path: string) => `ghl-auth tokens import --force ${path}`;
  const statusJson = async () => JSON.parse((await box.run(['status', '--json'])).stdout) as { keptPairs: KeptPairJson[]; warnings: string[] };

  it('status names both, flags the one issued after the token file with the restore command, and removes nothing', async () => {
    await tokenFileIssued(2 * 3600_000);
    const old = await keep(31 * DAY_MS);
    const newer = await keep(3600_000);
    const text = await box.run(['status']);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    const warning = text.stdout.split('\n').find((line) => line.startsWith('warning: 2 token pairs are kept beside the token file'));
    assert.ok(warning, text.stdout);
    assert.ok(warning.includes(`${old.path} was issued ${old.obtainedAt}, before the token file's pair (check removes it after `), warning);
    assert.ok(warning.includes(`${newer.path} was issued ${newer.obtainedAt}, AFTER the token file's pair: it may hold the live refresh token`), warning);
    assert.ok(warning.includes(restore(newer.path)), warning);
    assert.ok(!warning.includes(restore(old.path)), 'only the newer one is offered for restoring');

    const json = await statusJson();
    assert.deepEqual(
      json.keptPairs.map(({ file, newerThanTokenFile, problem }) => ({ file, newerThanTokenFile, problem })),
      [
        { file: old.path, newerThanTokenFile: false, problem: null },
        { file: newer.path, newerThanTokenFile: true, problem: null },
      ],
    );
    assert.equal(json.keptPairs[1]?.removedAfter, null, 'a newer pair is never removed automatically');
    assert.ok(json.warnings.some((line) => line.includes(restore(newer.path))));
    assert.ok((await exists(old.path)) && (await exists(newer.path)), 'status only reads');
  });

  it('check warns once and exits 0; it removes the old one and keeps the newer', async () => {
    await tokenFileIssued(2 * 3600_000);
    const old = await keep(31 * DAY_MS);
    const newer = await keep(3600_000);
    const check = await box.run(['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const warnings = check.stdout.split('\n').filter((line) => line.includes('kept beside the token file'));
    assert.equal(warnings.length, 1, check.stdout);
    assert.equal((JSON.parse(warnings[0] as string) as { level: number }).level, 40, 'a warning');
    assert.ok(warnings[0]?.includes(restore(newer.path)), check.stdout);
    assert.match(check.stdout, new RegExp(`removed 1 kept token pair\\(s\\) not issued after the token file's pair and over 30 days old: ${old.path}`));
    assert.equal(await exists(old.path), false, 'the old pair was removed');
    assert.equal(await exists(newer.path), true, 'the newer pair stays');
    assert.deepEqual(await keptNames(), [basename(newer.path)], 'nothing else was removed or kept');
  });

  it('tokens import --force of a kept pair restores it and removes the kept file: it is the token file now', async () => {
    await tokenFileIssued(2 * 3600_000);
    const newer = await keep(3600_000);
    const imported = await box.run(['tokens', 'import', '--force', newer.path]);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.equal((await box.readTokens()).token.refresh_token, newer.token.refresh_token);
    assert.equal(await exists(newer.path), false, 'the restored pair is the token file now: its copy is gone');
    assert.deepEqual(await keptNames(), []);
  });

  it('a check that fails still names the newer pair, and keeps its exit code', async () => {
    // A refresh token GHL does not know: the refresh ends in "Invalid grant", exit 3.
    await tokenFileIssued(2 * 3600_000, { access_token: 'at-gone', refresh_token: 'rt-gone', expires_in: 86_399 });
    const stored = await box.readTokens();
    await writeFile(box.tokensFile, JSON.stringify({ ...stored, expiresAt: iso(Date.now() - 60_000) }), { mode: 0o600 });
    const newer = await keep(3600_000);
    const check = await box.run(['check']);
    assert.equal(check.code, 3, check.stdout + check.stderr);
    assert.ok(check.stdout.split('\n').some((line) => line.includes('kept beside the token file') && line.includes(restore(newer.path))), check.stdout);
  });

  it('a pair issued after the token file\'s is never removed, however old', async () => {
    await tokenFileIssued(60 * DAY_MS);
    const newer = await keep(45 * DAY_MS);
    const check = await box.run(['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.ok(check.stdout.includes(`${newer.path} was issued ${newer.obtainedAt}, AFTER the token file's pair`), check.stdout);
    assert.ok(check.stdout.includes(`${restore(newer.path)}\` (never removed automatically)`), check.stdout);
    assert.equal(await exists(newer.path), true);
  });

  it('a symlink or FIFO named like a kept pair is named, never followed, read or removed; an unreadable old file is removed by its age', async () => {
    await tokenFileIssued(2 * 3600_000);
    const longAgo = (Date.now() - 40 * DAY_MS) / 1000;
    // A real pair elsewhere: through the link it would read as an old pair, and be removed.
    const elsewhere = join(box.dir, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify({ version: 1, obtainedAt: iso(Date.now() - 50 * DAY_MS), expiresAt: iso(Date.now()), token: { access_token: 'a', refresh_token: 'r', expires_in: 1 } }));
    const link = keptName(Date.now() - 50 * DAY_MS);
    await symlink(elsewhere, link);
    await lutimes(link, longAgo, longAgo);
    const fifo = keptName(Date.now() - 49 * DAY_MS);
    execFileSync('mkfifo', [fifo]);
    await utimes(fifo, longAgo, longAgo);
    const corrupt = keptName(Date.now() - 48 * DAY_MS);
    await writeFile(corrupt, '{"version": 1, "obtainedAt": "20', { mode: 0o600 });
    await utimes(corrupt, longAgo, longAgo);
    const huge = keptName(Date.now() - 47 * DAY_MS);
    await writeFile(huge, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20), { mode: 0o600 });
    await utimes(huge, longAgo, longAgo);

    const status = await box.run(['status'], { timeoutMs: 20_000 });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.ok(status.stdout.includes(`${link} is a symbolic link, not a regular file: not followed or read (never removed automatically)`), status.stdout);
    assert.ok(status.stdout.includes(`${fifo} is a FIFO (named pipe), not a regular file: not followed or read (never removed automatically)`), status.stdout);
    assert.ok(status.stdout.includes(`${corrupt} is not a ghl-auth token pair`), status.stdout);
    assert.ok(status.stdout.includes(`${huge} is larger than 16 MiB (16777217 bytes)`), status.stdout);
    assert.deepEqual((await statusJson()).keptPairs.map((pair) => [pair.file, pair.obtainedAt, pair.newerThanTokenFile]), [
      [link, null, null],
      [fifo, null, null],
      [corrupt, null, null],
      [huge, null, null],
    ]);

    const check = await box.run(['check'], { timeoutMs: 20_000 });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(await exists(corrupt), false, 'an unreadable regular file goes by its modification time');
    assert.equal(await exists(huge), false, 'so does one too large to read');
    assert.equal(await lstatKind(link), 'symlink');
    assert.equal(await lstatKind(fifo), 'fifo');
    assert.equal(await exists(elsewhere), true);
  });
});

const lstatKind = async (path: string) => {
  const info = await lstat(path);
  return info.isSymbolicLink() ? 'symlink' : info.isFIFO() ? 'fifo' : 'other';
};
