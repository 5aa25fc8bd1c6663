import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeTimings } from '../../src/store/timings.js';
import { currentWriter, writerTag } from '../../src/store/writer-identity.js';
import { collect, SANDBOX_DEADLINE_SECONDS, verdict } from '../helpers.js';
import { killPlan, randomSleep, sleep, tempFilesOf, until, withBox, type Box } from './box.js';
import { Figures } from './figures.js';

/** The steps of a run that must refresh, and how each one is recognised from outside the run. */
type Step = 'before the lock' | 'holding the lock' | 'waiting on GHL' | 'GHL rotated, answer in flight' | 'answer received, around the save' | 'after the save';
const STEPS: Step[] = ['before the lock', 'holding the lock', 'waiting on GHL', 'GHL rotated, answer in flight', 'answer received, around the save', 'after the save'];
const KILLS_PER_STEP = 6;
/** Independent sandboxes killing at once: most kills leave a lock that costs the stale time to clear. */
const LANES = 3;
/** "Never blocked for more than a few seconds": the stale-lock takeover plus the run itself. */
const RECOVERY_BOUND_MS = storeTimings(SANDBOX_DEADLINE_SECONDS).staleMs + 4_000;
const SLOW_MS = 300;
const LOST_ROTATION = /Invalid grant.*ghl-auth login --force.*Cause: an earlier run .* was stopped or cut off before it saved the new one/;

const figures = new Figures(2, 'Crash at every step');
after(() => figures.save());

interface Kill {
  step: Step;
  /** Resolves when the moment to kill has come. */
  moment: (box: Box, oldRefreshToken: string) => Promise<void>;
}

const spentAtGhl = (box: Box, token: string) => () => (box.fake.state.refreshTokens.get(token)?.uses ?? 0) > 0;

/** Each step: how the stand-in is slowed to widen the window, and when the kill lands. */
const KILLS: Record<Step, (box: Box) => Kill['moment']> = {
  // Within 250 ms of the start, but at once when the lock appears: a fast run would otherwise be past it and have sent its refresh.
  'before the lock': (box) => () => {
    const at = Date.now() + Math.floor(Math.random() * 250);
    return until(() => Date.now() >= at || existsSync(`${box.tokensFile}.lock`));
  },
  'holding the lock': (box) => {
    box.fake.delayMs.token = SLOW_MS;
    return () => until(() => existsSync(`${box.tokensFile}.lock`));
  },
  'waiting on GHL': (box) => {
    box.fake.delayMs.token = SLOW_MS;
    return async () => {
      await until(() => box.fake.requestsTo('token').length > 0);
      await randomSleep(SLOW_MS);
    };
  },
  'GHL rotated, answer in flight': (box) => {
    box.fake.fail('token', { kind: 'slow-answer', ms: SLOW_MS });
    return async (_, old) => {
      await until(spentAtGhl(box, old));
      await randomSleep(SLOW_MS);
    };
  },
  'answer received, around the save': (box) => {
    box.fake.delayMs.contact = SLOW_MS; // the run is still alive whatever the moment
    return async (_, old) => {
      await until(spentAtGhl(box, old));
      await randomSleep(25);
    };
  },
  'after the save': (box) => {
    box.fake.delayMs.contact = SLOW_MS;
    return async () => {
      await until(() => box.fake.requestsTo('contact').length > 0);
      await randomSleep(SLOW_MS);
    };
  },
};

/** One kill and the run after it. Answers whether the kill lost a rotation, or left a save the next run completed. */
async function killAndRecover(box: Box, step: Step): Promise<{ lost: boolean; completed: boolean }> {
  const old = String((await box.sandbox.writeTokens(-60)).refresh_token);
  box.fake.requests.length = 0;
  box.fake.delayMs.token = box.fake.delayMs.contact = 0;
  box.fake.faults.token.length = 0;
  const moment = KILLS[step](box);
  const child = box.spawn(['check']);
  const ended = collect(child, { timeoutMs: 30_000 });
  try {
    await moment(box, old);
  } finally {
    child.kill('SIGKILL');
  }
  const killed = box.checked(await ended);
  assert.equal(killed.signal, 'SIGKILL', `${step}: the run ended before the kill (${killed.code}): ${killed.stderr}`);
  await sleep(SLOW_MS + 50); // let the stand-in finish what the dead run sent it, as GHL would

  const content = await readFile(box.tokensFile, 'utf8');
  const saved = JSON.parse(content) as { token: { refresh_token: string } }; // never torn or empty
  const issued = box.fake.state.issuedSecrets.slice(box.fake.state.issuedSecrets.indexOf(old));
  assert.ok(issued.includes(saved.token.refresh_token), `${step}: the file holds neither the old nor the new pair`);
  const spent = (token: string) => (box.fake.state.refreshTokens.get(token)?.uses ?? 0) > 0;
  // Killed between writing GHL's new pair to the temp file and the rename: the next run completes the save.
  const live = issued.filter((token) => box.fake.state.refreshTokens.has(token) && !spent(token));
  const temps = await Promise.all((await tempFilesOf(box.tokensFile, box.dir)).map((name) => readFile(join(box.dir, name), 'utf8')));
  const completed = spent(saved.token.refresh_token) && temps.some((content) => live.some((token) => content.includes(token)));
  const lost = spent(saved.token.refresh_token) && !completed;

  box.fake.delayMs.token = box.fake.delayMs.contact = 0;
  const next = await box.run(['check'], { timeoutMs: 30_000 });
  assert.ok(next.ms < RECOVERY_BOUND_MS, `${step}: the next run took ${next.ms} ms`);
  if (lost) {
    assert.equal(next.code, 3, `${step}: lost rotation: ${next.stderr}`);
    assert.match(verdict(next), LOST_ROTATION);
  } else {
    assert.equal(next.code, 0, `${step}: ${next.stderr}`);
    if (completed) assert.match(next.stdout, /completed the save of a run stopped between writing GHL's new pair and renaming it/);
    const after = JSON.parse(await readFile(box.tokensFile, 'utf8')) as { token: { refresh_token: string } };
    assert.ok(!spent(after.token.refresh_token), `${step}: the file holds a spent refresh token after the next run`);
  }
  assert.deepEqual(await tempFilesOf(box.tokensFile, box.dir), [], `${step}: temp files left behind`);
  await box.assertClean();
  return { lost, completed };
}

describe('SIGKILL at every step of a run that must refresh', () => {
  it(`${STEPS.length * KILLS_PER_STEP} kills: the file holds the old or the new pair, and the next run recovers or names the lost rotation`, async () => {
    const lanes = killPlan(STEPS, KILLS_PER_STEP, LANES);
    const lostByStep = new Map<Step, number>();
    await Promise.all(
      lanes.map((steps) =>
        withBox(async (box) => {
          for (const step of steps) {
            if ((await killAndRecover(box, step)).lost) lostByStep.set(step, (lostByStep.get(step) ?? 0) + 1);
          }
        }),
      ),
    );
    // The two windows where GHL has rotated and the run never saved must lose the rotation every time.
    assert.equal(lostByStep.get('GHL rotated, answer in flight'), KILLS_PER_STEP);
    assert.equal(lostByStep.get('before the lock') ?? 0, 0);
    assert.equal(lostByStep.get('after the save') ?? 0, 0);
    figures.kills += STEPS.length * KILLS_PER_STEP;
    figures.runs += STEPS.length * KILLS_PER_STEP * 2;
    figures.row(
      `SIGKILL at ${STEPS.length} steps (${STEPS.join('; ')}), ${KILLS_PER_STEP} each`,
      `token file always the old or the new pair, no temp files left, next run done within ${RECOVERY_BOUND_MS / 1000} s; a new pair killed in its temp file before the rename is put in place by the next run (exit 0); every lost rotation ended in exit 3 naming the cause`,
    );
  });

  it('a file-size limit below the reserved save (SIGXFSZ while reserving): killed before anything is spent, the old pair stays whole', () =>
    withBox(async (box) => {
      const old = await box.sandbox.writeTokens(-60);
      const before = await readFile(box.tokensFile, 'utf8');
      // Room for the refresh claim (about 300 bytes), not for the space a save reserves.
      const cut = box.checked(await collect(box.spawn(['check'], { fileSizeLimitBytes: before.length })));
      assert.equal(cut.signal, 'SIGXFSZ', cut.stderr);
      assert.equal(await readFile(box.tokensFile, 'utf8'), before, 'the old pair, whole');
      assert.equal(box.fake.state.refreshTokens.get(String(old.refresh_token))?.uses ?? 0, 0, 'nothing was spent');
      const next = await box.run(['check']);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(await tempFilesOf(box.tokensFile, box.dir), []);
      figures.runs += 2;
      figures.kills += 1;
      figures.row('killed by a file-size limit (SIGXFSZ) while reserving the space of the save', 'killed before the refresh token was sent: the old pair stays whole and unspent; the next run refreshes (exit 0)');
    }));

  it('leftovers of writes killed half-way (this version\'s and older versions\' temp files) are swept by the next run', () =>
    withBox(async (box) => {
      await box.sandbox.writeTokens(-60);
      const self = await currentWriter();
      const dead = spawnSync('true').pid as number; // exited: a writer certainly gone
      const killedWrite = `${box.tokensFile}.tmp-${writerTag({ ...self, pid: dead })}-0badcafe`;
      const olderVersion = [`${box.tokensFile}.123456789`, `${box.tokensFile}.refreshing.987654321`];
      for (const leftover of [killedWrite, ...olderVersion]) await writeFile(leftover, '{"version":1,"tok');
      // Unnamed temp files of older versions say nothing of their writer: they go once older than any run.
      const longAgo = new Date(Date.now() - 3_600_000);
      for (const leftover of olderVersion) await utimes(leftover, longAgo, longAgo);
      const result = await box.run(['check']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await tempFilesOf(box.tokensFile, box.dir), []);
      figures.runs += 1;
      figures.row('temp files left by a killed write (named after their writer, and the unnamed ones of older versions)', 'swept under the lock by the next run once their writer is certainly gone');
    }));
});
