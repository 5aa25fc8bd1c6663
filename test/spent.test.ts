import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ghlError } from '../src/fake-ghl/server.js';
import { Sandbox, verdict } from './helpers.js';

describe('a refresh token GHL declared dead is marked spent and never sent again', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** Tokens whose access token is still valid for an hour, and whose refresh token GHL no longer knows ("Invalid grant"). */
  const revoked = async () => {
    const token = await box.writeTokens(3600);
    box.fake.state.refreshTokens.delete(String(token.refresh_token));
    return String(token.refresh_token);
  };
  const sent = (refreshToken: string) => box.fake.requestsTo('token').filter((request) => request.form?.refresh_token === refreshToken).length;
  const claims = async () => (await readdir(box.dir)).filter((name) => name.includes('.refreshing-'));

  it('refresh --force meets Invalid grant: the file marks it spent; status says re-authorize (exit 3); check exits 3 without asking GHL', async () => {
    const dead = await revoked();
    const before = await box.readTokens();
    const refresh = await box.run(['refresh', '--force']);
    assert.equal(refresh.code, 3, refresh.stderr);
    assert.match(verdict(refresh), /Invalid grant.*ghl-auth login --force/);

    const marked = await box.readTokens();
    assert.deepEqual({ ...marked, refreshTokenSpent: undefined }, { ...before, refreshTokenSpent: undefined }, 'the pair and the file version are untouched');
    const mark = (marked as { refreshTokenSpent?: { at: string; reason: string } }).refreshTokenSpent;
    assert.ok(mark && Math.abs(Date.parse(mark.at) - Date.now()) < 60_000, `marked: ${Object.keys(marked).join(', ')}`);
    assert.match(mark.reason, /Invalid grant/);

    const status = await box.run(['status']);
    assert.equal(status.code, 3, status.stdout + status.stderr);
    assert.match(status.stdout, /^verdict: re-authorize/m);
    assert.match(status.stdout, new RegExp(`problem: .*declared dead at ${mark.at.replace(/\./g, '\\.')}.*ghl-auth login --force`));
    const json = JSON.parse((await box.run(['status', '--json'])).stdout);
    assert.equal(json.usable, false);
    assert.equal(json.refreshTokenSpent.at, mark.at);

    const check = await box.run(['check']);
    assert.equal(check.code, 3, check.stderr);
    assert.match(verdict(check), new RegExp(`declared dead at ${mark.at.replace(/\./g, '\\.')}.*ghl-auth login --force.*\\[reauthorization_required\\]$`));
    assert.equal(box.fake.requestsTo('token').length, 1, 'GHL saw no token request after the first');
    assert.equal(box.fake.requestsTo('contact').length, 0, 'nor any other');
    assert.equal(sent(dead), 1);
  });

  it('later runs of every kind send the dead token 0 more times and leave no refresh claims', async () => {
    const due = await box.writeTokens(-60); // due for refresh: every later run would try
    const dead = String(due.refresh_token);
    box.fake.state.refreshTokens.delete(dead);
    assert.equal((await box.run(['check'])).code, 3);
    for (const args of [['check'], ['check'], ['token'], ['refresh'], ['refresh', '--force'], ['check']]) {
      const result = await box.run(args);
      assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
      assert.match(verdict(result), /declared dead at .*ghl-auth login --force/);
    }
    assert.equal(sent(dead), 1, 'sent once, by the run that met Invalid grant');
    assert.deepEqual(await claims(), []);
  });

  it('tokens import --force of a fresh pair clears the mark: check exits 0', async () => {
    await revoked();
    assert.equal((await box.run(['refresh', '--force'])).code, 3);
    const fresh = box.fake.state.issueTokens();
    const imported = await box.run(['tokens', 'import', '--force', '-'], { stdin: JSON.stringify(fresh) });
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal('refreshTokenSpent' in (await box.readTokens()), false);
    const check = await box.run(['check']);
    assert.equal(check.code, 0, check.stderr);
    assert.equal((await box.run(['status'])).code, 0);
  });

  for (const [name, faults] of [
    ['Location is not active', [ghlError(400, 'Location is not active')]],
    ['a persistent 500', Array.from({ length: 4 }, () => ghlError(500, 'Internal server error'))],
    ['a persistent connection reset', Array.from({ length: 4 }, () => ({ kind: 'reset' as const }))],
  ] as const) {
    it(`${name} does not mark the token: the next refresh sends it and succeeds`, async () => {
      const token = await box.writeTokens(3600);
      box.fake.fail('token', ...faults);
      const first = await box.run(['refresh', '--force']);
      assert.equal(first.code, 4, first.stderr);
      assert.equal('refreshTokenSpent' in (await box.readTokens()), false);
      const next = await box.run(['refresh', '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(box.fake.requestsTo('token').at(-1)?.form?.refresh_token, token.refresh_token);
    });
  }
});
