import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { agencyLocations } from '../../src/fake-ghl/setup.js';
import { storeTimings } from '../../src/store/timings.js';
import { collect, SANDBOX_DEADLINE_SECONDS } from '../helpers.js';
import { sleep, withBox } from './box.js';
import { Figures } from './figures.js';

const LOCATIONS = 8;
const KILLS = 12;
const MINT_DELAY_MS = 40;
/** A kill can leave the lock (held while the cache is merged): the stale-lock takeover plus the run itself. */
const RECOVERY_BOUND_MS = storeTimings(SANDBOX_DEADLINE_SECONDS).staleMs + 4_000;

const figures = new Figures(7, 'Agency runs');
after(() => figures.save());

describe('agency runs killed while minting and caching Location tokens', () => {
  it(`kill -9 at a random moment of a run over ${LOCATIONS} locations, ${KILLS} times: the next run is healthy, the Company token untouched`, async () => {
    await withBox(
      async (box) => {
        await box.sandbox.writeTokens(3600, { userType: 'Company' });
        box.fake.delayMs.locationToken = MINT_DELAY_MS;
        for (let kill = 0; kill < KILLS; kill += 1) {
          // A cache with some tokens minted, some not: each kill lands at another point of minting or merging.
          const run = box.spawn(['check', '--locations', 'all']);
          const ended = collect(run);
          await sleep(Math.floor(Math.random() * (LOCATIONS * MINT_DELAY_MS) / 2) + 60);
          run.kill('SIGKILL');
          await ended;
          const next = await box.run(['check', '--locations', 'all', '--json'], { timeoutMs: RECOVERY_BOUND_MS + 10_000 });
          assert.equal(next.code, 0, next.stderr);
          assert.ok(next.ms < RECOVERY_BOUND_MS, `the next run took ${next.ms} ms`);
          const cache = JSON.parse(await readFile(`${box.tokensFile}.location-tokens.json`, 'utf8')) as { tokens: Record<string, unknown> };
          assert.equal(Object.keys(cache.tokens).length, LOCATIONS, 'the healthy run left every Location token cached');
          await rm(`${box.tokensFile}.location-tokens.json`, { force: true }); // the next kill meets minting again
        }
        assert.deepEqual(box.fake.requestsTo('token'), [], 'no kill ever made a run refresh the Company token');
        assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
        figures.kills += KILLS;
        figures.runs += 2 * KILLS;
        figures.row(
          `kill -9 at a random moment of a run over ${LOCATIONS} locations (minting ${MINT_DELAY_MS} ms each, then caching), ${KILLS} times`,
          `the next run exit 0 every time, within ${RECOVERY_BOUND_MS / 1000} s, every Location token cached; the Company token never refreshed, no refresh token spent`,
        );
      },
      // Killed runs' mints count too: the company's burst limit is lifted so no 429 backoff hides in the timing.
      { locations: agencyLocations(LOCATIONS), rateLimit: { max: 10_000, intervalMs: 10_000, daily: 200_000 } },
    );
  });
});
