import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { CLI, collect, Sandbox, type RunResult } from './helpers.js';

// The commands a newcomer types first, at a real terminal, with the optional pino-pretty installed (as `npm ci` installs it).
const noScript = spawnSync('script', ['--version']).error ? 'needs script(1) (util-linux) for a terminal' : false;

describe('at a terminal, with pino-pretty installed', { skip: noScript }, () => {
  let box: Sandbox;
  before(async () => {
    box = await Sandbox.create();
  });
  after(() => box.close());

  /** script(1) gives the CLI a pseudo-terminal as stdin, stdout and stderr; its exit code is the CLI's (-e). */
  async function atTerminal(args: string, printsToken = false): Promise<RunResult> {
    const result = await collect(spawn('script', ['-qec', `${CLI} ${args}`, '/dev/null'], { cwd: box.dir, env: { ...box.env(), TERM: 'xterm' } }), { timeoutMs: 60_000 });
    if (!printsToken) box.assertNoSecrets(result.stdout);
    return result;
  }

  it('pino-pretty is installed here, so this is the path a newcomer takes', () => {
    assert.doesNotThrow(() => createRequire(import.meta.url).resolve('pino-pretty'));
  });

  it('demo exits 0 and tells its story in readable lines', async () => {
    const result = await atTerminal('demo');
    assert.equal(result.code, 0, result.stdout);
    assert.doesNotMatch(result.stdout, /internal error|TypeError/);
    assert.doesNotMatch(result.stdout, /^\{"level"/m, 'a raw JSON log line on a terminal');
  });

  it('check logs its verdict through pino-pretty: one readable line, no JSON', async () => {
    await box.writeTokens();
    const result = await atTerminal('check');
    assert.equal(result.code, 0, result.stdout);
    const plain = stripVTControlCharacters(result.stdout);
    assert.match(plain, /^\[\d\d:\d\d:\d\d\] INFO.*healthy: tag 'Status:Online-AuthService' added/m);
    assert.doesNotMatch(plain, /^\{"level"/m);
  });

  it('status and token exit 0', async () => {
    await box.writeTokens();
    const status = await atTerminal('status');
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /usable/);
    const token = await atTerminal('token', true);
    assert.equal(token.code, 0, token.stdout);
    assert.doesNotMatch(token.stdout, /internal error/);
  });

  it('a check that refreshes logs the refresh readably too', async () => {
    await box.writeTokens(0);
    const result = await atTerminal('check');
    assert.equal(result.code, 0, result.stdout);
    assert.match(stripVTControlCharacters(result.stdout), /^\[\d\d:\d\d:\d\d\] INFO.*refresh/im);
  });
});
