import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { collect } from './helpers.js';
import { ScriptSandbox } from './script-sandbox.js';

const ALLOWED = '1, 2, 3, 4, 6, 8, 12, 24';
/** VALUE single-quoted for sh, as setup_cron.sh writes it into the line. */
const shQuoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
const USER_LINES = ['MAILTO=ops@example.com', '# nightly backup', '30 2 * * * /usr/local/bin/backup --all', '@reboot /usr/local/bin/other-job'];

describe('setup_cron.sh (with a recording fake of crontab)', () => {
  let box: ScriptSandbox;
  let runner: string;
  beforeEach(async () => {
    box = await ScriptSandbox.create();
    runner = join(box.install, 'run_ghl_check.sh');
  });
  afterEach(async () => box.close());
  const setup = (args: string[] = [], env: Record<string, string> = {}) => box.run('setup_cron.sh', args, env);
  const ourLines = async () => ((await box.crontab()) ?? '').split('\n').filter((line) => line.endsWith(` ${runner}`));
  /** The sandbox's PATH, which the line carries for cron. */
  const pathAssignment = () => `PATH=${shQuoted(`${join(box.root, 'bin')}:${process.env.PATH}`)}`;

  it("installs one line per interval carrying the shell's PATH and the absolute path of run_ghl_check.sh, at one fixed minute from 1 to 59", async () => {
    const expectedHours: Record<string, string> = { '1': '*', '2': '*/2', '3': '*/3', '6': '*/6', '8': '*/8', '12': '*/12', '24': '0' };
    const minutes = new Set<string>();
    for (const [interval, hours] of Object.entries(expectedHours)) {
      const result = await setup([], { RUN_INTERVAL_HOURS: interval });
      assert.equal(result.code, 0, result.stderr);
      const lines = await ourLines();
      assert.equal(lines.length, 1, `exactly one line after installing ${interval} h:\n${await box.crontab()}`);
      const [minute, hourField, ...rest] = (lines[0] ?? '').split(' ');
      assert.equal(hourField, hours, `RUN_INTERVAL_HOURS=${interval}`);
      assert.equal(rest.join(' '), `* * * ${pathAssignment()} ${runner}`);
      minutes.add(minute ?? '');
    }
    assert.equal(minutes.size, 1, 'the minute is fixed per install');
    const minute = Number([...minutes][0]);
    assert.ok(Number.isInteger(minute) && minute >= 1 && minute <= 59, `minute ${minute}`);
  });

  it('reads RUN_INTERVAL_HOURS from .env written with quotes and a comment (the environment wins)', async () => {
    await box.writeEnv(['GHL_CLIENT_ID="id"', 'RUN_INTERVAL_HOURS="8" # three times a day']);
    assert.equal((await setup()).code, 0);
    assert.match((await ourLines())[0] ?? '', /^\d+ \*\/8 \* \* \* /);
    assert.equal((await setup([], { RUN_INTERVAL_HOURS: '12' })).code, 0);
    assert.match((await ourLines())[0] ?? '', /^\d+ \*\/12 \* \* \* /);
  });

  it('defaults to every 6 hours', async () => {
    assert.equal((await setup()).code, 0);
    assert.match((await ourLines())[0] ?? '', /^\d+ \*\/6 \* \* \* /);
  });

  it('is idempotent and keeps every other line of the crontab, in order', async () => {
    await writeFile(join(box.state, 'crontab'), `${USER_LINES.join('\n')}\n`);
    for (let i = 0; i < 3; i++) assert.equal((await setup([], { RUN_INTERVAL_HOURS: '4' })).code, 0);
    const table = ((await box.crontab()) ?? '').trimEnd().split('\n');
    assert.deepEqual(table.slice(0, -1), USER_LINES);
    assert.equal(table.length, USER_LINES.length + 1);
    assert.deepEqual(await ourLines(), [table.at(-1)]);
  });

  for (const bad of ['5', '0', '7', '48', 'six', '-6']) {
    it(`refuses RUN_INTERVAL_HOURS=${bad}, naming the variable and the allowed values; crontab untouched`, async () => {
      await writeFile(join(box.state, 'crontab'), `${USER_LINES.join('\n')}\n`);
      const result = await setup([], { RUN_INTERVAL_HOURS: bad });
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`RUN_INTERVAL_HOURS=${bad} is not allowed: use one of ${ALLOWED}`));
      assert.equal(await box.crontabWrites(), 0);
      assert.equal(await box.crontab(), `${USER_LINES.join('\n')}\n`);
    });
  }

  it('--print shows the line without touching the crontab', async () => {
    const result = await setup(['--print'], { RUN_INTERVAL_HOURS: '2' });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+ \*\/2 \* \* \* /);
    assert.ok(result.stdout.endsWith(` * * * ${pathAssignment()} ${runner}\n`), result.stdout);
    assert.equal(await box.crontabWrites(), 0);
  });

  it('--remove takes out only its own line', async () => {
    await writeFile(join(box.state, 'crontab'), `${USER_LINES.join('\n')}\n`);
    assert.equal((await setup()).code, 0);
    assert.equal((await ourLines()).length, 1);
    const result = await setup(['--remove']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await box.crontab(), `${USER_LINES.join('\n')}\n`);
  });

  it('a crontab that cannot be read is never overwritten', async () => {
    await writeFile(join(box.state, 'crontab'), `${USER_LINES.join('\n')}\n`);
    const result = await setup([], { FAKE_CRONTAB_BROKEN: '1' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Permission denied[\s\S]*cannot read the crontab .*nothing changed/);
    assert.equal(await box.crontabWrites(), 0);
  });

  for (const flag of ['--help', '-h']) {
    it(`${flag} explains the options, the allowed intervals and the PATH the line carries; crontab never called`, async () => {
      const help = await setup([flag]);
      assert.equal(help.code, 0);
      assert.equal(help.stderr, '');
      assert.match(help.stdout, /^Usage: \.\/setup_cron\.sh \[--print \| --remove \| --help\]\n/);
      assert.match(help.stdout, /--print[\s\S]*--remove[\s\S]*1, 2, 3, 4, 6, 8, 12 or 24[\s\S]*PATH[\s\S]*DOCKER_HOST[\s\S]*Examples:/);
      assert.deepEqual(await box.crontabCalls(), []);
    });
  }

  for (const args of [['--bogus'], ['--print', '--remove']]) {
    it(`refuses ${args.join(' ')} with one line and the usage on stderr, exit 2; crontab never called`, async () => {
      const result = await setup(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      const why = args.length === 1 ? `unknown option '${args[0]}'` : `one option at a time (got: ${args.join(' ')})`;
      assert.equal(result.stderr, `setup_cron.sh: ${why}\nUsage: ./setup_cron.sh [--print | --remove | --help]\n`);
      assert.deepEqual(await box.crontabCalls(), []);
      assert.equal(await box.crontab(), undefined);
    });
  }

  it("carries the shell's PATH and DOCKER_HOST, quoted for sh: run as cron runs it, it finds docker there", async () => {
    await box.writeEnv(['GHL_LOG_FILE=./logs/test.log']);
    // a space, a quote, $ and backquotes: sh must take them as they are
    const tools = join(box.root, "tools it's $HOME `id`");
    await mkdir(tools);
    for (const tool of ['docker', 'crontab']) await copyFile(join(box.root, 'bin', tool), join(tools, tool));
    const path = `${tools}:${process.env.PATH}`;
    const dockerHost = "unix:///run/user/1000/it's `id` $HOME/docker.sock";
    const result = await setup([], { PATH: path, DOCKER_HOST: dockerHost });
    assert.equal(result.code, 0, result.stderr);
    const [line = ''] = await ourLines();
    assert.ok(line.endsWith(` * * * PATH=${shQuoted(path)} DOCKER_HOST=${shQuoted(dockerHost)} ${runner}`), line);
    // As cron runs it: sh -c, cron's own PATH, none of the shell's variables (FAKE_STATE is the fakes').
    const command = line.split(' ').slice(5).join(' ');
    const cron = spawn('/bin/sh', ['-c', command], { cwd: join(box.root, 'elsewhere'), env: { PATH: '/usr/bin:/bin', HOME: join(box.root, 'elsewhere'), SHELL: '/bin/sh', FAKE_STATE: box.state } });
    const run = await collect(cron, { timeoutMs: 20_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await box.dockerCalls())[0]?.[0], 'run', 'the fake docker on the carried PATH ran the check');
    assert.equal(await box.dockerHost(), dockerHost);
  });

  // the fake crontab stays first on PATH, so a refusal that fails cannot reach a real crontab
  const refusals: [string, () => Record<string, string>, RegExp][] = [
    ['a % in DOCKER_HOST (cron makes it a newline)', () => ({ DOCKER_HOST: 'tcp://host%2F:2375' }), /DOCKER_HOST contains % or a newline, which cron would change/],
    ['a PATH too long for cron', () => ({ PATH: [join(box.root, 'bin'), ...Array.from({ length: 80 }, (_, i) => `/opt/tool-${i}/bin`), process.env.PATH].join(':') }), /longer than cron keeps \(1000 bytes\), mostly PATH: run again with a shorter one/],
  ];
  for (const [what, env, message] of refusals) {
    it(`refuses ${what}; crontab untouched`, async () => {
      await writeFile(join(box.state, 'crontab'), `${USER_LINES.join('\n')}\n`);
      const result = await setup([], env());
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(await box.crontabWrites(), 0);
      assert.equal(await box.crontab(), `${USER_LINES.join('\n')}\n`);
    });
  }

  it("says where the runs will log: .env's GHL_LOG_FILE when set, resolved like run_ghl_check.sh does", async () => {
    await box.writeEnv(['GHL_LOG_FILE=./logs/ghl.log']);
    const result = await setup();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`logs: ${join(box.install, 'logs/ghl.log')} \\(GHL_LOG_FILE\\)`));
  });
});
