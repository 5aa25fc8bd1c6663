import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { withBox } from './box.js';
import { assertEnded, FAULT_BOUND_MS, FAULT_CELLS, FAULT_MATRIX, injectFault, ROUTES, type Expectation, type FaultCase, type Route } from './fault-matrix.js';
import { Figures } from './figures.js';

const figures = new Figures(3, 'Fault matrix');
after(async () => {
  figures.runs = FAULT_CELLS.length;
  figures.faults = FAULT_CELLS.length;
  const exits = [...new Set(FAULT_CELLS.map(({ expectation }) => expectation.exit))].sort().join(', ');
  figures.row(
    `${FAULT_MATRIX.length} GHL faults × ${ROUTES.length} endpoints (token, contact read, tag write), ${FAULT_CELLS.length} applicable: ${FAULT_MATRIX.map((c) => c.fault).join('; ')}`,
    `exit code per the table (seen: ${exits}), one-line verdict saying what to do, each within ${FAULT_BOUND_MS / 1000} s, token file changed only by a successful refresh or by marking a dead refresh token spent`,
  );
  await figures.save();
});

describe('fault matrix: every failure answer of every endpoint', { concurrency: 4 }, () => {
  for (const { fault, route, expectation } of FAULT_CELLS) {
    it(`${route}: ${fault.fault} → exit ${expectation.exit}`, () => runCell(fault, route, expectation));
  }
});

async function runCell(fault: FaultCase, route: Route, expectation: Expectation): Promise<void> {
  await withBox(async (box) => {
    // The token endpoint is reached only by a run that must refresh.
    await box.sandbox.writeTokens(route === 'token' ? -60 : 3600);
    const before = await readFile(box.tokensFile, 'utf8');
    const env = injectFault(box, fault, route);
    assertEnded(await box.run(['check'], { env, timeoutMs: FAULT_BOUND_MS + 10_000 }), expectation);
    const after = await readFile(box.tokensFile, 'utf8');
    if (expectation.refreshed) {
      assert.notEqual(after, before, 'a successful refresh is saved');
      const saved = JSON.parse(after) as { token: { refresh_token: string } };
      assert.equal(box.fake.state.refreshTokens.get(saved.token.refresh_token)?.uses, 0, 'the saved refresh token is live');
    } else if (expectation.spent) {
      const { refreshTokenSpent, ...pair } = JSON.parse(after) as Record<string, unknown>;
      assert.deepEqual(pair, JSON.parse(before), 'the pair is kept as it was');
      assert.ok(refreshTokenSpent, 'and marked spent');
    } else {
      assert.equal(after, before, 'token file unchanged');
    }
  });
}
