/**
 * Timing and footprint, kept out of the tests: start-up of the CLI, a healthy `check` (against the
 * stand-in GHL) and `token` as ratios of bare `node -e 0` measured in the same loop, their peak RSS,
 * and the production dependency count. Medians of repeated runs; run on a quiet machine.
 *   npm run bench            npm run bench -- 50
 * The image's size over its base is reported by `npm run test:container`.
 */
import { execFileSync } from 'node:child_process';
import { Sandbox } from '../test/helpers.js';
import { GNU_TIME, hasGnuTime, measureNode } from './measure.js';

const runs = Number(process.argv[2] ?? 20);
/** The budget for each ratio to `node -e 0`. */
const TARGETS = { version: 1.3, check: 3.2, rss: 2 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** One run: wall time in ms, and peak RSS in kB when GNU time is there. */
async function once(c: Case, measureRss: boolean): Promise<{ ms: number; rssKb: number }> {
  const result = await measureNode(c.args, { env: c.env, cwd: c.cwd, measureRss });
  if (result.code !== 0) throw new Error(`node ${c.args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

const box = await Sandbox.create();
try {
  const cli = `${process.cwd()}/dist/cli.js`;
  await box.writeTokens();
  // One environment for all: an inherited NODE_EXTRA_CA_CERTS alone costs bare Node tens of ms.
  const env = box.env({ LOG_LEVEL: 'warn' });
  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'ghl-auth --version', args: ['--', cli, '--version'] },
    { name: 'ghl-auth --help', args: ['--', cli, '--help'] },
    { name: 'ghl-auth check (healthy, stand-in GHL)', args: ['--', cli, 'check'] },
    // Other programs call it often: the token is valid, so no request, only the file under the lock.
    { name: 'ghl-auth token (valid token)', args: ['--', cli, 'token'] },
  ].map((c) => ({ ...c, env, cwd: box.dir }));
  const withRss = hasGnuTime();
  const samples = cases.map(() => ({ ms: [] as number[], rssKb: [] as number[] }));
  box.fake.requests.length = 0;
  // Interleaved, so load from elsewhere on the machine hits every case alike.
  for (let i = 0; i < runs; i += 1) {
    for (const [index, c] of cases.entries()) samples[index]?.ms.push((await once(c, false)).ms);
  }
  const checkRequests = box.fake.requests.length; // `token` with a valid token sends none
  for (let i = 0; withRss && i < Math.min(runs, 10); i += 1) {
    for (const [index, c] of cases.entries()) samples[index]?.rssKb.push((await once(c, true)).rssKb);
  }
  const [bare, ...rest] = samples.map((s) => ({ ms: median(s.ms), rssKb: median(s.rssKb) }));
  if (!bare) throw new Error('no samples');

  console.log(`median of ${runs} runs (ms; peak RSS: median of ${Math.min(runs, 10)} runs under ${GNU_TIME})`);
  console.log(`${'node -e 0'.padEnd(42)} ${bare.ms.toFixed(0).padStart(5)} ms ${(bare.rssKb / 1024).toFixed(1).padStart(6)} MB`);
  for (const [index, row] of rest.entries()) {
    const name = cases[index + 1]?.name ?? '';
    console.log(`${name.padEnd(42)} ${row.ms.toFixed(0).padStart(5)} ms ${(row.rssKb / 1024).toFixed(1).padStart(6)} MB   ${(row.ms / bare.ms).toFixed(2)}x time, ${(row.rssKb / bare.rssKb).toFixed(2)}x RSS`);
  }
  const ratio = (index: number) => rest[index] ?? bare;
  console.log(`\ntargets: --version ≤ ${TARGETS.version}x: ${(ratio(0).ms / bare.ms).toFixed(2)}x; check ≤ ${TARGETS.check}x: ${(ratio(2).ms / bare.ms).toFixed(2)}x; check RSS ≤ ${TARGETS.rss}x: ${(ratio(2).rssKb / bare.rssKb).toFixed(2)}x`);
  console.log(`requests to GHL per healthy check: ${checkRequests / runs}`);
  const production = execFileSync('npm', ['ls', '--omit=dev', '--omit=optional', '--all', '--parseable'], { encoding: 'utf8' }).trim().split('\n').length - 1;
  console.log(`production packages (npm ls --omit=dev --omit=optional --all): ${production}`);
} finally {
  await box.close();
}
