import assert from 'node:assert/strict';
import { access, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { collect } from './helpers.js';
import { ScriptSandbox, TIMESTAMP } from './script-sandbox.js';

const uidGid = () => `${process.getuid?.()}:${process.getgid?.()}`;
const exists = (path: string) => access(path).then(() => true, () => false);

describe('run_ghl_check.sh (with a recording fake of docker)', () => {
  let box: ScriptSandbox;
  let log: string;
  beforeEach(async () => {
    box = await ScriptSandbox.create();
    log = join(box.install, 'logs/test.log');
  });
  afterEach(async () => box.close());
  const readLog = () => readFile(log, 'utf8');
  const seedEnv = (extra: string[] = []) =>
    box.writeEnv(['GHL_CLIENT_ID="id" # from the developer portal', 'GHL_LOG_FILE="./logs/test.log"   # relative to the script', ...extra]);

  for (const flag of ['--help', '-h']) {
    it(`${flag} prints the usage and exits 0, running nothing (a check would fire the GHL workflow)`, async () => {
      await seedEnv();
      const result = await box.run('run_ghl_check.sh', [flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^Usage: \.\/run_ghl_check\.sh \[--help\]\n/);
      for (const setting of ['GHL_IMAGE', 'GHL_DATA_DIR', 'GHL_LOG_FILE', 'GHL_DOCKER_ARGS', 'Exit code', 'Example']) assert.match(result.stdout, new RegExp(setting));
      assert.deepEqual(await box.dockerCalls(), []);
      assert.equal(await exists(log), false, 'no log written');
      assert.equal(await exists(join(box.install, 'data')), false, 'no data directory made');
    });
  }

  for (const args of [['--bogus'], ['check'], ['--json', '--help']]) {
    it(`refuses ${args.join(' ')} with one line and the usage on stderr, exit 2, running nothing`, async () => {
      await seedEnv();
      const result = await box.run('run_ghl_check.sh', args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `run_ghl_check.sh: unknown option '${args[0]}'\nUsage: ./run_ghl_check.sh [--help]\n`);
      assert.deepEqual(await box.dockerCalls(), []);
      assert.equal(await exists(log), false, 'no log written');
    });
  }

  it('on a terminal: readable log lines, the JSON kept in the log file, and where the log is', async () => {
    await seedEnv();
    const json = String.raw`{"level":40,"time":1700000000000,"service":"ghl-auth","result":{"msg":"nested"},"msg":"GHL answered 401: \"Invalid JWT\" in C:\\"}`;
    const result = await box.runOnTerminal('run_ghl_check.sh', [], { FAKE_DOCKER_STDOUT: json });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /^\[\d\d:\d\d:\d\d\] WARN: GHL answered 401: "Invalid JWT" in C:\\$/m);
    assert.match(result.stdout, /^\[\d\d:\d\d:\d\d\] ghl-auth: from the container stderr$/m);
    assert.match(result.stdout, /^\[\d\d:\d\d:\d\d\] run_ghl_check: check ended with exit code 0$/m);
    assert.doesNotMatch(result.stdout, /\{"level"/);
    assert.match(result.stdout, new RegExp(`run_ghl_check.sh: the log is in ${log} `));
    const lines = (await readLog()).trimEnd().split('\n');
    assert.ok(lines.some((line) => line.endsWith(` ${json}`)), 'the log file keeps the JSON line');
    for (const line of lines) assert.match(line, TIMESTAMP);
  });

  it('without .env beside it: a clear error, exit 2, no container', async () => {
    const result = await box.run('run_ghl_check.sh');
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`${join(box.install, '.env')} not found: copy .env.example to .env`));
    assert.deepEqual(await box.dockerCalls(), []);
  });

  it('from another directory: mounts .env read-only for the CLI, the data directory at /data, runs check as the caller', async () => {
    await seedEnv(['GHL_IMAGE="registry.example/ghl-auth:1.2" # pinned', "GHL_DOCKER_ARGS='--network host --memory 256m' # extra"]);
    const result = await box.run('run_ghl_check.sh');
    assert.equal(result.code, 0, result.stderr);
    const data = join(box.install, 'data');
    const calls = await box.dockerCalls();
    const name = calls[0]?.[2] ?? '';
    assert.match(name, /^ghl-auth-check-\d+-\d+$/);
    // no --rm: the exit code is read from the stopped container, then the container is removed
    assert.deepEqual(calls, [
      ['run', '--name', name, '--user', uidGid(), '--hostname', hostname(), '-v', `${box.install}/.env:/app/.env:ro`, '-e', 'GHL_ENV_FILE=/app/.env', '-v', `${data}:/data`, '--network', 'host', '--memory', '256m', 'registry.example/ghl-auth:1.2', 'check'],
      ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name],
      ['rm', '-f', name],
    ]);
    assert.deepEqual(await box.containers(), []);
    assert.equal((await stat(data)).mode & 0o777, 0o700);
  });

  it('the environment wins over .env; defaults: ghl-auth:latest, ./data, no extra arguments', async () => {
    await seedEnv(['GHL_DATA_DIR=./unused']);
    const elsewhere = join(box.root, 'tokens');
    const result = await box.run('run_ghl_check.sh', [], { GHL_DATA_DIR: elsewhere });
    assert.equal(result.code, 0, result.stderr);
    const [call] = await box.dockerCalls();
    assert.deepEqual(call?.slice(-4), ['-v', `${elsewhere}:/data`, 'ghl-auth:latest', 'check']);
    assert.equal(await exists(join(box.install, 'unused')), false);
  });

  for (const code of [0, 2, 3, 4]) {
    it(`exits with and logs the check's exit code (${code}), which the engine's \`run --rm\` would answer as 0; every logged line is timestamped`, async () => {
      await seedEnv();
      const result = await box.run('run_ghl_check.sh', [], { FAKE_DOCKER_EXIT: String(code) });
      assert.equal(result.code, code);
      const lines = (await readLog()).trimEnd().split('\n');
      for (const line of lines) assert.match(line, TIMESTAMP);
      assert.ok(lines.some((line) => line.endsWith(' {"level":30,"msg":"from the container stdout"}')));
      assert.ok(lines.some((line) => line.endsWith(' ghl-auth: from the container stderr')));
      assert.match(lines.at(-1) ?? '', new RegExp(`check ended with exit code ${code}$`));
      // a failure also reaches cron's mail; a healthy run is silent
      if (code === 0) assert.equal(result.stdout + result.stderr, '');
      else assert.match(result.stderr, new RegExp(`check failed with exit code ${code}; see ${log}`));
      assert.deepEqual(await box.containers(), [], 'the container is removed');
    });
  }

  it('a container killed (137) is propagated, logged as killed, and removed', async () => {
    await seedEnv();
    const result = await box.run('run_ghl_check.sh', [], { FAKE_DOCKER_EXIT: '137' });
    assert.equal(result.code, 137);
    const lines = (await readLog()).trimEnd().split('\n');
    assert.match(lines.at(-2) ?? '', /check ended with exit code 137$/);
    assert.match(lines.at(-1) ?? '', /exit code 137 is not the check's: the container was likely killed/);
    assert.deepEqual(await box.containers(), []);
  });

  it('--rm in GHL_DOCKER_ARGS: the exit code cannot be confirmed, and that is said on stderr and in the log', async () => {
    await seedEnv(["GHL_DOCKER_ARGS='--rm'"]);
    const result = await box.run('run_ghl_check.sh', [], { FAKE_DOCKER_EXIT: '3' });
    assert.match(await readLog(), /container ghl-auth-check-\S+ is gone, so its exit code cannot be confirmed \(is --rm in GHL_DOCKER_ARGS\? remove it\)/);
    assert.match(result.stderr, /the check's exit code could not be confirmed/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`interrupted by ${signal} while the check runs: the container is removed, the run logged as interrupted, the lock released`, async () => {
      await seedEnv();
      await writeFile(join(box.state, 'hold'), '');
      const run = box.spawn('run_ghl_check.sh');
      const done = collect(run, { timeoutMs: 20_000 });
      for (let tries = 0; tries < 250 && (await box.containers()).length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      const [name] = await box.containers();
      assert.ok(name, 'the check runs in a named container');
      run.kill(signal);
      const result = await done;
      assert.equal(result.code, signal === 'SIGTERM' ? 143 : 130, result.stderr);
      assert.match(result.stderr, new RegExp(`interrupted by ${signal}; see ${log}`));
      assert.match(await readLog(), new RegExp(`interrupted by ${signal}: removing container ${name}`));
      assert.deepEqual((await box.dockerCalls()).at(-1), ['rm', '-f', name]);
      assert.deepEqual(await box.containers(), []);
      await rm(join(box.state, 'hold'));
      assert.equal((await box.run('run_ghl_check.sh')).code, 0, 'the lock is released');
    });
  }

  it('a docker failure (125: image missing or daemon down) is propagated and logged with what is likely wrong', async () => {
    await seedEnv(['GHL_IMAGE=ghl-auth:never-built']);
    const result = await box.run('run_ghl_check.sh', [], { FAKE_DOCKER_EXIT: '125' });
    assert.equal(result.code, 125);
    const lines = (await readLog()).trimEnd().split('\n');
    assert.match(lines.at(-2) ?? '', /check ended with exit code 125$/);
    assert.match(lines.at(-1) ?? '', /exit code 125 is not the check's: docker could not start the container: is the image ghl-auth:never-built built \(or GHL_IMAGE set .*Docker daemon running/);
    assert.match(result.stderr, /check failed with exit code 125/);
  });

  it('a second run while one is in progress logs that and exits 5 without starting a container', async () => {
    await seedEnv();
    await writeFile(join(box.state, 'hold'), '');
    const first = box.spawn('run_ghl_check.sh');
    const firstDone = new Promise<number | null>((resolve) => first.on('close', resolve));
    while ((await box.dockerCalls()).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await box.run('run_ghl_check.sh').finally(() => rm(join(box.state, 'hold')));
    assert.equal(second.code, 5);
    assert.equal((await box.dockerCalls()).length, 1);
    assert.match(await readLog(), /another run is still in progress .*not starting a second one, exit 5/);
    assert.equal(await firstDone, 0);
    assert.equal((await box.run('run_ghl_check.sh')).code, 0, 'the lock is released when a run ends');
  });

  it('without flock: a clear error, exit 2, no container (not "another run is in progress")', async () => {
    await seedEnv();
    // a PATH with the fakes and the few tools the script uses before locking, but no flock
    const tools = join(box.root, 'tools');
    await mkdir(tools);
    for (const tool of ['bash', 'dirname', 'mkdir', 'cat', 'tee']) await symlink(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(tools, tool));
    const result = await box.run('run_ghl_check.sh', [], { PATH: `${join(box.root, 'bin')}:${tools}` });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /flock not found: install util-linux/);
    assert.deepEqual(await box.dockerCalls(), []);
  });

  it('flock failing for another reason than a held lock: exit 2 with its status, no container', async () => {
    await seedEnv();
    await writeFile(join(box.root, 'bin/flock'), '#!/bin/sh\necho "flock: cannot lock: Bad file descriptor" >&2\nexit 66\n', { mode: 0o755 });
    const result = await box.run('run_ghl_check.sh');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot take the run lock .*run_ghl_check\.lock \(flock exit 66\)/);
    assert.doesNotMatch(await readLog(), /another run is still in progress/);
    assert.deepEqual(await box.dockerCalls(), []);
  });

  it('moves a token file left beside the script into the data directory once, 0600', async () => {
    await seedEnv();
    await writeFile(join(box.install, 'ghl_tokens.json'), '{"version":1}\n', { mode: 0o644 });
    assert.equal((await box.run('run_ghl_check.sh')).code, 0);
    const moved = join(box.install, 'data/ghl_tokens.json');
    assert.equal(await readFile(moved, 'utf8'), '{"version":1}\n');
    assert.equal((await stat(moved)).mode & 0o777, 0o600);
    assert.equal(await exists(join(box.install, 'ghl_tokens.json')), false);
    assert.match(await readLog(), /moved .*ghl_tokens\.json to .*data\/ghl_tokens\.json/);
  });

  it('never overwrites tokens in the data directory with an old file beside the script', async () => {
    await seedEnv();
    await mkdir(join(box.install, 'data'));
    await writeFile(join(box.install, 'data/ghl_tokens.json'), 'current');
    await writeFile(join(box.install, 'ghl_tokens.json'), 'old');
    assert.equal((await box.run('run_ghl_check.sh')).code, 0);
    assert.equal(await readFile(join(box.install, 'data/ghl_tokens.json'), 'utf8'), 'current');
    assert.equal(await readFile(join(box.install, 'ghl_tokens.json'), 'utf8'), 'old');
    assert.match(await readLog(), /warning: both .* exist; using the latter/);
  });

  it('removes the empty directory Docker made in place of a missing token file, and says so', async () => {
    await seedEnv();
    await mkdir(join(box.install, 'ghl_tokens.json'));
    assert.equal((await box.run('run_ghl_check.sh')).code, 0);
    assert.equal(await exists(join(box.install, 'ghl_tokens.json')), false);
    assert.match(await readLog(), /removed the empty directory .*ghl_tokens\.json \(Docker made it/);
  });

  it('logs to ./logs/ghl_auth_check.log when the log file cannot be written', async () => {
    await box.writeEnv(['GHL_LOG_FILE=/proc/ghl-auth-test/check.log']);
    assert.equal((await box.run('run_ghl_check.sh')).code, 0);
    const fallback = await readFile(join(box.install, 'logs/ghl_auth_check.log'), 'utf8');
    assert.match(fallback, /cannot write \/proc\/ghl-auth-test\/check\.log; logging here instead/);
    assert.match(fallback, /check ended with exit code 0/);
  });
});
