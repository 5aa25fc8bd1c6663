import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGhl } from '../src/fake-ghl/server.js';
import type { FakeGhlSetup, TokenGrant } from '../src/fake-ghl/state.js';

/** The built CLI, run through its shebang as cron and npx run it. `npm test` builds first. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Leave stdin open for the test to write to (an interactive prompt). */
  keepStdinOpen?: boolean;
  /** Kill the run if it takes longer: a hung CLI must fail the test, not the suite. */
  timeoutMs?: number;
}

/** The run deadline every sandboxed run gets unless a test says otherwise; the lock timings follow from it. */
export const SANDBOX_DEADLINE_SECONDS = 20;

/** A throw-away directory, a stand-in GHL, and the CLI pointed at both. */
export class Sandbox {
  private constructor(
    readonly dir: string,
    readonly fake: FakeGhl,
  ) {}

  static async create(setup: Partial<FakeGhlSetup> = {}): Promise<Sandbox> {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-test-'));
    return new Sandbox(dir, await FakeGhl.start(setup));
  }

  get tokensFile(): string {
    return join(this.dir, 'ghl_tokens.json');
  }

  /** The environment of a healthy install; nothing is inherited from the developer's shell but PATH and HOME. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const { setup } = this.fake.state;
    const base: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: this.dir,
      GHL_CLIENT_ID: setup.clientId,
      GHL_CLIENT_SECRET: setup.clientSecret,
      GHL_REDIRECT_URI: setup.redirectUri,
      GHL_LOCATION_ID: setup.locationId,
      GHL_HEALTH_CHECK_CONTACT_ID: setup.contactId,
      GHL_API_BASE_URL: this.fake.url,
      GHL_TOKENS_FILE: this.tokensFile,
      GHL_CHECK_TIMEOUT_SECONDS: String(SANDBOX_DEADLINE_SECONDS),
      ...overrides,
    };
    return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  spawn(args: string[], options: RunOptions = {}): ChildProcess {
    return spawn(CLI, args, { cwd: this.dir, env: this.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Runs the CLI to its end and checks that nothing secret reached its output. */
  async run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await collect(this.spawn(args, options), options);
    this.assertNoSecrets(result.stdout + result.stderr);
    return result;
  }

  /** Tokens as GHL issued them, saved the way the CLI saves them; `expiresInS` ≤ 0 makes them due for refresh. */
  async writeTokens(expiresInS = 3600, tokenOptions: Partial<TokenGrant> = {}): Promise<Record<string, unknown>> {
    const token = this.fake.state.issueTokens(tokenOptions);
    const now = Date.now();
    const stored = { version: 1, obtainedAt: new Date(now).toISOString(), expiresAt: new Date(now + expiresInS * 1000).toISOString(), token };
    await writeFile(this.tokensFile, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    return token;
  }

  /** A .env in the run's directory holding the client secret, with `mode`; runs take the secret from it with `env: { GHL_CLIENT_SECRET: undefined }`. */
  async writeSecretEnvFile(mode: number): Promise<string> {
    const path = join(this.dir, '.env');
    await writeFile(path, `GHL_CLIENT_SECRET=${this.fake.state.setup.clientSecret}\n`);
    await chmod(path, mode); // exactly `mode`, whatever the umask
    return path;
  }

  async readTokens(): Promise<{ version: number; expiresAt: string; obtainedAt: string; token: Record<string, unknown> }> {
    return JSON.parse(await readFile(this.tokensFile, 'utf8'));
  }

  /** Every secret of this sandbox: the client secret and each token and code the stand-in issued. */
  secrets(): string[] {
    return [this.fake.state.setup.clientSecret, ...this.fake.state.issuedSecrets];
  }

  assertNoSecrets(text: string): void {
    for (const secret of this.secrets()) assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 5)}…) leaked into the output:\n${text}`);
  }

  async close(): Promise<void> {
    await this.fake.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function collect(child: ChildProcess, options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A run that exits before reading its stdin (a script refusing its settings) makes the write fail with EPIPE: not the test's concern.
  child.stdin?.on('error', () => undefined);
  if (!options.keepStdinOpen) child.stdin?.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/** The lines of a run's output that advise `chmod 600`: the warning about an env file others may read. */
export const chmodAdvice = (result: RunResult) => `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('chmod 600'));

/** The last line the CLI wrote to stderr: its one-line verdict on a failed run. */
export function verdict(result: RunResult): string {
  return result.stderr.trim().split('\n').at(-1) ?? '';
}

/** A loopback port nothing listens on now: free to listen on, and refusing connections until then. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
