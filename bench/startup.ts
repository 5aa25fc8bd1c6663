/**
 * Timing, kept out of the tests: start-up of the CLI against bare Node, and a healthy `check`
 * against the stand-in GHL (with the requests it made). Medians of repeated runs; run on a quiet machine.
 *   npm run bench            npm run bench -- 50
 */
import { spawn } from 'node:child_process';
import { collect, Sandbox } from '../test/helpers.js';

const runs = Number(process.argv[2] ?? 20);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Asynchronous: the stand-in GHL answers from this very process. */
async function time(args: string[], env?: Record<string, string>, cwd?: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = await collect(spawn(process.execPath, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] }));
    if (result.code !== 0) throw new Error(`node ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

const box = await Sandbox.create();
try {
  const cli = `${process.cwd()}/dist/cli.js`;
  const bare = await time(['-e', '0']);
  const rows: Array<[string, number]> = [
    ['node -e 0', bare],
    ['ghl-auth --version', await time(['--', cli, '--version'])],
    ['ghl-auth --help', await time(['--', cli, '--help'])],
  ];
  await box.writeTokens();
  box.fake.requests.length = 0;
  rows.push(['ghl-auth check (healthy, stand-in GHL)', await time(['--', cli, 'check'], box.env({ LOG_LEVEL: 'warn' }), box.dir)]);
  const perRun = box.fake.requests.length / runs;
  console.log(`median of ${runs} runs (ms)`);
  for (const [what, ms] of rows) console.log(`${what.padEnd(42)} ${ms.toFixed(0).padStart(5)}   ${what === 'node -e 0' ? '' : `+${(ms - bare).toFixed(0)} over node -e 0`}`);
  console.log(`requests to GHL per healthy check: ${perRun}`);
} finally {
  await box.close();
}
