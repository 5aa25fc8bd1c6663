import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { FakeGhlSetup } from '../../src/fake-ghl/state.js';
import { CLI, collect, Sandbox, type RunOptions, type RunResult } from '../helpers.js';

/** How many times this suite looked for secrets in the sandbox's files, for the figures. */
export const secretScans = { count: 0 };

/** The unprivileged user of the cases root cannot fail (mode 000, read-only directories). */
export const NOBODY = { uid: 65534, gid: 65534 };

export interface BoxRunOptions extends RunOptions {
  /** Run as NOBODY instead of root. */
  unprivileged?: boolean;
  /** RLIMIT_FSIZE of the run: a write past it stops half-way and the run dies of SIGXFSZ. */
  fileSizeLimitBytes?: number;
  /** A command the run is started through, e.g. one that first mounts something in a private namespace. */
  wrap?: string[];
}

/**
 * A Sandbox whose every CLI run starts with `umask 000` (so the 0600 of the token file is the CLI's
 * doing, not the umask's) and whose every case ends with the secrets assertion (see `withBox`).
 */
export class Box {
  runs = 0;
  /** Secrets a case brought in itself, e.g. a wrong client secret. */
  readonly extraSecrets: string[] = [];
  /** Files the case wrote as input (a .env holding the client secret): not scanned. */
  readonly inputs = new Set<string>();

  constructor(readonly sandbox: Sandbox) {}

  get dir(): string {
    return this.sandbox.dir;
  }

  get fake() {
    return this.sandbox.fake;
  }

  get tokensFile(): string {
    return this.sandbox.tokensFile;
  }

  spawn(args: string[], options: BoxRunOptions = {}): ChildProcess {
    this.runs += 1;
    const command = ['sh', '-c', 'umask 000; exec "$0" "$@"', process.execPath, CLI, ...args];
    const limit = options.fileSizeLimitBytes;
    const limited = limit === undefined ? command : ['prlimit', `--fsize=${limit}`, '--', ...command];
    const argv = [...(options.wrap ?? []), ...(options.unprivileged ? ['setpriv', `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', ...limited] : limited)];
    return spawn(argv[0] as string, argv.slice(1), { cwd: this.dir, env: this.sandbox.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  }

  async run(args: string[], options: BoxRunOptions = {}): Promise<RunResult> {
    return this.checked(await collect(this.spawn(args, options), options));
  }

  /** Checks the output of a run started with `spawn`. */
  checked(result: RunResult): RunResult {
    this.assertNoSecrets(`${result.stdout}\n${result.stderr}`);
    return result;
  }

  assertNoSecrets(text: string, where = 'the output'): void {
    for (const secret of [...this.sandbox.secrets(), ...this.extraSecrets]) {
      assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 5)}…) leaked into ${where}`);
    }
  }

  /** No file but the token file (and the case's own inputs) holds a secret; the token file, unless an input, is 0600. */
  async assertClean(): Promise<void> {
    secretScans.count += 1;
    for (const path of await filesUnder(this.dir)) {
      if (path === this.tokensFile || this.inputs.has(path)) continue;
      this.assertNoSecrets(await readFile(path, 'utf8').catch(() => ''), relative(this.dir, path));
    }
    const token = this.inputs.has(this.tokensFile) ? undefined : await stat(this.tokensFile).catch(() => undefined);
    if (token?.isFile()) assert.equal(token.mode & 0o777, 0o600, 'token file mode');
  }

  /** Lets NOBODY into the sandbox (mkdtemp makes it 0700). */
  async openToNobody(): Promise<void> {
    await chmod(this.dir, 0o755);
  }
}

/** One case: a fresh box, the case, then the secrets assertion, whatever the case did. */
export async function withBox(fn: (box: Box) => Promise<void>, setup: Partial<FakeGhlSetup> = {}): Promise<void> {
  const box = new Box(await Sandbox.create(setup));
  try {
    await fn(box);
    await box.assertClean();
  } finally {
    await box.sandbox.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Temp files of the token file and its companions: `<file>.tmp-<writer>-<random>`, and `<file>.<digits>` of older versions. */
export async function tempFilesOf(tokensFile: string, dir: string): Promise<string[]> {
  const base = relative(dir, tokensFile);
  return (await readdir(dir)).filter((name) => name.startsWith(`${base}.tmp-`) || (name.startsWith(`${base}.`) && !name.startsWith(`${base}.refreshing-`) && /\.\d+$/.test(name)));
}

/** Content and mode of a path, or what stands there instead of a file. */
export async function snapshot(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'absent';
  if (info.isDirectory()) return `directory ${info.mode & 0o777}`;
  return `${info.mode & 0o777} ${(await readFile(path)).toString('base64')}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A wait of up to `maxMs`, chosen at random: where within a window a kill lands. */
export const randomSleep = (maxMs: number) => sleep(Math.floor(Math.random() * maxMs));

/** Polls for a moment of a run; a moment that never comes fails the case instead of hanging the suite. */
export async function until(condition: () => boolean, boundMs = 10_000, pollMs = 1): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the awaited moment never came within ${boundMs} ms`);
    await sleep(pollMs);
  }
}

/** `perStep` kills of every step, dealt in turn to `lanes` sandboxes that kill at once. */
export function killPlan<Step>(steps: Step[], perStep: number, lanes: number): Step[][] {
  const plan = steps.flatMap((step) => Array.from({ length: perStep }, () => step));
  return Array.from({ length: lanes }, (_, lane) => plan.filter((_, i) => i % lanes === lane));
}
