import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, verdict } from './helpers.js';
import { alter, UNUSABLE_ANSWERS } from './odd-token-answers.js';

const DAY_S = 86_400;

type Alter = Record<string, unknown>;

describe('a 2xx token answer with a refresh token is saved before it is judged', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** The first run gets `changes` applied to a real pair; the answer's refresh token must end up in the file. */
  const answerOddly = async (changes: Alter) => {
    const issued = box.fake.state.issueTokens();
    box.fake.fail('token', { kind: 'status', status: 200, body: alter(issued, changes) });
    return issued;
  };

  for (const [name, changes] of UNUSABLE_ANSWERS) {
    it(`refresh answered with ${name}: exit 4 after saving; the next run refreshes with the saved token, exit 0`, async () => {
      await box.writeTokens(-60);
      const issued = await answerOddly(changes);
      const first = await box.run(['check']);
      assert.equal(first.code, 4, first.stderr);
      assert.match(verdict(first), /new refresh token was saved.*next check or `token` refreshes.*\[ghl_unexpected_response\]$/);
      assert.equal((await box.readTokens()).token.refresh_token, issued.refresh_token);
      assert.ok(Date.parse((await box.readTokens()).expiresAt) <= Date.now(), 'due at once');

      const next = await box.run(['check']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(box.fake.requestsTo('token').at(-1)?.form?.refresh_token, issued.refresh_token);
      assert.equal(box.fake.state.refreshTokens.get(String(issued.refresh_token))?.uses, 1);
    });
  }

  for (const huge of [1e300, 3e11]) {
    it(`refresh answered with expires_in ${huge}: saved with at most a day, a file every later run reads`, async () => {
      await box.writeTokens(-60);
      const issued = await answerOddly({ expires_in: huge });
      const first = await box.run(['check']);
      assert.equal(first.code, 0, first.stderr);
      const saved = await box.readTokens();
      assert.equal(saved.token.refresh_token, issued.refresh_token);
      assert.ok(Date.parse(saved.expiresAt) <= Date.now() + DAY_S * 1000, `capped: ${saved.expiresAt}`);
      assert.equal((await box.run(['status'])).code, 0, 'the saved file is valid');
      const next = await box.run(['refresh', '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(box.fake.requestsTo('token').at(-1)?.form?.refresh_token, issued.refresh_token);
    });
  }

  it('a null locationId or a number as scope: the pair is saved; the run says what was odd', async () => {
    await box.writeTokens(-60);
    const issued = await answerOddly({ locationId: null, scope: 42 });
    const first = await box.run(['check']);
    assert.equal(first.code, 4, first.stderr);
    assert.match(verdict(first), /scope/);
    assert.doesNotMatch(verdict(first), /locationId/, 'null stands for absent');
    assert.equal((await box.readTokens()).token.refresh_token, issued.refresh_token);
    assert.equal((await box.run(['check'])).code, 0);
  });

  it('a code exchange answered without expires_in: the pair is saved (the code is spent); check then refreshes', async () => {
    const issued = await answerOddly({ expires_in: undefined });
    const first = await box.run(['exchange', '--code', box.fake.state.issueCode()]);
    assert.equal(first.code, 4, first.stderr);
    assert.match(verdict(first), /new refresh token was saved/);
    assert.equal((await box.readTokens()).token.refresh_token, issued.refresh_token);
    const next = await box.run(['check']);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(box.fake.requestsTo('token').at(-1)?.form?.refresh_token, issued.refresh_token);
  });

  for (const [name, accessToken] of [['empty', ''], ['missing', undefined]] as const) {
    it(`a saved pair whose access token is ${name}: status says expired, check refreshes`, async () => {
      const token = await box.writeTokens(3600);
      const saved = await box.readTokens();
      await writeFile(box.tokensFile, JSON.stringify({ ...saved, token: alter(saved.token, { access_token: accessToken }) }), { mode: 0o600 });
      const status = await box.run(['status', '--json']);
      assert.equal(status.code, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).accessToken.expired, true);
      const check = await box.run(['check']);
      assert.equal(check.code, 0, check.stderr);
      assert.equal(box.fake.requestsTo('token')[0]?.form?.refresh_token, token.refresh_token);
    });
  }
});
