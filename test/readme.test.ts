/**
 * The README is a newcomer's first hour: every command it shows must work as written. Each fenced
 * sh, bash or cron command of README.md and docs/*.md is checked against what it names: the built
 * CLI's subcommands and options (read from its --help), the deployment scripts' options (read from
 * their source), package.json's scripts and the Dockerfile. Also: the demo runs, the README stays
 * short, and its configuration and exit-code tables cover every variable and every failure reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, GhlAuthError } from '../src/errors.js';
import { exitCodeOf } from '../src/exit-codes.js';
import { CLI } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const PAGES = ['README.md', ...DOCS];

const MAX_README_LINES = 350;
/** The deployment scripts, beside the README. */
const SCRIPTS = ['run_ghl_check.sh', 'setup_cron.sh', 'ghl-token'];
/** Commands the pages may show that this test does not check further (standard tools, or GHL's). */
const NOT_CHECKED = new Set(['cd', 'cp', 'chmod', 'mkdir', 'rm', 'echo', 'exit', 'tail', 'git', 'scp', 'ssh', 'curl', 'jq', 'id', 'uname', 'node_exporter', 'openssl']);

// ---------------------------------------------------------------------------------------------
// Reading the pages' shell commands

interface Command {
  /** Where it is shown, e.g. README.md:27. */
  where: string;
  /** The words, quotes removed, `$(...)` replaced by OUTPUT (its command is checked on its own). */
  words: string[];
}

interface Block {
  lang: string;
  page: string;
  /** Each line with its 1-based line number. */
  lines: { text: string; line: number }[];
}

function fencedBlocks(page: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  read(page)
    .split('\n')
    .forEach((text, index) => {
      const fence = /^\s*```\s*([\w-]*)\s*$/.exec(text);
      if (fence && !open) open = { lang: fence[1] ?? '', page, lines: [] };
      else if (fence && open) {
        blocks.push(open);
        open = undefined;
      } else open?.lines.push({ text: text.trim(), line: index + 1 });
    });
  return blocks;
}

const SHELL_BLOCKS = new Set(['sh', 'bash', 'cron']);
/** What a `$(...)` becomes in the word it is part of. */
const OUTPUT = '$(…)';

/** Every command of every shell block on `page`; continuation lines joined, comments dropped. */
function shellCommands(page: string): Command[] {
  const commands: Command[] = [];
  for (const block of fencedBlocks(page).filter((one) => SHELL_BLOCKS.has(one.lang))) {
    let pending = '';
    let start = 0;
    for (const { text, line } of block.lines) {
      if (!pending) start = line;
      const code = withoutComment(text);
      if (code.endsWith('\\')) {
        pending += `${code.slice(0, -1)} `;
        continue;
      }
      let full = `${pending}${code}`.trim();
      pending = '';
      if (!full) continue;
      if (block.lang === 'cron') {
        if (/^[A-Z_]+=/.test(full)) continue; // PATH=..., MAILTO=...
        const fields = full.split(/\s+/);
        assert.ok(fields.length > 5, `${page}:${start}: a crontab line needs five time fields and a command`);
        full = fields.slice(5).join(' ');
      }
      for (const words of splitCommands(full)) commands.push({ where: `${page}:${start}`, words });
    }
  }
  return commands;
}

/** The line up to a `#` that starts a comment (after a blank, outside quotes). */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i).trimEnd();
  }
  return line;
}

/**
 * A shell line as the simple commands it runs: split on `&&`, `||`, `;` and `|`, each `$(...)`
 * taken out as a command of its own, redirections dropped, quotes removed.
 */
function splitCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    const kept = words.filter((one, i) => !isRedirection(one) && !isRedirection(words[i - 1] ?? '', true));
    if (kept.length > 0) commands.push(kept);
    words = [];
  };
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i] ?? '';
    if (char === '$' && line[i + 1] === '(' && quote !== "'") {
      const close = matchingParen(line, i + 1);
      commands.push(...splitCommands(line.slice(i + 2, close)));
      word += OUTPUT;
      inWord = true;
      i = close;
    } else if (quote) {
      if (char === quote) quote = '';
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) endWord();
    else if (char === ';' || char === '|' || (char === '&' && line[i + 1] === '&')) {
      if (line[i + 1] === char) i += 1;
      endCommand();
    } else {
      word += char;
      inWord = true;
    }
  }
  assert.equal(quote, '', `unbalanced quotes in: ${line}`);
  endCommand();
  return commands;
}

function matchingParen(line: string, open: number): number {
  let depth = 0;
  for (let i = open; i < line.length; i += 1) {
    if (line[i] === '(') depth += 1;
    if (line[i] === ')' && --depth === 0) return i;
  }
  throw new Error(`no closing parenthesis in: ${line}`);
}

/** `>>`, `2>&1`, `>file`; with `target`: a word that is the file a bare `>` or `>>` writes to. */
function isRedirection(word: string, target = false): boolean {
  return target ? /^\d*>>?$/.test(word) : /^\d*>>?(&\d+)?/.test(word) || /^\d*</.test(word);
}

// ---------------------------------------------------------------------------------------------
// What the CLI accepts, from its own --help

interface CliCommand {
  /** Flags, each with whether it takes a value: --timeout <seconds>. */
  options: Map<string, boolean>;
  subcommands: Map<string, CliCommand>;
  /** Positional arguments it declares; Infinity for a variadic one. */
  maxArguments: number;
}

function cliHelp(path: string[]): string {
  const result = spawnSync(CLI, [...path, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, `ghl-auth ${path.join(' ')} --help failed: ${result.stderr}`);
  return result.stdout;
}

/** The lines of one section of commander's help ("Options:", "Commands:", "Arguments:"), entries only. */
function section(help: string, title: string): string[] {
  const match = new RegExp(`^${title}:\\n((?: .*\\n?)*)`, 'm').exec(help);
  return (match?.[1] ?? '').split('\n').filter((line) => /^ {2}\S/.test(line));
}

function readCli(path: string[] = []): CliCommand {
  const help = cliHelp(path);
  const options = new Map<string, boolean>();
  for (const line of section(help, 'Options')) {
    const [, short, long, value] = /^ {2}(?:(-\w), )?(--?[\w-]+)( [<[])?/.exec(line) ?? [];
    if (short) options.set(short, Boolean(value));
    if (long) options.set(long, Boolean(value));
  }
  const subcommands = new Map<string, CliCommand>();
  for (const line of section(help, 'Commands')) {
    const name = /^ {2}([\w-]+)/.exec(line)?.[1];
    if (name && name !== 'help') subcommands.set(name, readCli([...path, name]));
  }
  if (section(help, 'Commands').some((line) => /^ {2}help\b/.test(line))) {
    subcommands.set('help', { options: new Map(), subcommands: new Map(), maxArguments: 1 });
  }
  const args = section(help, 'Arguments');
  const maxArguments = args.some((line) => /^ {2}\S+\.\.\./.test(line)) ? Infinity : args.length;
  return { options, subcommands, maxArguments };
}

const CLI_MODEL = readCli();

/** Problems with `ghl-auth <args>`, checked as commander would parse them; none: it is accepted. */
function cliProblems(args: string[]): string[] {
  const problems: string[] = [];
  const root = CLI_MODEL;
  let command = root;
  const path: string[] = [];
  let positionals = 0;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      positionals += args.length - i - 1;
      break;
    }
    if (/^--?[\w-]/.test(arg)) {
      const name = arg.split('=')[0] ?? arg;
      // Program options are recognised after the subcommand too, as commander does.
      const takesValue = command.options.get(name) ?? root.options.get(name);
      if (takesValue === undefined) problems.push(`'${['ghl-auth', ...path].join(' ')}' has no option ${name}`);
      if (takesValue && !arg.includes('=')) i += 1;
      continue;
    }
    const sub = command.subcommands.get(arg);
    if (positionals === 0 && sub) {
      command = sub;
      path.push(arg);
    } else if (command.subcommands.size > 0 && positionals === 0) {
      problems.push(`'${['ghl-auth', ...path].join(' ')}' has no command '${arg}' (it has: ${[...command.subcommands.keys()].join(', ')})`);
      break;
    } else positionals += 1;
  }
  if (command === root && problems.length === 0 && !args.some((arg) => /^-(V|h|-version|-help)$/.test(arg))) problems.push('no command given');
  if (positionals > command.maxArguments) problems.push(`'${['ghl-auth', ...path].join(' ')}' takes ${command.maxArguments} argument(s), given ${positionals}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What the other commands may name

const PACKAGE = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const DOCKERFILE = read('Dockerfile');
const SOURCES = [
  ...listFiles('src').map(read),
  ...SCRIPTS.map(read),
  ...readdirSync(join(ROOT, 'lib')).map((name) => read(`lib/${name}`)),
  DOCKERFILE,
  read('.env.example'),
].join('\n');

function listFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Variables the code, the scripts or the Dockerfile read, or .env.example shows. */
const isKnownVariable = (name: string) => new RegExp(`\\b${name}\\b`).test(SOURCES);

/** Leading `NAME=value` words: upper-case names must be variables ghl-auth knows (lower-case: the script's own). */
function assignmentProblems(words: string[]): { rest: string[]; problems: string[] } {
  let i = 0;
  const problems: string[] = [];
  for (; i < words.length && /^[A-Za-z_]\w*=/.test(words[i] ?? ''); i += 1) {
    const name = (words[i] ?? '').split('=')[0] ?? '';
    if (/^[A-Z]/.test(name) && !isKnownVariable(name)) problems.push(`sets ${name}, which nothing reads`);
  }
  return { rest: words.slice(i), problems };
}

function scriptProblems(script: string, args: string[]): string[] {
  if (!SCRIPTS.includes(script)) return [`runs ${script}, which is none of ${SCRIPTS.join(', ')}`];
  const file = join(ROOT, script);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return [`${script} is missing or not executable`];
  }
  const source = read(script);
  // ghl-token passes its arguments on to `ghl-auth token`.
  if (script === 'ghl-token') return cliProblems(['token', ...args]);
  return args
    .filter((arg) => arg.startsWith('-'))
    .filter((option) => !new RegExp(`(^|[^\\w-])${option}([^\\w-]|$)`, 'm').test(source))
    .map((option) => `${script} knows no option ${option}`);
}

const NPM_BUILTINS = new Set(['ci', 'install', 'pack']);

function npmProblems(args: string[]): string[] {
  const [verb, script] = args;
  if (verb === 'run' || verb === 'run-script') return script && script in PACKAGE.scripts ? [] : [`package.json has no script '${script}'`];
  if (verb === 'test' || verb === 'start') return verb in PACKAGE.scripts ? [] : [`package.json has no script '${verb}'`];
  return verb && NPM_BUILTINS.has(verb) ? [] : [`npm ${verb}: not a command this test knows`];
}

/** `docker run` options that take a value. */
const DOCKER_VALUE_OPTIONS = new Set(['-v', '--volume', '-e', '--env', '--env-file', '--name', '-u', '--user', '--hostname', '--network', '--memory', '-w', '--workdir', '--mount', '--entrypoint', '-t', '--tag', '-f', '--file', '--format']);
/** Where the image keeps what a run mounts: its WORKDIR (.env) and the token directory. */
const FINAL_STAGE = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
const IMAGE_DIRS = [/^WORKDIR (\S+)/m.exec(FINAL_STAGE)?.[1], /install -d .* (\/\S+)$/m.exec(FINAL_STAGE)?.[1]];

function dockerProblems(args: string[]): string[] {
  const [verb, ...rest] = args;
  const problems: string[] = [];
  if (verb === 'build') {
    const file = optionValue(rest, '-f', '--file') ?? 'Dockerfile';
    const context = rest.filter((arg, i) => !arg.startsWith('-') && !DOCKER_VALUE_OPTIONS.has(rest[i - 1] ?? '')).at(-1) ?? '.';
    if (!existsSync(join(ROOT, context, file))) problems.push(`docker build: no ${file} in ${context}`);
    return problems;
  }
  if (verb !== 'run') return ['inspect', 'rm', 'pull', 'push', 'tag', 'info'].includes(verb ?? '') ? [] : [`docker ${verb}: not a command this test knows`];
  let i = 0;
  // $GHL_DOCKER_ARGS: the extra options run_ghl_check.sh passes, unquoted.
  for (; i < rest.length && ((rest[i] ?? '').startsWith('-') || rest[i] === '$GHL_DOCKER_ARGS'); i += 1) {
    const option = rest[i] ?? '';
    if (!DOCKER_VALUE_OPTIONS.has(option)) continue;
    const value = rest[(i += 1)] ?? '';
    if (option === '-v' || option === '--volume') {
      const target = value.split(':')[1] ?? '';
      if (!IMAGE_DIRS.some((dir) => dir && (target === dir || target.startsWith(`${dir}/`)))) problems.push(`mounts ${target}, which is not a directory of the image (${IMAGE_DIRS.join(', ')})`);
    }
    if (option === '-e' || option === '--env') problems.push(...assignmentProblems([value]).problems);
  }
  const image = rest[i];
  const command = rest.slice(i + 1);
  if (!image) return [...problems, 'docker run names no image'];
  // The image's ENTRYPOINT is the CLI: what follows the image is a ghl-auth command line.
  if (!/^ENTRYPOINT \[.*"\/app\/dist\/cli\.js"\]$/m.test(FINAL_STAGE)) problems.push("the Dockerfile's ENTRYPOINT is not the CLI");
  if (command.length > 0) problems.push(...cliProblems(command));
  return problems;
}

function optionValue(args: string[], ...names: string[]): string | undefined {
  const index = args.findIndex((arg) => names.includes(arg));
  return index < 0 ? undefined : args[index + 1];
}

/** kubectl is never run here (no cluster): the manifests of deploy/ it is given (-f, -k) must exist. */
function kubectlProblems(args: string[]): string[] {
  return args
    .filter((arg, i) => ['-f', '--filename', '-k', '--kustomize'].includes(args[i - 1] ?? '') && arg.startsWith('deploy/'))
    .filter((path) => !existsSync(join(ROOT, path)))
    .map((path) => `kubectl: no ${path} in the repository`);
}

/** Problems with one simple command; none: everything it names exists. */
function commandProblems(words: string[]): string[] {
  const { rest, problems } = assignmentProblems(words);
  const [program = '', ...args] = rest;
  if (!program) return problems; // assignments only
  const base = program.split('/').at(-1) ?? program;
  if (program === 'npx') {
    const [first, ...after] = args[0] === '--' ? args.slice(1) : args;
    return [...problems, ...(first === 'ghl-auth' ? cliProblems(after) : [`npx ${first}: not ghl-auth`])];
  }
  if (base === 'ghl-auth' || /^(\.\/)?dist\/cli\.js$/.test(program)) return [...problems, ...cliProblems(args)];
  if (program === 'node') {
    const script = args.find((arg) => !arg.startsWith('-') && args[args.indexOf(arg) - 1] !== '--import');
    return [...problems, ...(script && /dist\/cli\.js$/.test(script) ? cliProblems(args.slice(args.indexOf(script) + 1)) : [])];
  }
  if (SCRIPTS.includes(base) || /\.sh$/.test(base)) return [...problems, ...scriptProblems(base, args)];
  if (program === 'npm') return [...problems, ...npmProblems(args)];
  if (program === 'docker') return [...problems, ...dockerProblems(args)];
  if (program === 'kubectl') return [...problems, ...kubectlProblems(args)];
  if (NOT_CHECKED.has(program)) return problems;
  return [...problems, `runs ${program}, which this test does not know: check it by hand, then add it to NOT_CHECKED`];
}

// ---------------------------------------------------------------------------------------------
// Tables and links

/** The table rows of a `## title` section of the README, each as its cells. */
function tableRows(title: string): string[][] {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README.md has no section '${title}'`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** GitHub's anchor of a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(page: string): Set<string> {
  return new Set(
    read(page)
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => slug(line.replace(/^#+ /, ''))),
  );
}

// ---------------------------------------------------------------------------------------------

describe('README', () => {
  it(`is at most ${MAX_README_LINES} lines`, () => {
    const lines = README.split('\n').length - (README.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= MAX_README_LINES, `README.md has ${lines} lines; move detail to docs/`);
  });

  for (const page of PAGES) {
    it(`${page}: every fenced shell command names what exists`, () => {
      const commands = shellCommands(page);
      assert.ok(page !== 'README.md' || commands.length > 10, 'README.md shows fewer shell commands than expected: is the parser broken?');
      const problems = commands.flatMap(({ where, words }) => commandProblems(words).map((problem) => `${where}: \`${words.join(' ')}\`: ${problem}`));
      assert.deepEqual(problems, []);
    });

    it(`${page}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const [, target = ''] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [file = '', anchor] = target.split('#');
        const resolved = file ? relative(ROOT, join(ROOT, dirname(page), file)) : page;
        if (!existsSync(join(ROOT, resolved))) broken.push(`${target}: no file ${resolved}`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
      assert.deepEqual(broken, []);
    });

    it(`${page}: every GHL_ variable it names is one ghl-auth or its scripts read`, () => {
      const unknown = [...new Set(read(page).match(/\bGHL_[A-Z0-9_]+\b/g) ?? [])].filter((name) => !isKnownVariable(name));
      assert.deepEqual(unknown, []);
    });
  }

  it('starts with the demo, and the demo runs', () => {
    const [first] = shellCommands('README.md');
    assert.deepEqual(first?.words, ['npm', 'ci'], 'the first command installs');
    const second = shellCommands('README.md')[1];
    assert.deepEqual(second?.words, ['npx', 'ghl-auth', 'demo'], 'then runs the demo');
    // Run where no .env is: the demo brings its own settings and its own stand-in of GHL.
    const result = spawnSync(process.execPath, [CLI, 'demo'], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 120_000 });
    assert.equal(result.status, 0, `ghl-auth demo failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Part 1 done: .* 0 refresh token\(s\) spent twice/);
    assert.match(result.stdout, /Part 2 done: .* 0 refresh token\(s\) spent twice/);
  });

  it('its configuration table names every variable of .env.example and config.ts', () => {
    const table = tableRows('Configuration')
      .map((cells) => cells[0] ?? '')
      .join(' ');
    const fromExample = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1] ?? '');
    const schema = /const schema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(read('src/config.ts'))?.[1] ?? '';
    const fromConfig = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] ?? '');
    assert.ok(fromExample.length > 20 && fromConfig.length > 20, 'variables not found: is the parser broken?');
    const missing = [...new Set([...fromExample, ...fromConfig, 'GHL_ENV_FILE'])].filter((name) => !table.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });

  it('its exit-code table has every exit code, each with the reasons that end in it', () => {
    const rows = new Map(tableRows('Exit codes').map((cells) => [cells[0] ?? '', cells.join(' | ')]));
    const expected = new Map<number, string[]>([
      [0, ['healthy']],
      [1, ['internal_error']],
    ]);
    for (const code of ERROR_CODES) {
      const exit = exitCodeOf(new GhlAuthError(code, ''));
      expected.set(exit, [...(expected.get(exit) ?? []), code]);
    }
    const problems: string[] = [];
    for (const [exit, reasons] of expected) {
      const row = rows.get(String(exit));
      if (!row) problems.push(`no row for exit ${exit}`);
      else for (const reason of reasons.filter((one) => !row.includes(`\`${one}\``))) problems.push(`exit ${exit}: reason ${reason} missing`);
    }
    for (const [exit, row] of rows) {
      const named = [...row.matchAll(/`([a-z]+(?:_[a-z]+)+|healthy)`/g)].map((match) => match[1] ?? '');
      for (const reason of named.filter((one) => !(expected.get(Number(exit)) ?? []).includes(one))) problems.push(`exit ${exit}: names ${reason}, which does not end in it`);
    }
    assert.deepEqual(problems, []);
  });
});

describe('the README check itself', () => {
  it('refuses what does not exist', () => {
    assert.deepEqual(cliProblems(['check', '--json']), []);
    assert.deepEqual(cliProblems(['--env-file', 'x', 'tokens', 'import', '--force', 'f.json']), []);
    assert.match(cliProblems(['check', '--bogus']).join(), /has no option --bogus/);
    assert.match(cliProblems(['chek']).join(), /has no command 'chek'/);
    assert.match(cliProblems(['tokens', 'export']).join(), /has no command 'export'/);
    assert.match(cliProblems(['status', 'extra']).join(), /takes 0 argument/);
    assert.match(commandProblems(['npm', 'run', 'nope']).join(), /no script 'nope'/);
    assert.match(commandProblems(['./setup_cron.sh', '--bogus']).join(), /knows no option --bogus/);
    assert.match(commandProblems(['./ghl-token', '--bogus']).join(), /has no option --bogus/);
    assert.match(commandProblems(['docker', 'run', '-v', 'x:/etc', 'ghl-auth:latest', 'check']).join(), /mounts \/etc/);
    assert.match(commandProblems(['GHL_NOPE=1', 'npx', 'ghl-auth', 'check']).join(), /sets GHL_NOPE/);
    assert.match(commandProblems(['kubectl', 'apply', '-k', 'deploy/nope']).join(), /no deploy\/nope/);
    assert.deepEqual(splitCommands('token=$(node_modules/.bin/ghl-auth token) || exit'), [['node_modules/.bin/ghl-auth', 'token'], [`token=${OUTPUT}`], ['exit']]);
  });
});
