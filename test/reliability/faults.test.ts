import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { verdict } from '../helpers.js';
import { withBox } from './box.js';
import { FAULT_MATRIX, type Expectation, type FaultCase, type Route } from './fault-matrix.js';
import { Figures } from './figures.js';

const ROUTES: Route[] = ['token', 'contact', 'tags'];
/** Every case ends well within this, retries and backoff included. */
const BOUND_MS = 20_000;
const DEFAULT_DEADLINE_SECONDS = 30;

const figures = new Figures(3, 'Fault matrix');
after(async () => {
  const cells = FAULT_MATRIX.flatMap((c) => ROUTES.filter((route) => c.expect[route]).map((route) => ({ c, route })));
  figures.runs = cells.length;
  figures.faults = cells.length;
  const exits = [...new Set(cells.map(({ c, route }) => c.expect[route]?.exit))].sort().join(', ');
  figures.row(
    `${FAULT_MATRIX.length} GHL faults × ${ROUTES.length} endpoints (token, contact read, tag write), ${cells.length} applicable: ${FAULT_MATRIX.map((c) => c.fault).join('; ')}`,
    `exit code per the table (seen: ${exits}), one-line verdict saying what to do, each within ${BOUND_MS / 1000} s, token file changed only by a successful refresh or by marking a dead refresh token spent`,
  );
  await figures.save();
});

describe('fault matrix: every failure answer of every endpoint', { concurrency: 4 }, () => {
  for (const fault of FAULT_MATRIX) {
    for (const route of ROUTES) {
      const expectation = fault.expect[route];
      if (!expectation) continue;
      it(`${route}: ${fault.fault} → exit ${expectation.exit}`, () => runCell(fault, route, expectation));
    }
  }
});

async function runCell(fault: FaultCase, route: Route, expectation: Expectation): Promise<void> {
  await withBox(async (box) => {
    // The token endpoint is reached only by a run that must refresh.
    await box.sandbox.writeTokens(route === 'token' ? -60 : 3600);
    const before = await readFile(box.tokensFile, 'utf8');
    const injection = fault.inject(route);
    const env: Record<string, string> = { GHL_CHECK_TIMEOUT_SECONDS: String(fault.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) };
    if ('faults' in injection) box.fake.fail(route, ...injection.faults);
    else Object.assign(env, injection.env);
    box.extraSecrets.push(...Object.entries(env).filter(([name]) => name === 'GHL_CLIENT_SECRET').map(([, value]) => value));

    const result = await box.run(['check'], { env, timeoutMs: BOUND_MS + 10_000 });
    const line = verdict(result);
    assert.equal(result.code, expectation.exit, `exit code; stderr:\n${result.stderr}`);
    assert.ok(result.ms < BOUND_MS, `took ${result.ms} ms`);
    if (expectation.exit !== 0) {
      assert.match(line, /^ghl-auth: [^\n]+ \[[a-z_]+\]$/, 'one line with its reason code');
      assert.match(line, expectation.says ?? /./);
    }
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
