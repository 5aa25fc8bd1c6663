import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ScriptSandbox } from './script-sandbox.js';

const uidGid = () => `${process.getuid?.()}:${process.getgid?.()}`;

describe('ghl-token (with a recording fake of docker)', () => {
  let box: ScriptSandbox;
  beforeEach(async () => (box = await ScriptSandbox.create()));
  afterEach(async () => box.close());

  it('runs `token` in the image with the mounts of run_ghl_check.sh, passing its arguments and exit code through', async () => {
    await box.writeEnv(['GHL_IMAGE="registry.example/ghl-auth:1.2" # pinned', "GHL_DOCKER_ARGS='--network host'", 'GHL_DATA_DIR=./tokens']);
    await mkdir(join(box.install, 'tokens'));
    const result = await box.run('ghl-token', ['--min-ttl', '600', '--json'], { FAKE_DOCKER_EXIT: '3' });
    assert.equal(result.code, 3);
    // stdout is the container's alone (the fake docker's line), its stderr stays stderr.
    assert.equal(result.stdout, '{"level":30,"msg":"from the container stdout"}\n');
    assert.equal(result.stderr, 'ghl-auth: from the container stderr\n');
    const calls = await box.dockerCalls();
    const name = calls[0]?.[2] ?? '';
    assert.match(name, /^ghl-auth-token-\d+-\d+$/);
    // No --rm, which this engine answers with 0 whatever the container exited with: the code is read from the stopped container.
    assert.deepEqual(calls, [
      ['run', '--name', name, '--user', uidGid(), '-v', `${box.install}/.env:/app/.env:ro`, '-e', 'GHL_ENV_FILE=/app/.env', '-v', `${box.install}/tokens:/data`, '--network', 'host', 'registry.example/ghl-auth:1.2', 'token', '--min-ttl', '600', '--json'],
      ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name],
      ['rm', '-f', name],
    ]);
    assert.deepEqual(await box.containers(), [], 'the container is removed');
  });

  it('without .env, or before the data directory exists: exit 2 saying what to do, no container', async () => {
    const noEnv = await box.run('ghl-token');
    assert.equal(noEnv.code, 2);
    assert.match(noEnv.stderr, /\.env not found: copy \.env\.example/);
    await box.writeEnv(['GHL_CLIENT_ID=id']);
    const noData = await box.run('ghl-token');
    assert.equal(noData.code, 2);
    assert.match(noData.stderr, new RegExp(`no data directory ${join(box.install, 'data')}: authorize and run ./run_ghl_check.sh first`));
    assert.equal(noData.stdout, '');
    assert.deepEqual(await box.dockerCalls(), []);
  });
});
