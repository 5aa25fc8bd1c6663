import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Fault } from '../src/fake-ghl/server.js';
import { Sandbox, verdict } from './helpers.js';
import { alter, nestedArrays, UNUSABLE_ANSWERS } from './odd-token-answers.js';

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

describe('any 2xx answer to a refresh: whatever refresh token it carries is saved, else the old one is never sent again', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  type Answer = (pair: Record<string, unknown>) => Fault;
  const json = (body: (pair: Record<string, unknown>) => unknown): Answer => (pair) => ({ kind: 'status', status: 200, body: body(pair) });
  const raw = (text: (pair: Record<string, unknown>) => string): Answer => (pair) => ({ kind: 'raw', status: 200, type: 'application/json', body: text(pair) });
  const kept = async () => (await readdir(box.dir)).filter((name) => /\.answer-.*\.json$/.test(name));

  const SAVED: Array<[name: string, answer: Answer, exit: number]> = [
    ['a pair with a field nested 10,000 deep (20 KB)', raw((pair) => JSON.stringify(pair).replace(/}$/, `,"extra":${nestedArrays(10_000, '1')}}`)), 0],
    ['the pair wrapped in data', json((pair) => ({ data: pair })), 4],
    ['the pair as the one element of a JSON array', json((pair) => [pair]), 4],
  ];
  for (const [name, answer, exit] of SAVED) {
    it(`${name}: exit ${exit}, the new pair saved; the next run never presents the old refresh token`, async () => {
      const old = String((await box.writeTokens(-60)).refresh_token);
      const issued = box.fake.state.issueTokens();
      box.fake.fail('token', answer(issued));
      const first = await box.run(['check']);
      assert.equal(first.code, exit, first.stderr);
      assert.equal(box.fake.requestsTo('token').length, 1, 'exactly one refresh');
      const saved = await box.readTokens();
      assert.equal(saved.token.refresh_token, issued.refresh_token);
      assert.equal(saved.token.access_token, issued.access_token);

      const next = await box.run(['refresh', '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(box.fake.requestsTo('token').map((request) => request.form?.refresh_token), [old, issued.refresh_token]);
      assert.deepEqual(await kept(), []);
    });
  }

  const NO_REFRESH_TOKEN: Array<[name: string, answer: Answer]> = [
    ['JSON nested 10,000 deep (20 KB) and nothing else', raw(() => nestedArrays(10_000, '1'))],
    ['an HTML page', () => ({ kind: 'html', status: 200 })],
    ['an empty JSON array', json(() => [])],
    ['a pair without refresh_token', json((pair) => alter(pair, { refresh_token: undefined }))],
  ];
  for (const [name, answer] of NO_REFRESH_TOKEN) {
    it(`${name}: exit 3, the old refresh token marked spent and never sent again; the answer kept beside, redacted, 0600`, async () => {
      const old = String((await box.writeTokens(-60)).refresh_token);
      box.fake.fail('token', answer(box.fake.state.issueTokens()));
      const first = await box.run(['check']);
      assert.equal(first.code, 3, first.stderr);
      assert.match(verdict(first), /200 but no refresh token.*may have.*never sent again.*ghl-auth login --force.*kept, redacted, in .*\.answer-.*\.json.*\[reauthorization_required\]$/);
      assert.equal(box.fake.requestsTo('token').length, 1, 'exactly one refresh');
      const saved = (await box.readTokens()) as Record<string, unknown> & { token: Record<string, unknown> };
      assert.equal(saved.token.refresh_token, old, 'the pair is kept as it was');
      assert.ok(saved.refreshTokenSpent, 'and marked spent');

      const [file, ...more] = await kept();
      assert.ok(file && more.length === 0, `one kept answer: ${String(file)}`);
      const path = join(box.dir, file);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const record = await readFile(path, 'utf8');
      box.assertNoSecrets(record);
      assert.equal(JSON.parse(record).status, 200);

      for (const args of [['check'], ['refresh', '--force']]) {
        const next = await box.run(args);
        assert.equal(next.code, 3, next.stderr);
        assert.match(verdict(next), /declared dead at .*ghl-auth login --force/);
      }
      assert.equal(box.fake.requestsTo('token').length, 1, 'the old refresh token is not presented again');
    });
  }

  it('a pair without refresh_token: the kept answer keeps the keys and shapes, every longer string redacted', async () => {
    await box.writeTokens(-60);
    box.fake.fail('token', { kind: 'status', status: 200, body: { ...alter(box.fake.state.issueTokens(), { refresh_token: undefined }), nested: { list: ['abc', 'a-long-value'] } } });
    assert.equal((await box.run(['check'])).code, 3);
    const [file] = await kept();
    const { body } = JSON.parse(await readFile(join(box.dir, String(file)), 'utf8'));
    assert.equal(body.expires_in, 86_399);
    assert.equal(body.isBulkInstallation, false);
    assert.match(body.access_token, /^\[redacted: \d+ chars\]$/);
    assert.deepEqual(body.nested, { list: ['abc', '[redacted: 12 chars]'] });
  });

  it('a code exchange answered 200 without refresh_token: exit 3 (the code is spent), the answer kept beside', async () => {
    box.fake.fail('token', { kind: 'status', status: 200, body: alter(box.fake.state.issueTokens(), { refresh_token: undefined }) });
    const result = await box.run(['exchange', '--code', box.fake.state.issueCode()]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(verdict(result), /200 but no refresh token.*code.*kept, redacted, in .*\.answer-.*\.json/);
    assert.equal((await kept()).length, 1);
    await assert.rejects(stat(box.tokensFile), 'nothing to save');
  });
});
