import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { collect } from '../../helpers.js';
import { withBox } from '../box.js';
import { Figures } from '../figures.js';

// Alone in its own step of `npm run test:reliability`: its 128 processes would starve the timing
// bounds of every suite running beside it.
const figures = new Figures(1.5, 'A crowd of runs');
after(() => figures.save());

/** More runs than a 2-core machine can start within a deadline, round after round of rotations. */
const CROWD = 128;
const CROWD_ROUNDS = 10;

describe(`${CROWD} check and token runs at once, ${CROWD_ROUNDS} rotations in a row`, () => {
  it('each rotation presents the refresh token once, the file holds the live token after each, and no run loses it (never exit 1 or 3)', () =>
    withBox(async (box) => {
      for (let round = 1; round <= CROWD_ROUNDS; round += 1) {
        const old = await box.sandbox.writeTokens(-60);
        box.fake.requests.length = 0;
        const children = Array.from({ length: CROWD }, (_, i) => box.spawn(i % 2 === 0 ? ['check'] : ['token'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '60' } }));
        const results = await Promise.all(children.map((child) => collect(child, { timeoutMs: 180_000 })));
        const codes = results.map((result) => result.code);
        for (const [i, result] of results.entries()) {
          assert.ok([0, 4, 5].includes(result.code ?? -1), `round ${round}, run ${i} exited ${result.code}: ${result.stderr}`);
          box.sandbox.assertNoSecrets(result.stderr);
        }
        assert.ok(codes.includes(0), `round ${round}: no run succeeded`);
        assert.ok(box.fake.requestsTo('token').length <= 1, `round ${round}: ${box.fake.requestsTo('token').length} token requests`);
        assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
        const saved = await box.sandbox.readTokens();
        assert.notEqual(saved.token.refresh_token, old.refresh_token, `round ${round}: not rotated`);
        assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, `round ${round}: the file holds the live refresh token`);
        figures.runs += CROWD;
      }
      figures.item(`${CROWD} check and token runs started together on this machine, ${CROWD_ROUNDS} rotations`, 'each rotation: refresh token presented once, file live, every run 0 or a loud 4/5 (never 1 or 3)', `${CROWD} runs x ${CROWD_ROUNDS} rounds`);
    }));
});

