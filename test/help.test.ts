import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CLI } from './helpers.js';

const COMMANDS = [[], ['check'], ['demo'], ['login'], ['exchange'], ['authorize-url'], ['status'], ['refresh'], ['token'], ['tokens'], ['tokens', 'import']];

function help(args: string[]): string {
  const result = spawnSync(CLI, [...args, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('--help', () => {
  for (const args of COMMANDS) {
    const name = ['ghl-auth', ...args].join(' ');
    it(`${name}: fits 80 columns and shows examples`, () => {
      const text = help(args);
      const wide = text.split('\n').filter((line) => line.length > 80);
      assert.deepEqual(wide, [], `lines wider than 80 columns in ${name} --help`);
      assert.match(text, /Examples?:\n {2}\S/);
    });
  }

  it('each command lists what its exit 0 means; only check calls it healthy', () => {
    assert.match(help(['check']), / {2}0 {2}healthy\n/);
    for (const args of [['login'], ['exchange'], ['refresh'], ['tokens', 'import']]) assert.doesNotMatch(help(args), / {2}0 {2}healthy/, args.join(' '));
  });

  it('token is not a cron run: its exit 4 says to try again later, not that the next run will', () => {
    assert.match(help(['token']), / {2}4 {2}GHL unavailable or failing, .*\n {5}store unreachable or not answering \(temporary: try again later\)\n/);
    assert.doesNotMatch(help(['token']), /next run/);
  });

  it('exit 4 and 5 name the Postgres store too: down before anything was spent is 4, its lock held is 5', () => {
    const fourAndFive = [
      '  4  GHL unavailable or failing, or (before anything was spent) the Postgres',
      '     store unreachable or not answering (temporary: the next run tries again)',
      '  5  token file or Postgres store locked by another run (try again)',
    ].join('\n');
    for (const args of [[], ['check'], ['login'], ['exchange'], ['refresh']]) assert.ok(help(args).includes(fourAndFive), args.join(' '));
    assert.match(help(['status']), / {2}4 {2}the Postgres store unreachable or not answering, or \(--verify\) GHL could\n/);
  });

  it('commands that send GHL nothing say their exit 4 is the Postgres store, and their exit codes fit 80 columns', () => {
    for (const args of [['tokens', 'import'], ['tokens', 'migrate'], ['store', 'migrate']]) {
      const codes = help(args).split('Exit codes:\n')[1] ?? '';
      assert.match(codes, /^ {2}4 {2}(the|a) Postgres store unreachable or not answering \(try again later\)$/m, args.join(' '));
      assert.doesNotMatch(codes, /GHL/, args.join(' '));
      assert.deepEqual(codes.split('\n').filter((line) => line.length > 80), [], args.join(' '));
    }
  });

  it("check's cron example avoids minute 0, as the README advises", () => {
    assert.match(help(['check']), /^ {2}17 \*\/6 \* \* \* /m);
  });
});
