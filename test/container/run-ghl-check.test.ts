import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { collect, Sandbox, type RunResult } from '../helpers.js';
import { TIMESTAMP } from '../script-sandbox.js';

/**
 * The whole deployment chain with a real container engine: `docker build`, then run_ghl_check.sh
 * (as cron runs it) against the stand-in GHL on this machine's loopback (`--network host`).
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const IMAGE = 'ghl-auth:container-test';
const BASE_IMAGE = 'node:24-bookworm-slim';
const MB = 1024 * 1024;

function docker(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  const child = spawn('docker', args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', (error) => assert.fail(`docker cannot be run (${error.message}): this test needs a container engine`));
  return collect(child, { timeoutMs });
}

async function dockerOk(args: string[], timeoutMs?: number): Promise<string> {
  const result = await docker(args, timeoutMs);
  assert.equal(result.code, 0, `docker ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout.trim();
}

describe('container: docker build, then run_ghl_check.sh end to end', { timeout: 15 * 60_000 }, () => {
  let box: Sandbox;
  before(async () => {
    await dockerOk(['build', '--pull=false', '-t', IMAGE, '.'], 10 * 60_000);
    box = await Sandbox.create();
  });
  after(async () => box?.close());

  it('the image runs the CLI as node from /app holding only dist and package.json (the bundle needs no node_modules)', async (t) => {
    const config = JSON.parse(await dockerOk(['image', 'inspect', '-f', '{{json .Config}}', IMAGE]));
    assert.equal(config.User, 'node');
    assert.equal(config.WorkingDir, '/app');
    assert.deepEqual(config.Entrypoint, ['node', '--', '/app/dist/cli.js']);
    assert.deepEqual(config.Cmd, ['check']);
    assert.ok(config.Env.includes('GHL_TOKENS_FILE=/data/ghl_tokens.json'));
    const devDependencies = Object.keys(JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).devDependencies);
    const probe = `const fs = require('fs'); console.log(JSON.stringify({ app: fs.readdirSync('/app').sort(), dev: ${JSON.stringify(devDependencies)}.filter((d) => fs.existsSync('/app/node_modules/' + d)) }))`;
    const inside = JSON.parse(await dockerOk(['run', '--rm', '--entrypoint', 'node', IMAGE, '-e', probe]));
    assert.deepEqual(inside, { app: ['dist', 'package.json'], dev: [] });

    // The CLI's --env-file reaches the CLI, not Node (which would exit 9 on a missing file). No --rm:
    // podman's Docker API (the engine here) answers 0 for `run --rm` whatever the container exited with.
    const name = `ghl-auth-env-file-${process.pid}`;
    const missingEnv = await docker(['run', '--name', name, IMAGE, '--env-file', '/nope.env', 'check']);
    await docker(['rm', '-f', name]);
    assert.equal(missingEnv.code, 2, missingEnv.stderr);
    assert.match(missingEnv.stderr, /env file \/nope\.env does not exist/);

    const [app, base] = await Promise.all([IMAGE, BASE_IMAGE].map(async (image) => Number(await dockerOk(['image', 'inspect', '-f', '{{.Size}}', image]))));
    const added = (app ?? 0) - (base ?? 0);
    t.diagnostic(`the app adds ${(added / MB).toFixed(1)} MB over ${BASE_IMAGE}`);
    assert.ok(added > 0 && added <= 8 * MB, `the app adds ${(added / MB).toFixed(1)} MB`);
  });

  it('first run exchanges the code from a quoted, commented .env and tags; the second reuses the token file; failed checks exit with their code', async () => {
    await mkdir(join(box.dir, 'lib'));
    for (const file of ['run_ghl_check.sh', 'lib/dotenv.sh', 'lib/container.sh']) await copyFile(join(REPO, file), join(box.dir, file));
    const { setup } = box.fake.state;
    // the way the old deployment wrote it: every value quoted, comments after values
    await writeFile(
      join(box.dir, '.env'),
      [
        `GHL_CLIENT_ID="${setup.clientId}" # from the developer portal`,
        `GHL_CLIENT_SECRET="${setup.clientSecret}"`,
        `GHL_REDIRECT_URI="${setup.redirectUri}"`,
        `GHL_LOCATION_ID="${setup.locationId}"  # sub-account`,
        `GHL_HEALTH_CHECK_CONTACT_ID="${setup.contactId}" # health-check contact`,
        `GHL_AUTHORIZATION_CODE="${box.fake.state.issueCode()}" # first run only`,
        'GHL_TOKENS_FILE="./ghl_tokens.json" # the image keeps tokens in /data whatever this says',
        `GHL_API_BASE_URL="${box.fake.url}"`,
        `GHL_IMAGE="${IMAGE}"`,
        'GHL_DOCKER_ARGS="--network host" # the stand-in GHL listens on loopback',
        'GHL_LOG_FILE="./logs/check.log"',
        '',
      ].join('\n'),
    );
    const scriptEnv = { PATH: process.env.PATH, HOME: box.dir, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };
    const cron = () =>
      collect(spawn(join(box.dir, 'run_ghl_check.sh'), [], { cwd: REPO, env: scriptEnv }), {
        timeoutMs: 120_000,
      });
    const tokens = join(box.dir, 'data/ghl_tokens.json');
    const logFile = join(box.dir, 'logs/check.log');

    const first = await cron();
    const log = await readFile(logFile, 'utf8');
    assert.equal(first.code, 0, `${first.stderr}\n${log}`);
    assert.deepEqual(
      box.fake.requests.map((r) => `${r.method} ${r.route}${r.form ? ` ${r.form.grant_type}` : ''}`),
      ['POST token authorization_code', 'GET contact', 'POST tags'],
    );
    assert.equal(box.fake.requestsTo('token')[0]?.form?.client_id, setup.clientId, 'the quotes did not reach GHL');
    assert.deepEqual(box.fake.state.contacts.get(setup.contactId)?.tags, ['Status:Online-AuthService']);
    const file = await stat(tokens);
    assert.equal(file.mode & 0o777, 0o600);
    assert.equal(file.uid, process.getuid?.(), 'the token file belongs to whoever runs the script');
    assert.equal((await stat(join(box.dir, 'data'))).mode & 0o777, 0o700);
    await assert.rejects(stat(join(box.dir, 'ghl_tokens.json')), { code: 'ENOENT' });
    assert.match(log, /healthy: tag 'Status:Online-AuthService' added/);
    for (const line of log.trimEnd().split('\n')) assert.match(line, TIMESTAMP);

    const saved = await readFile(tokens, 'utf8');
    box.fake.requests.length = 0;
    const second = await cron();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(box.fake.requests.map((r) => `${r.method} ${r.route}`), ['GET contact', 'POST tags']);
    assert.equal(await readFile(tokens, 'utf8'), saved);
    box.assertNoSecrets(first.stdout + first.stderr + second.stdout + second.stderr + (await readFile(logFile, 'utf8')));

    // Other programs' way in: ghl-token runs `token` with the same mounts; stdout is the token alone.
    await copyFile(join(REPO, 'ghl-token'), join(box.dir, 'ghl-token'));
    const token = await collect(spawn(join(box.dir, 'ghl-token'), [], { cwd: REPO, env: scriptEnv }), { timeoutMs: 60_000 });
    assert.equal(token.code, 0, token.stderr);
    assert.equal(token.stdout, `${JSON.parse(saved).token.access_token}\n`);
    box.assertNoSecrets(token.stderr);
    assert.deepEqual(box.fake.requests.map((r) => `${r.method} ${r.route}`), ['GET contact', 'POST tags'], 'a valid token is printed without a request');

    // A failed check reaches cron: the script exits with the check's code and logs it (the engine here
    // answers 0 for `docker run --rm` whatever the container exited with).
    const failures: [string, number, () => void][] = [
      ['a missing contact', 2, () => box.fake.state.contacts.delete(setup.contactId)],
      ['a refresh token GHL no longer knows', 3, () => box.fake.state.refreshTokens.clear()],
    ];
    for (const [what, code, breakIt] of failures) {
      breakIt();
      if (code === 3) await writeFile(tokens, JSON.stringify({ ...JSON.parse(await readFile(tokens, 'utf8')), expiresAt: new Date(Date.now() - 60_000).toISOString() }));
      const failed = await cron();
      const failedLog = await readFile(logFile, 'utf8');
      assert.equal(failed.code, code, `${what}: ${failed.stderr}\n${failedLog}`);
      assert.match(failed.stderr, new RegExp(`check failed with exit code ${code}; see `));
      assert.match(failedLog.trimEnd().split('\n').at(-1) ?? '', new RegExp(`check ended with exit code ${code}$`));
    }
    const left = await docker(['ps', '-a', '--filter', 'name=ghl-auth-check-', '--format', '{{.Names}}']);
    assert.equal(left.stdout.trim(), '', 'every run removed its container');
  });
});
