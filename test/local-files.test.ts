import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fingerprint } from '../src/tokens/stored-tokens.js';
import { Sandbox, verdict, type RunResult } from './helpers.js';

/** None of these runs has anything to wait for; one that meets the sandbox's 20 s deadline hung. */
const PROMPT_MS = 5_000;
const mkfifo = (path: string) => execFileSync('mkfifo', [path]);
const output = (result: RunResult) => `${result.stdout}${result.stderr}`;
const isFifo = async (path: string) => (await lstat(path)).isFIFO();

describe('files the CLI reads and writes besides the token file: never block, never followed, never huge', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());
  const lastRun = () => `${box.tokensFile}.last-run.json`;
  const cache = () => `${box.tokensFile}.location-tokens.json`;
  /** Killed after 30 s: a hung run fails its test, not the suite. */
  const run = (args: string[], env: Record<string, string | undefined> = {}) => box.run(args, { env, timeoutMs: 30_000 });
  const prompt = (result: RunResult) => assert.ok(result.ms < PROMPT_MS && result.signal === null, `ended after ${result.ms} ms (${result.signal ?? 'exit'}): nothing to wait for\n${output(result)}`);

  describe('a FIFO', () => {
    it('as the last-run record: status and check end at once with exit 0 and a warning naming it; the FIFO is left alone', async () => {
      await box.writeTokens();
      mkfifo(lastRun());
      for (const command of ['status', 'check']) {
        const result = await run([command]);
        prompt(result);
        assert.equal(result.code, 0, output(result));
        assert.ok(output(result).includes(`${lastRun()} is a FIFO (named pipe), not a regular file`), output(result));
        assert.match(output(result), /remove it \(rm /);
      }
      assert.ok(await isFifo(lastRun()));
    });

    it('as the Location token cache: an agency check ends at once with exit 0, mints, and warns naming the cache', async () => {
      await box.writeTokens(3600, { userType: 'Company' });
      mkfifo(cache());
      const result = await run(['check']);
      prompt(result);
      assert.equal(result.code, 0, output(result));
      assert.equal(box.fake.requestsTo('locationToken').length, 1);
      assert.ok(output(result).includes(`${cache()} is a FIFO (named pipe), not a regular file`), output(result));
      assert.ok(await isFifo(cache()));
    });

    it('as the FILE of tokens import: exit 2 at once naming it and the way round, nothing saved', async () => {
      const file = join(box.dir, 'tokens.json');
      mkfifo(file);
      const result = await run(['tokens', 'import', file]);
      prompt(result);
      assert.equal(result.code, 2, output(result));
      assert.ok(verdict(result).includes(`${file} is a FIFO (named pipe), not a regular file`), verdict(result));
      assert.match(verdict(result), /give the tokens on stdin instead.*\[token_input_invalid\]$/);
      await assert.rejects(stat(box.tokensFile));
    });

    it('as the env file: exit 2 at once naming it', async () => {
      const envFile = join(box.dir, 'ghl.env');
      mkfifo(envFile);
      const result = await run(['check', '--env-file', envFile]);
      prompt(result);
      assert.equal(result.code, 2, output(result));
      assert.ok(verdict(result).includes(`env file ${envFile} is a FIFO (named pipe), not a regular file`), verdict(result));
      assert.match(verdict(result), /\[configuration\]$/);
    });

    it('as a refresh claim of the saved token: status ends at once', async () => {
      const token = await box.writeTokens();
      mkfifo(`${box.tokensFile}.refreshing-${fingerprint(String(token.refresh_token))}.1`);
      const result = await run(['status']);
      prompt(result);
      assert.equal(result.code, 0, output(result));
    });
  });

  describe('a symlink is refused, never followed: what it points at keeps its content and mode', () => {
    const precious = async () => {
      const target = join(box.dir, 'precious.txt');
      await writeFile(target, 'not ghl-auth data\n', { mode: 0o644 });
      return target;
    };
    const assertUntouched = async (target: string, link: string) => {
      assert.equal(await readFile(target, 'utf8'), 'not ghl-auth data\n');
      assert.equal((await stat(target)).mode & 0o777, 0o644);
      assert.ok((await lstat(link)).isSymbolicLink(), 'the symlink stays');
    };

    it('as the Location token cache: the agency check exits 0, mints, and says to remove it', async () => {
      await box.writeTokens(3600, { userType: 'Company' });
      const target = await precious();
      await symlink(target, cache());
      const result = await run(['check']);
      assert.equal(result.code, 0, output(result));
      assert.equal(box.fake.requestsTo('locationToken').length, 1);
      await assertUntouched(target, cache());
      assert.ok(output(result).includes(`${cache()} is a symbolic link, not a regular file`), output(result));
      assert.ok(output(result).includes(`remove it (rm ${cache()})`), output(result));
    });

    it('as the last-run record: check exits 0 and says to remove it', async () => {
      await box.writeTokens();
      const target = await precious();
      await symlink(target, lastRun());
      const result = await run(['check']);
      assert.equal(result.code, 0, output(result));
      await assertUntouched(target, lastRun());
      assert.ok(output(result).includes(`${lastRun()} is a symbolic link, not a regular file`), output(result));
      assert.ok(output(result).includes(`remove it (rm ${lastRun()})`), output(result));
    });

    it('as the metrics file: check exits 0, says to remove it, and still records the run', async () => {
      await box.writeTokens();
      const target = await precious();
      const metrics = join(box.dir, 'ghl_auth.prom');
      await symlink(target, metrics);
      const result = await run(['check'], { GHL_METRICS_FILE: metrics });
      assert.equal(result.code, 0, output(result));
      await assertUntouched(target, metrics);
      assert.ok(output(result).includes(`${metrics} is a symbolic link, not a regular file`), output(result));
      assert.equal(JSON.parse(await readFile(lastRun(), 'utf8')).outcome, 'healthy');
    });
  });

  it('a Location token cache past its size cap is not read: warned, minted, and replaced by a small one', async () => {
    await box.writeTokens(3600, { userType: 'Company' });
    await writeFile(cache(), '');
    await truncate(cache(), 16 * 1024 * 1024 + 1); // sparse: no disk spent, only what reading it would take
    const result = await run(['check']);
    assert.equal(result.code, 0, output(result));
    assert.ok(output(result).includes(`${cache()} is larger than 16 MiB`), output(result));
    assert.equal(box.fake.requestsTo('locationToken').length, 1);
    const replaced = await stat(cache());
    assert.ok(replaced.size < 4096 && (replaced.mode & 0o777) === 0o600, `replaced: ${replaced.size} bytes, mode ${(replaced.mode & 0o777).toString(8)}`);
  });
});
