import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { currentWriter, writerTag } from '../src/store/writer-identity.js';
import { fingerprint } from '../src/tokens/stored-tokens.js';
import { Sandbox } from './helpers.js';

/** The pair GHL issued exists only in a temp file or a kept file: it is recovered or kept, never deleted. */
describe('a save cut short after GHL answered', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(() => box.close());

  const sentTokens = () => box.fake.requestsTo('token').map((request) => request.form?.refresh_token);
  /** Spends `refreshToken` at the stand-in as a run would, and answers the pair GHL issued. */
  const rotateAtGhl = async (refreshToken: string) => {
    const { clientId, clientSecret } = box.fake.state.setup;
    const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken, user_type: 'Location' });
    const answer = await fetch(`${box.fake.url}/oauth/token`, { method: 'POST', body: form });
    assert.equal(answer.status, 200);
    return (await answer.json()) as Record<string, unknown>;
  };

  it('kill -9 between writing the new pair to the temp file and the rename: the next run completes the rename, sends nothing', async () => {
    const old = await box.writeTokens(-60);
    const issued = await rotateAtGhl(String(old.refresh_token));
    // What the killed run left: its claim on the old token, and its fsynced temp file with GHL's pair, zero-padded past its end.
    const self = await currentWriter();
    const dead = { pid: spawnSync('true').pid as number, scope: self.scope, processStart: '1' };
    const now = Date.now();
    await writeFile(`${box.tokensFile}.refreshing-${fingerprint(String(old.refresh_token))}.1`, JSON.stringify({ refreshToken: fingerprint(String(old.refresh_token)), pid: dead.pid, host: 'here', hostId: self.scope, processStart: '1', startedAt: new Date(now).toISOString(), deadline: new Date(now + 20_000).toISOString() }));
    const pair = `${JSON.stringify({ version: 1, obtainedAt: new Date(now).toISOString(), expiresAt: new Date(now + 86_399_000).toISOString(), token: issued }, null, 2)}\n`;
    await writeFile(`${box.tokensFile}.tmp-${writerTag(dead)}-0badf00d`, Buffer.concat([Buffer.from(pair), Buffer.alloc(4096)]), { mode: 0o600 });

    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /completed the save of a run stopped between writing GHL's new pair and renaming it/);
    assert.equal((await box.readTokens()).token.refresh_token, issued.refresh_token);
    assert.deepEqual(sentTokens(), [old.refresh_token], 'only the killed run presented the old token');
    assert.deepEqual((await readdir(box.dir)).filter((name) => /\.(tmp-|refreshing-)/.test(name)), []);
  });

  it('a filled temp file whose writer did not claim the current token is kept and named, not deleted', async () => {
    await box.writeTokens();
    const self = await currentWriter();
    const dead = { pid: spawnSync('true').pid as number, scope: self.scope, processStart: '1' };
    const stray = { version: 1, obtainedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString(), token: { access_token: 'at-stray', refresh_token: 'rt-stray' } };
    await writeFile(`${box.tokensFile}.tmp-${writerTag(dead)}-0badf00d`, JSON.stringify(stray), { mode: 0o600 });
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    const kept = (await readdir(box.dir)).filter((name) => name.includes('.issued-'));
    assert.equal(kept.length, 1, 'the pair was deleted');
    assert.equal(JSON.parse(await readFile(join(box.dir, String(kept[0])), 'utf8')).token.refresh_token, 'rt-stray');
    assert.match(result.stdout + result.stderr, /ghl-auth tokens import --force .*\.issued-/);
  });

  it('the token file cannot be read back after the new pair was written: the pair is kept with the restore command, and it restores', async () => {
    const old = await box.writeTokens(-60);
    box.fake.fail('token', { kind: 'slow-answer', ms: 1_500 });
    const run = box.spawn(['check']);
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      let stderr = '';
      run.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      run.stdout?.resume();
      run.on('close', (code) => resolve({ code, stderr }));
    });
    run.stdin?.end();
    while (box.fake.requestsTo('token').length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    // While GHL answers: the token file becomes something the re-read before the rename refuses.
    await rm(box.tokensFile);
    execFileSync('mkfifo', [box.tokensFile]);
    const result = await done;
    assert.equal(result.code, 2, result.stderr);
    const kept = /tokens import --force (\S+\.issued-\S+\.json)/.exec(result.stderr)?.[1];
    assert.ok(kept, `no kept pair named:\n${result.stderr}`);
    const pair = JSON.parse(await readFile(kept, 'utf8')) as { token: { refresh_token: string } };
    assert.equal(box.fake.state.refreshTokens.get(pair.token.refresh_token)?.uses, 0, 'the kept pair is the live one');

    await rm(box.tokensFile);
    assert.equal((await box.run(['tokens', 'import', kept])).code, 0);
    const next = await box.run(['check']);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(sentTokens(), [old.refresh_token]);
  });
});
