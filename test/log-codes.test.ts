import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { CLI, collect, Sandbox } from './helpers.js';

describe('logs: error codes readable, authorization codes never shown', () => {
  let box: Sandbox;
  afterEach(async () => box.close());

  it('a login whose browser opener cannot be run (EACCES) logs that code; the code it exchanged appears nowhere', async () => {
    box = await Sandbox.create({ redirectUri: 'https://google.com/' });
    const bin = join(box.dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'xdg-open'), '#!/bin/sh\n', { mode: 0o644 }); // not executable: spawn fails with EACCES
    const code = box.fake.state.issueCode();
    // Node itself, not the shebang: PATH holds only the opener, so no other one is found instead.
    const login = spawn(process.execPath, [CLI, 'login'], { cwd: box.dir, env: box.env({ PATH: bin, LOG_LEVEL: 'debug' }) });
    const result = await collect(login, { stdin: `${code}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token')[0]?.form?.code, code, 'the code was exchanged');
    const opener = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; err?: { code?: string } })
      .find((entry) => entry.msg.startsWith('could not open a browser'));
    assert.equal(opener?.err?.code, 'EACCES', JSON.stringify(opener));
    box.assertNoSecrets(result.stdout + result.stderr);
  });
});
