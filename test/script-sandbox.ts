import { spawn, type SpawnOptionsWithoutStdio } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, type RunResult, type RunOptions } from './helpers.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** What an install needs beside .env: the scripts and the dotenv reader they source. */
export const DEPLOY_FILES = ['run_ghl_check.sh', 'setup_cron.sh', 'ghl-token', 'lib/dotenv.sh', 'lib/container.sh'];
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} /;

/**
 * A throw-away install of the deployment scripts (`install/`), run from another directory (`elsewhere/`,
 * as cron runs from $HOME) with recording fakes of docker and crontab first on PATH (state in `fake/`).
 */
export class ScriptSandbox {
  private constructor(readonly root: string) {}

  static async create(): Promise<ScriptSandbox> {
    const box = new ScriptSandbox(await mkdtemp(join(tmpdir(), 'ghl-auth-scripts-')));
    for (const sub of ['install/lib', 'elsewhere', 'fake', 'bin']) await mkdir(join(box.root, sub), { recursive: true });
    // copyFile keeps the mode, so the copies stay executable
    for (const file of DEPLOY_FILES) await copyFile(join(REPO, file), join(box.install, file));
    for (const tool of ['docker', 'crontab']) await copyFile(join(REPO, 'test/fakes', tool), join(box.root, 'bin', tool));
    return box;
  }

  get install(): string {
    return join(this.root, 'install');
  }

  get state(): string {
    return join(this.root, 'fake');
  }

  async writeEnv(lines: string[]): Promise<void> {
    await writeFile(join(this.install, '.env'), `${lines.join('\n')}\n`);
  }

  spawn(script: string, args: string[] = [], env: Record<string, string> = {}) {
    return spawn(join(this.install, script), args, this.spawnOptions(env));
  }

  /** stdin, stdout and stderr are pipes (the default). */
  private spawnOptions(env: Record<string, string>): SpawnOptionsWithoutStdio {
    return {
      cwd: join(this.root, 'elsewhere'),
      env: { PATH: `${join(this.root, 'bin')}:${process.env.PATH}`, HOME: join(this.root, 'elsewhere'), FAKE_STATE: this.state, ...env },
    };
  }

  run(script: string, args: string[] = [], env: Record<string, string> = {}, options: RunOptions = {}): Promise<RunResult> {
    return collect(this.spawn(script, args, env), { timeoutMs: 20_000, ...options });
  }

  /**
   * As `run`, with stdout and stderr on a pseudo-terminal (util-linux `script`), as when run by hand;
   * both arrive in `stdout`, with the terminal's \r\n turned back into \n.
   */
  async runOnTerminal(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
    const command = [join(this.install, script), ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const result = await collect(spawn('script', ['-qec', command, '/dev/null'], this.spawnOptions(env)), { timeoutMs: 20_000 });
    return { ...result, stdout: result.stdout.replaceAll('\r\n', '\n') };
  }

  /** The argument lists docker was called with, in order. */
  async dockerCalls(): Promise<string[][]> {
    const dir = join(this.state, 'docker-calls');
    const names = await readdir(dir).catch(() => []);
    const sorted = names.map(Number).sort((a, b) => a - b);
    return Promise.all(sorted.map(async (n) => (await readFile(join(dir, String(n)), 'utf8')).trimEnd().split('\n')));
  }

  /** The containers the fake docker still holds (named, not removed). */
  async containers(): Promise<string[]> {
    return readdir(join(this.state, 'containers')).catch(() => []);
  }

  async crontab(): Promise<string | undefined> {
    return readFile(join(this.state, 'crontab'), 'utf8').catch(() => undefined);
  }

  /** Each call of crontab (reads too), its arguments joined by spaces, in order. */
  async crontabCalls(): Promise<string[]> {
    return (await readFile(join(this.state, 'crontab-calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  }

  /** DOCKER_HOST as the fake docker last saw it, if it was set. */
  async dockerHost(): Promise<string | undefined> {
    return readFile(join(this.state, 'docker-host'), 'utf8').then((host) => host.trimEnd(), () => undefined);
  }

  async crontabWrites(): Promise<number> {
    return (await readFile(join(this.state, 'crontab-writes'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  }

  async close(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
