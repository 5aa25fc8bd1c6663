import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { unusedPort } from './helpers.js';

/**
 * A throw-away PostgreSQL server for the Postgres store's tests: initdb in a temp directory, listening
 * on 127.0.0.1 (a free port) with password authentication, its unix socket in the same directory.
 * The server binaries come from Debian's `postgresql` package, not npm: where they are missing the
 * tests skip saying so, unless GHL_AUTH_TEST_REQUIRE_TOOLS=1 (CI), where that is a failure.
 */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH: look where Debian installs the versions side by side
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = execFileSync('ls', [debian], { encoding: 'utf8' }).split('\n').filter((name) => /^\d+$/.test(name));
    candidates.push(...versions.sort((a, b) => Number(b) - Number(a)).map((version) => join(debian, version, 'bin')));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** A skip reason when the server binaries are missing (and allowed to be), else false. */
export function missingPostgres(): string | false {
  if (process.env.GHL_AUTH_TEST_REQUIRE_TOOLS === '1' || postgresBinDir()) return false;
  return 'needs the PostgreSQL server binaries (Debian package postgresql); CI installs them';
}

/** initdb refuses to run as root: then the server runs as nobody (uid and gid 65534), in a directory it owns. */
const asServerUser = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', command, ...args]] : [command, args];

export class TestPostgres {
  private server: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    readonly password: string,
  ) {}

  static async start(): Promise<TestPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('the PostgreSQL server binaries are missing: install the Debian package postgresql');
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-pg-'));
    const password = randomBytes(12).toString('hex');
    await writeFile(join(dir, 'pwfile'), password);
    if (process.getuid?.() === 0) {
      for (const name of ['', ...(await readdir(dir))]) await chown(join(dir, name), 65534, 65534);
    }
    const [command, args] = asServerUser(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'ghl', `--pwfile=${join(dir, 'pwfile')}`, '--auth-host=scram-sha-256', '--auth-local=trust', '--no-sync', '-E', 'UTF8']);
    execFileSync(command, args, { stdio: 'ignore' });
    const postgres = new TestPostgres(bin, dir, await unusedPort(), password);
    await postgres.resume();
    const admin = new pg.Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE ghl');
    await admin.end();
    return postgres;
  }

  /** The URL the CLI gets; `database` other than ghl for the admin connection above. */
  url(database = 'ghl'): string {
    return `postgres://ghl:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  /** How the CLI names it: no password. */
  get shown(): string {
    return `postgres://ghl@127.0.0.1:${this.port}/ghl`;
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Starts the server (again, on the same data and port) and waits until it takes connections. */
  async resume(): Promise<void> {
    const [command, args] = asServerUser(join(this.bin, 'postgres'), ['-D', join(this.dir, 'data'), '-k', this.dir, '-h', '127.0.0.1', '-p', String(this.port), '-c', 'fsync=off', '-c', 'max_connections=200']);
    const server = spawn(command, args, { stdio: 'ignore' });
    this.server = server;
    for (let tries = 0; ; tries += 1) {
      const client = new pg.Client({ connectionString: this.url('postgres') });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        if (tries > 100 || server.exitCode !== null) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** A fast shutdown: every session is cut, as a database restart or failover cuts them. */
  async stop(): Promise<void> {
    if (this.server?.exitCode === null) await this.thaw(); // a frozen server would never see the signal
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }

  /**
   * Stops every process of the server (SIGSTOP): connections stay open and nothing answers, as with
   * a server that hangs or a network that silently drops packets. Returns once all are stopped.
   */
  async freeze(): Promise<void> {
    // The postmaster first, so that it forks no backend after the list is made.
    for (const pid of [this.pid, ...this.children()]) {
      signal(pid, 'SIGSTOP');
      while (!/^State:\s+[Tt]/m.test(statusOf(pid)) && statusOf(pid) !== '') await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async thaw(): Promise<void> {
    for (const pid of [...this.children(), this.pid]) signal(pid, 'SIGCONT');
  }

  private get pid(): number {
    const pid = this.server?.pid;
    if (pid === undefined) throw new Error('the server is not running');
    return pid;
  }

  /** Backends, checkpointer and the other processes the postmaster forked. */
  private children(): number[] {
    const parent = String(this.pid);
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name) && /^PPid:\s+(\d+)$/m.exec(statusOf(Number(name)))?.[1] === parent)
      .map(Number);
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** /proc/<pid>/status, or '' once the process is gone. */
function statusOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // exited meanwhile
  }
}
