/**
 * Many programs asking at once: 50 concurrent getAccessToken() calls in one process, then 50
 * concurrent `ghl-auth token` processes, with a valid token (read without the lock), then with an
 * expired one (one refresh under the lock, the rest read its result). Each caller's wall time (for
 * processes: from spawn to exit, Node's own start-up included); run on a quiet machine.
 */
import { performance } from 'node:perf_hooks';
import { Sandbox } from '../test/helpers.js';
import { measureNode } from './measure.js';

const CALLERS = 50;
// The built API, as programs import it (`npm run bench` builds first).
const { getAccessToken } = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? NaN;

const box = await Sandbox.create();
try {
  const cli = `${process.cwd()}/dist/cli.js`;
  const env = box.env({ LOG_LEVEL: 'warn' });
  for (const [label, expiresInS] of [['valid token', 3600], ['expired token', -60]] as const) {
    await box.writeTokens(expiresInS);
    box.fake.requests.length = 0;
    const calls = await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        const started = performance.now();
        await getAccessToken({ env, cwd: box.dir });
        return performance.now() - started;
      }),
    );
    console.log(`${CALLERS} concurrent getAccessToken() calls, ${label}: p50 ${percentile(calls, 50).toFixed(0)} ms, p99 ${percentile(calls, 99).toFixed(0)} ms; refreshes sent: ${box.fake.requestsTo('token').length}`);
    await box.writeTokens(expiresInS);
    box.fake.requests.length = 0;
    const runs = await Promise.all(Array.from({ length: CALLERS }, () => measureNode(['--', cli, 'token'], { env, cwd: box.dir, measureRss: false, timeoutMs: 60_000 })));
    const failed = runs.filter((run) => run.code !== 0).length;
    for (const run of runs.filter((one) => one.code !== 0).slice(0, 2)) console.log(`  a failed caller (exit ${run.code}): ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
    const ms = runs.map((run) => run.ms);
    console.log(
      `${CALLERS} concurrent token callers, ${label}: p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; ${failed} failed; refreshes sent: ${box.fake.requestsTo('token').length}`,
    );
  }
} finally {
  await box.close();
}
