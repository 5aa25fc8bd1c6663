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

  const install = async () => {
    await box.writeEnv(['GHL_CLIENT_ID=id']);
    await mkdir(join(box.install, 'data'));
  };

  for (const flag of ['--help', '-h']) {
    it(`${flag} prints its own usage and exits 0, running no container`, async () => {
      await install();
      const result = await box.run('ghl-token', ['--json', flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^Usage: \.\/ghl-token \[--location ID\] \[--min-ttl SECONDS\] \[--json\]\n/);
      for (const text of ['--location ID', '--min-ttl SECONDS', '--json', 'GHL_IMAGE', 'GHL_DATA_DIR', 'GHL_DOCKER_ARGS', 'Exit code', 'Example']) assert.ok(result.stdout.includes(text), text);
      assert.deepEqual(await box.dockerCalls(), []);
    });
  }

  const refused: [string[], string][] = [
    [['--bogus'], "unknown option '--bogus'"],
    [['--json', '--env-file', 'other.env'], "unknown option '--env-file'"],
    [['--min-ttl'], "option '--min-ttl' needs a value"],
  ];
  for (const [args, why] of refused) {
    it(`refuses ${args.join(' ')} with one line and the usage on stderr, exit 2, running no container`, async () => {
      await install();
      const result = await box.run('ghl-token', args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `ghl-token: ${why}\nUsage: ./ghl-token [--location ID] [--min-ttl SECONDS] [--json]\n`);
      assert.deepEqual(await box.dockerCalls(), []);
    });
  }

  it('passes --location and --min-ttl on, with their values, in either form', async () => {
    await install();
    const args = ['--location', 'loc-1', '--min-ttl=600', '--location=loc-2', '--json'];
    assert.equal((await box.run('ghl-token', args)).code, 0);
    assert.deepEqual((await box.dockerCalls())[0]?.slice(-6), ['token', ...args]);
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
