import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRedirect } from '../src/login/redirect.js';

const STATE = 'state-of-this-login';
const read = (query: string) => readRedirect(new URLSearchParams(query), STATE);

describe('readRedirect: what GHL appended to the redirect URI', () => {
  it('a code with this login state is the code', () => {
    assert.deepEqual(read(`code=abc123&state=${STATE}`), { kind: 'code', code: 'abc123' });
  });

  it('the state is judged before anything else: a missing or foreign state is forged, whatever else is there', () => {
    assert.deepEqual(read('code=abc123'), { kind: 'forged', why: 'it carries no state' });
    assert.equal(read('code=abc123&state=old').kind, 'forged');
    assert.equal(read('error=access_denied&state=old').kind, 'forged', 'a refusal without our state cannot end the login');
  });

  it('a refusal with this login state ends it with exit 3, its text made printable and short', () => {
    const redirect = read(`error=access_denied&error_description=${encodeURIComponent('User\u001b[31m said no'.padEnd(400, '!'))}&state=${STATE}`);
    assert.equal(redirect.kind, 'denied');
    if (redirect.kind !== 'denied') return;
    assert.equal(redirect.error.code, 'reauthorization_required');
    assert.match(redirect.error.message, /refused on GHL's consent page \(access_denied: User\?\[31m said no!+\)/);
    assert.ok(!redirect.error.message.includes('\u001b'), 'no escape character reaches the terminal');
    assert.ok(redirect.error.message.length < 400, 'the description is cut');
  });

  it('this login state without a code or an error is forged (nothing to exchange)', () => {
    assert.deepEqual(read(`state=${STATE}`), { kind: 'forged', why: 'it carries no code' });
  });
});
