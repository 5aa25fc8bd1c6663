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

function assertOneRotation(box: Box, oldRefreshToken: string): void {
  assert.equal(box.fake.requestsTo('token').length, 1, 'token requests');
  assert.equal(box.fake.state.refreshTokens.get(oldRefreshToken)?.uses, 1);
  assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
}
