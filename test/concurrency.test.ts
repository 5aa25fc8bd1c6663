import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapSettled } from '../src/concurrency.js';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapSettled', () => {
  it('never has more than N in flight, starts them in order, and returns results in input order', async () => {
    const pending = Array.from({ length: 10 }, () => deferred<string>());
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const all = mapSettled(pending, 3, async (item, index) => {
      started.push(index);
      most = Math.max(most, ++inFlight);
      try {
        return await item.promise;
      } finally {
        inFlight -= 1;
      }
    });
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    // Settle out of order: the last started first.
    for (const index of [2, 0, 1, 5, 4, 3, 9, 8, 7, 6]) {
      pending[index]?.resolve(`item ${index}`);
      await tick();
    }
    const results = await all;
    assert.equal(most, 3);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(results, pending.map((_, index) => ({ status: 'fulfilled', value: `item ${index}` })));
  });

  it('a failing item, rejected or thrown, is its own result and the others go on', async () => {
    const failure = new Error('location b failed');
    const results = await mapSettled(['a', 'b', 'c', 'd'], 2, (item) => {
      if (item === 'd') throw failure;
      return item === 'b' ? Promise.reject(failure) : Promise.resolve(item.toUpperCase());
    });
    assert.deepEqual(results, [
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'C' },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('takes no items, fewer items than N, and refuses a limit below 1', async () => {
    assert.deepEqual(await mapSettled([], 5, async () => 1), []);
    assert.deepEqual(await mapSettled([1], 5, async (n) => n * 2), [{ status: 'fulfilled', value: 2 }]);
    await assert.rejects(mapSettled([1], 0, async (n) => n), RangeError);
    await assert.rejects(mapSettled([1], 1.5, async (n) => n), RangeError);
  });
});
