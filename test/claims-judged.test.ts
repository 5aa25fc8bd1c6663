import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { currentWriter } from '../src/store/writer-identity.js';
import { fingerprint } from '../src/tokens/stored-tokens.js';
import { Sandbox, verdict } from './helpers.js';

const HOUR = 3_600_000;

/** Claims as other runs leave them, judged by the built CLI: none may block every run, none may be overtaken while its writer lives. */
describe('refresh claims left by others', () => {
  let box: Sandbox;
  let old: Record<string, unknown>;
  beforeEach(async () => {
    box = await Sandbox.create();
    old = await box.writeTokens(-60);
  });
  afterEach(() => box.close());

  const claimPath = () => `${box.tokensFile}.refreshing-${fingerprint(String(old.refresh_token))}.1`;
  /** A claim file with `ageMs` of file age (its mtime), as a writer left it. */
  const leaveClaim = async (content: string, ageMs: number) => {
    await writeFile(claimPath(), content, { mode: 0o600 });
    const at = new Date(Date.now() - ageMs);
    await utimes(claimPath(), at, at);
  };
  const sent = () => box.fake.requestsTo('token').map((request) => request.form?.refresh_token);

  it('a live run of this host is never overtaken, even when the clock stepped an hour past its deadline', async () => {
    const self = await currentWriter();
    const sleeper = spawn('sleep', ['60']);
    try {
      const start = (await readFile(`/proc/${sleeper.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19];
      const startedAt = new Date(Date.now() - HOUR - 60_000).toISOString();
      const claim = { refreshToken: fingerprint(String(old.refresh_token)), pid: sleeper.pid, host: 'this', hostId: self.scope, processStart: start, startedAt, deadline: new Date(Date.now() - HOUR).toISOString() };
      await leaveClaim(JSON.stringify(claim), HOUR);
      const result = await box.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '3' } });
      assert.equal(result.code, 5, result.stderr);
      assert.match(verdict(result), new RegExp(`pid ${sleeper.pid} .*still running`));
      assert.deepEqual(sent(), [], 'the token was presented while its claimant lives');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it("another host's claim whose deadline is years ahead counts only as long as its file's age allows", async () => {
    const claim = { refreshToken: 'x', pid: 1, host: 'far', hostId: 'linux:another-boot:pid:[1]', processStart: '1', startedAt: '2031-01-01T00:00:00.000Z', deadline: '2031-01-01T00:01:00.000Z' };
    await leaveClaim(JSON.stringify(claim), 2 * 60_000 + 5_000); // past the claim's life (the 20 s deadline) and a grace
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent(), [old.refresh_token]);
  });

  it('a claim with no deadline is judged by its age, not a crash', async () => {
    const claim = { refreshToken: 'x', pid: 1, host: 'far', hostId: 'linux:another-boot:pid:[1]', processStart: '1', startedAt: '2026-01-01T00:00:00.000Z' };
    await leaveClaim(JSON.stringify(claim), 2 * 60_000);
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent(), [old.refresh_token]);
  });

  it('an empty claim left by a kill is cleared once a few seconds old', async () => {
    await leaveClaim('', 10_000);
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent(), [old.refresh_token]);
    assert.deepEqual((await readdir(box.dir)).filter((name) => name.includes('.refreshing-')), []);
  });
});
