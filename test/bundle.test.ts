import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, collect, Sandbox, type RunResult } from './helpers.js';

/** Records every file the CLI imports (ESM loader hooks; the bundle is ESM chunks) into IMPORT_LOG. */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.IMPORT_LOG, url + '\\n');
  return next(url, context);
}`;
const RECORD_IMPORTS = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`)}`;

/** What the chunks a run of `entry` imported were built from (the `sources` of their maps), and its output. */
async function importsOf(entry: string, args: string[], env: Record<string, string>, stdin?: string): Promise<{ sources: string[]; result: RunResult }> {
  const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-imports-'));
  try {
    const log = join(dir, 'imports.log');
    const result = await collect(spawn(process.execPath, ['--import', RECORD_IMPORTS, '--', entry, ...args], { cwd: dir, env: { ...env, IMPORT_LOG: log } }), { stdin });
    assert.notEqual(result.code, null, result.stderr);
    const files = (await readFile(log, 'utf8')).trim().split('\n').map((url) => fileURLToPath(url));
    assert.ok(files.includes(entry), `the recorder saw no import of ${entry}: ${files.join(', ')}`);
    const maps = await Promise.all(files.filter((file) => file.startsWith(dirname(CLI))).map(async (file) => JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] }));
    return { sources: maps.flatMap((map) => map.sources), result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sourcesImportedBy = async (args: string[], env: Record<string, string>, stdin?: string) => (await importsOf(CLI, args, env, stdin)).sources;

const packagesIn = (sources: string[]) => [...new Set(sources.flatMap((source) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? []))].sort();

describe('the bundle (dist/)', () => {
  let box: Sandbox;
  before(async () => (box = await Sandbox.create()));
  after(async () => box?.close());

  for (const args of [['--version'], ['--help'], ['check', '--help']]) {
    it(`\`${args.join(' ')}\` loads commander alone: no HTTP, logging, validation or locking code`, async () => {
      const sources = await sourcesImportedBy(args, box.env());
      assert.deepEqual(packagesIn(sources), ['commander']);
      for (const module of ['src/http-client.ts', 'src/logger.ts', 'src/config.ts', 'src/store/token-store.ts']) assert.ok(!sources.some((source) => source.endsWith(module)), `${module} was loaded`);
    });
  }

  it('commands that send no request never load axios; check loads what it needs (the recorder sees lazily imported chunks)', async () => {
    await box.writeTokens();
    const tokens = await readFile(box.tokensFile, 'utf8');
    for (const args of [['status'], ['authorize-url'], ['tokens', 'import', '--force', '-']]) {
      const packages = packagesIn(await sourcesImportedBy(args, box.env(), tokens));
      assert.ok(!packages.includes('axios'), `${args.join(' ')} loaded axios`);
      assert.ok(packages.includes('pino'), `${args.join(' ')}: the recorder saw ${packages.join(', ')}`);
    }
    const packages = packagesIn(await sourcesImportedBy(['check'], box.env()));
    for (const name of ['axios', 'pino', 'zod', 'proper-lockfile', 'dotenv']) assert.ok(packages.includes(name), `${name} not among ${packages.join(', ')}`);
  });

  it('importing the API (dist/index.js) prints nothing and loads no CLI code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-api-'));
    try {
      const importer = join(dir, 'import-api.mjs');
      await writeFile(importer, `import { getAccessToken } from ${JSON.stringify(join(dirname(CLI), 'index.js'))};\nif (typeof getAccessToken !== 'function') process.exit(1);\n`);
      const { sources, result } = await importsOf(importer, [], box.env());
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
      assert.ok(!packagesIn(sources).includes('commander'), `commander was loaded: ${packagesIn(sources).join(', ')}`);
      assert.ok(!sources.some((source) => /src\/(cli|help|commands\/)/.test(source)), 'CLI code was loaded');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the API's type declarations import no package: users have none of the bundled ones installed", async () => {
    const dir = join(dirname(CLI), 'types');
    const declarations = await Promise.all((await readdir(dir)).map((file) => readFile(join(dir, file), 'utf8')));
    assert.match(declarations.join('\n'), /export declare function getAccessToken\(options\?: GetAccessTokenOptions\): Promise<AccessToken>;/);
    for (const text of declarations) for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) assert.match(String(specifier), /^\.\//);
  });

  it('runs from dist/ and package.json alone, as in the image, and logs plain lines on a terminal without pino-pretty', { skip: spawnSync('script', ['--version']).error ? 'needs script(1) (util-linux) for a terminal' : false }, async () => {
    const copy = await mkdtemp(join(tmpdir(), 'ghl-auth-dist-'));
    try {
      await cp(dirname(CLI), join(copy, 'dist'), { recursive: true });
      await cp(join(dirname(CLI), '../package.json'), join(copy, 'package.json'));
      await box.writeTokens();
      // script(1) gives the CLI a terminal; its exit code is the CLI's (-e).
      const result = await collect(spawn('script', ['-qec', `${join(copy, 'dist/cli.js')} check`, '/dev/null'], { cwd: box.dir, env: box.env() }));
      assert.equal(result.code, 0, result.stdout + result.stderr);
      // One line: the summary says it all on a terminal, without the result's JSON tail (log files keep it).
      assert.match(result.stdout, /^\[\d\d:\d\d:\d\d\] INFO: healthy: tag 'Status:Online-AuthService' added .* in \d+ ms\r?$/m);
      box.assertNoSecrets(result.stdout + result.stderr);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
