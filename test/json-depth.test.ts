import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CUT, cutDeepJson } from '../src/json-depth.js';

describe('answers nested too deep are cut before anything recurses into them', () => {
  it('leaves JSON within the bound alone, brackets inside strings (and escaped quotes) not counted', () => {
    assert.equal(cutDeepJson('{"a":[[1]],"b":"[[[[\\"{{{{"}', 3), undefined);
  });

  it('replaces each array or object deeper than the bound by a string, keeping its siblings', () => {
    const cut = cutDeepJson('{"refresh_token":"rt","x":[[["deep",{"y":1}]]],"z":[2]}', 2);
    assert.deepEqual(JSON.parse(String(cut)), { refresh_token: 'rt', x: [CUT], z: [2] });
  });

  it('an answer nested 100,000 deep parses to the bound, in one pass', () => {
    const cut = cutDeepJson(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    let value: unknown = JSON.parse(String(cut));
    let depth = 0;
    for (; typeof value === 'object' && value !== null; depth += 1) value = (value as { a: unknown }).a;
    assert.equal(depth, 32);
    assert.equal(value, CUT);
  });
});
