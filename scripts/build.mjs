// Bundles the CLI into dist/: start-up reads a few files instead of walking hundreds in node_modules,
// and neither the package nor the image needs a node_modules at run time. Types are checked by
// `npm run typecheck` (tsc); esbuild only strips them.
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';

/**
 * zod's `z` namespace re-exports all of its ~50 locales (`z.locales`), a quarter of the bundle that
 * every run would parse; only English, zod's default, is ever used.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer, resolveDir }) =>
      importer.includes('/node_modules/zod/') ? { path: join(resolveDir, '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, ({ path }) => ({ contents: "export { default as en } from './en.js';", resolveDir: dirname(path) }));
  },
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A source map's "mappings", one array of segments (arrays of relative numbers) per generated line. */
function decodeMappings(mappings) {
  return mappings.split(';').map((line) =>
    line.split(',').filter(Boolean).map((segment) => {
      const values = [];
      for (let i = 0, value = 0, shift = 0; i < segment.length; i += 1) {
        const digit = BASE64.indexOf(segment[i]);
        value += (digit & 31) << shift;
        shift += 5;
        if (digit < 32) {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = shift = 0;
        }
      }
      return values;
    }),
  );
}

function encodeValue(number) {
  let value = number < 0 ? (-number << 1) | 1 : number << 1;
  let out = '';
  do {
    const digit = value & 31;
    value >>>= 5;
    out += BASE64[value > 0 ? digit | 32 : digit];
  } while (value > 0);
  return out;
}

/**
 * Keeps only the mappings into src/: Node parses a chunk's whole map when it loads the chunk, and the
 * dependencies' mappings (zod, axios, mime-db, ...) were nine tenths of it, for frames nobody debugs.
 */
async function mapOnlyOwnSources(file) {
  const map = JSON.parse(await readFile(file, 'utf8'));
  const own = map.sources.map((source) => !source.includes('node_modules/'));
  const absolute = [0, 0, 0, 0, 0];
  const written = [0, 0, 0, 0, 0];
  const lines = decodeMappings(map.mappings).map((segments) => {
    absolute[0] = written[0] = 0; // the generated column restarts on every line
    const kept = [];
    let mapped = false;
    for (const segment of segments) {
      segment.forEach((delta, i) => (absolute[i] += delta));
      const isOwn = segment.length >= 4 && own[absolute[1]];
      // A dependency's code after ours: a column-only segment ends our mapping there.
      if (!isOwn && !mapped) continue;
      const length = isOwn ? segment.length : 1;
      kept.push(absolute.slice(0, length).map((value, i) => value - written[i]).map(encodeValue).join(''));
      absolute.slice(0, length).forEach((value, i) => (written[i] = value));
      mapped = isOwn;
    }
    return kept.join(',');
  });
  await writeFile(file, JSON.stringify({ ...map, mappings: lines.join(';') }));
}

/**
 * dist/types/: the declarations of the API entry (src/index.ts) and of every file they import, each
 * from its source alone (isolated declarations: no type checking, fast). They may import no package:
 * the packages are inside the bundle, not installed beside it.
 */
async function emitApiDeclarations(entry, outDir) {
  await mkdir(outDir, { recursive: true });
  const pending = [entry];
  for (const done = new Set(); pending.length > 0; ) {
    const name = pending.pop();
    if (done.has(name)) continue;
    done.add(name);
    const fileName = `src/${name}.ts`;
    const { outputText, diagnostics } = ts.transpileDeclaration(await readFile(fileName, 'utf8'), {
      fileName,
      compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022, isolatedDeclarations: true },
    });
    if (diagnostics.length > 0) throw new Error(`${fileName}: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
    for (const [, specifier] of outputText.matchAll(/from '([^']+)'/g)) {
      if (!specifier.startsWith('./')) throw new Error(`${fileName}: the API's declarations import ${specifier}, which users do not have installed`);
      pending.push(specifier.slice(2).replace(/\.js$/, ''));
    }
    await writeFile(join(outDir, `${name}.d.ts`), outputText);
  }
}

await rm('dist', { recursive: true, force: true });
await build({
  // The CLI, and the API for programs that import the package; shared code goes into common chunks.
  entryPoints: { cli: 'src/cli.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  // Each lazily imported command is its own chunk: --help and --version load commander alone.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.17',
  // Flat, so src/version.ts finds ../package.json from any chunk.
  chunkNames: '[name]-[hash]',
  // Less to parse at every start; identifiers keep their names (error and class names stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  // Stack traces point at src/ through these maps (see the entry); the sources stay out of them.
  sourcemap: 'linked',
  sourcesContent: false,
  // Optional: installed for terminals, absent from the image; src/logger.ts falls back without it.
  // pg's optional native binding (pg-native) is never used: ghl-auth speaks the protocol in JavaScript.
  external: ['pino-pretty', 'pg-native'],
  plugins: [zodEnglishOnly],
  // What the bundled CommonJS packages expect: require() of Node's built-ins (proper-lockfile, form-data, ...).
  banner: {
    js: ["import { createRequire as __ghlCreateRequire } from 'node:module';", 'const require = __ghlCreateRequire(import.meta.url);'].join(' '),
  },
  logLevel: 'warning',
});
for (const file of await readdir('dist')) if (file.endsWith('.map')) await mapOnlyOwnSources(`dist/${file}`);
await chmod('dist/cli.js', 0o755);
await emitApiDeclarations('index', 'dist/types');
