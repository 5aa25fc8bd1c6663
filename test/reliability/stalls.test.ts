import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeTimings } from '../../src/store/timings.js';
import { collect, verdict } from '../helpers.js';
import { sleep, until, withBox, type Box } from './box.js';
import { Figures } from './figures.js';

/** The stalled run keeps a long deadline (a stop does not count against it once it resumes)... */
const STALLED_DEADLINE_S = 60;
/** ...the runs that meet it a short one, so its lock goes stale for them within seconds. */
const SHORT_DEADLINE_S = 6;
const SHORT = storeTimings(SHORT_DEADLINE_S);
const ROUNDS = 10;
const RUNS = 16;

const figures = new Figures(2.5, 'Stalled and racing runs');
after(() => figures.save());


/** Starts a check that must refresh and stops it (SIGSTOP) once its refresh request is out: lock held, claim out. */
async function stallMidRefresh(box: Box) {
  const old = String((await box.sandbox.writeTokens(-60)).refresh_token);
  box.fake.delayMs.token = 1_000;
  const child = box.spawn(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: String(STALLED_DEADLINE_S) } });
  const ended = collect(child, { timeoutMs: 90_000 });
  await until(() => box.fake.requestsTo('token').length === 1, 15_000, 5);
  child.kill('SIGSTOP');
  await sleep(SHORT.staleMs + 500); // its lock is now stale for a run with the short deadline
  return { old, child, ended };
}

const short = { env: { GHL_CHECK_TIMEOUT_SECONDS: String(SHORT_DEADLINE_S) }, timeoutMs: 30_000 };

describe('runs that stall, pause or start together', () => {
  it('a run stopped (SIGSTOP) with its refresh in flight: a later run takes the stale lock but does not spend the token, exit 5 naming it; the stopped run resumes and saves', () =>
    withBox(async (box) => {
      const { old, child, ended } = await stallMidRefresh(box);
      const second = await box.run(['check'], short);
      assert.equal(second.code, 5, second.stderr);
      assert.match(verdict(second), new RegExp(`another ghl-auth run \\(pid ${child.pid} on .*started .*\\) is refreshing .*did not spend it.*kill ${child.pid}`));
      assert.equal(box.fake.requestsTo('token').length, 1, 'one refresh request in all');
      child.kill('SIGCONT');
      const first = box.checked(await ended);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
      assert.equal(box.fake.state.refreshTokens.get(old)?.uses, 1);
      const saved = await box.sandbox.readTokens();
      assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, 'the file holds the live refresh token');
      figures.runs += 2;
      figures.row(
        `a run stopped (SIGSTOP) while GHL answers its refresh, past the lock's stale time; a second run started meanwhile`,
        'the refresh token was sent once: the second run took the stale lock, found the live claim, exit 5 naming the stopped run; resumed, the stopped run saved (exit 0)',
      );
    }));

  it('a run stopped mid-refresh while `tokens import --force` saves a new pair: the import stays, the stopped run keeps its pair beside and says how to restore it', () =>
    withBox(async (box) => {
      const { child, ended } = await stallMidRefresh(box);
      const imported = box.fake.state.issueTokens();
      const input = join(box.dir, 'import.json');
      box.inputs.add(input);
      await writeFile(input, JSON.stringify({ ...imported, expires_in: 86_399 }));
      const importing = await box.run(['tokens', 'import', '--force', input], short);
      assert.equal(importing.code, 0, importing.stderr);
      box.inputs.add(`${box.tokensFile}.bak`); // --force keeps the replaced pair there, by design
      child.kill('SIGCONT');
      const first = box.checked(await ended);
      assert.equal(first.code, 0, first.stderr);
      assert.equal((await box.sandbox.readTokens()).token.refresh_token, imported.refresh_token, 'the imported pair is still the token file');
      const kept = (await readdir(box.dir)).filter((name) => name.includes('.issued-')).map((name) => join(box.dir, name));
      assert.equal(kept.length, 1, `one kept pair: ${kept.join(', ')}`);
      const keptIn = kept[0] as string;
      box.inputs.add(keptIn);
      assert.equal((await stat(keptIn)).mode & 0o777, 0o600);
      assert.ok(`${first.stdout}${first.stderr}`.includes(`ghl-auth tokens import --force ${keptIn}`), first.stderr);
      const keptPair = JSON.parse(await readFile(keptIn, 'utf8')) as { token: { refresh_token: string } };
      assert.equal(box.fake.state.refreshTokens.get(keptPair.token.refresh_token)?.uses, 0, 'the kept pair is the one GHL issued to the stopped run, unspent');
      // The way back the message names works.
      assert.equal((await box.run(['tokens', 'import', '--force', keptIn])).code, 0);
      const next = await box.run(['refresh', '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
      figures.runs += 5;
      figures.row(
        'a run stopped mid-refresh while `tokens import --force` replaces the token file, then resumed',
        'the imported pair stayed; the resumed run kept its pair beside (0600) with the restore command, which restored it (then refreshed, exit 0)',
      );
    }));

  it(`a stale lock left behind and ${RUNS} runs at once with an expired token, ${ROUNDS} rounds: the refresh token is presented once each round`, () =>
    withBox(async (box) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const old = String((await box.sandbox.writeTokens(-60)).refresh_token);
        box.fake.requests.length = 0;
        box.fake.delayMs.token = 100;
        const lock = `${box.tokensFile}.lock`;
        await mkdir(lock, { recursive: true });
        const longAgo = new Date(Date.now() - 600_000);
        await utimes(lock, longAgo, longAgo);
        const results = await Promise.all(Array.from({ length: RUNS }, () => collect(box.spawn(['check']), { timeoutMs: 60_000 }).then((r) => box.checked(r))));
        results.forEach((result, i) => assert.equal(result.code, 0, `round ${round}, run ${i}: ${result.stderr}`));
        assert.equal(box.fake.requestsTo('token').length, 1, `round ${round}: token requests`);
        assert.equal(box.fake.state.refreshTokens.get(old)?.uses, 1);
        assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
        figures.runs += RUNS;
      }
      figures.row(`a stale lock left behind, then ${RUNS} runs at once with an expired token, ${ROUNDS} rounds`, `each round: refresh token presented once, ${RUNS}/${RUNS} exit 0`);
    }));

  it('the same token file through a symlink and through its real path: one lock, the refresh token spent once', () =>
    withBox(async (box) => {
      const old = String((await box.sandbox.writeTokens(-60)).refresh_token);
      const link = join(box.dir, 'link-to-tokens.json');
      await symlink(box.tokensFile, link);
      await chmod(box.tokensFile, 0o600);
      box.fake.delayMs.token = 300;
      const runs = Array.from({ length: 8 }, (_, i) => box.spawn(['check'], { env: i % 2 ? { GHL_TOKENS_FILE: link } : {} }));
      const results = await Promise.all(runs.map((child) => collect(child, { timeoutMs: 60_000 }).then((r) => box.checked(r))));
      results.forEach((result, i) => assert.equal(result.code, 0, `run ${i}: ${result.stderr}`));
      assert.equal(box.fake.requestsTo('token').length, 1);
      assert.equal(box.fake.state.refreshTokens.get(old)?.uses, 1);
      assert.ok((await stat(link)).isFile() && (await readFile(link, 'utf8')) === (await readFile(box.tokensFile, 'utf8')), 'the symlink still leads to the token file');
      figures.runs += runs.length;
      figures.row('8 runs at once, half through a symlink to the token file, half through its real path', 'one lock: refresh token spent once, 8/8 exit 0, the symlink kept');
    }));
});
