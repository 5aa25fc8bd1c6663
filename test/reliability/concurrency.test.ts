import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { collect } from '../helpers.js';
import { withBox, type Box } from './box.js';
import { Figures } from './figures.js';

const RUNS = 16;
const TOKEN_DELAY_MS = 300;

/**
 * The commands started together in the mixed round, cycled over the runs. Each must end 0 and spend
 * no refresh token of its own (so a `refresh` here is the non-forced one).
 */
const COMMAND_MIX: string[][] = [['check'], ['refresh'], ['status']];

interface Round {
  name: string;
  commands: string[][];
  /** 'expired': every run must refresh first; 'revoked': GHL answers 401 to the saved access token. */
  token: 'expired' | 'revoked';
}

const ROUNDS: Round[] = [
  { name: 'check, access token expired', commands: [['check']], token: 'expired' },
  { name: `a mix of ${COMMAND_MIX.map((c) => c.join(' ')).join(', ')}, access token expired`, commands: COMMAND_MIX, token: 'expired' },
  { name: 'check, access token revoked (401 on use)', commands: [['check']], token: 'revoked' },
];

const figures = new Figures(1, 'Concurrency');
after(() => figures.save());

describe('concurrent runs share one refresh', () => {
  for (const round of ROUNDS) {
    it(`${RUNS} runs at once, ${round.name}: the refresh token is spent exactly once`, () =>
      withBox(async (box) => {
        const old = await box.sandbox.writeTokens(round.token === 'expired' ? -60 : 3600);
        if (round.token === 'revoked') box.fake.state.revokeAccessToken(String(old.access_token));
        box.fake.delayMs.token = TOKEN_DELAY_MS;
        const children = Array.from({ length: RUNS }, (_, i) => box.spawn(round.commands[i % round.commands.length] ?? []));
        const results = await Promise.all(children.map((child) => collect(child, { timeoutMs: 60_000 }).then((r) => box.checked(r))));
        results.forEach((result, i) => assert.equal(result.code, 0, `run ${i}: ${result.stderr}`));
        assertOneRotation(box, String(old.refresh_token));
        const saved = await box.sandbox.readTokens(); // parses
        assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, 'the file holds the live refresh token');
        figures.runs += RUNS;
        figures.item(`rounds of ${RUNS} runs started together, token endpoint ${TOKEN_DELAY_MS} ms slow`, `each round: refresh token spent once, ${RUNS}/${RUNS} exit 0, file parses`, round.name);
      }));
  }
});

/** The load: more runs than a 2-core machine can start within a deadline, round after round of rotations. */
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

function assertOneRotation(box: Box, oldRefreshToken: string): void {
  assert.equal(box.fake.requestsTo('token').length, 1, 'token requests');
  assert.equal(box.fake.state.refreshTokens.get(oldRefreshToken)?.uses, 1);
  assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
}
