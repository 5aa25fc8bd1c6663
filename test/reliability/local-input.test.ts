import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verdict } from '../helpers.js';
import { NOBODY, withBox, type Box } from './box.js';
import { Figures } from './figures.js';

const figures = new Figures(4, 'Bad local input');
after(() => figures.save());

/** Mode 000 and read-only directories mean nothing to root: those cases run as an unprivileged user. */
const unprivilegedSkip = (() => {
  if (process.getuid?.() !== 0) return 'needs root to switch to an unprivileged user';
  const probe = spawnSync('setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', process.execPath, '-e', '0']);
  return probe.status === 0 ? false : 'setpriv cannot run node as an unprivileged user here';
})();

/** A run that cannot use the token file has nothing to wait for (the lock waits up to 20 s). */
const PROMPT_MS = 5_000;

interface TokenFileCase {
  name: string;
  /** Puts the bad thing in place; answers the path whose content must survive. */
  arrange: (box: Box) => Promise<{ tokensFile: string }>;
  says: RegExp;
  unprivileged?: boolean;
}

const writeBad = (content: string) => async (box: Box) => {
  await writeFile(box.tokensFile, content, { mode: 0o600 });
  return { tokensFile: box.tokensFile };
};

const TOKEN_FILE_CASES: TokenFileCase[] = [
  { name: 'truncated', arrange: writeBad('{"version":1,"obtainedAt":"2026-01-01T00:00:00.000Z","token":{"access_tok'), says: /is not valid JSON \(truncated or edited by hand\?\).*left untouched/ },
  { name: 'empty', arrange: writeBad(''), says: /is empty.*left untouched/ },
  { name: 'valid JSON of the wrong shape', arrange: writeBad('{"access_token":"x","refresh_token":"y"}\n'), says: /not a ghl-auth token file \(bad or missing: version, obtainedAt, expiresAt, token\)/ },
  { name: 'JSON null', arrange: writeBad('null\n'), says: /not a ghl-auth token file \(bad or missing: \(top level\)\)/ },
  {
    name: 'a directory in its place (Docker bind mount of a missing file)',
    arrange: async (box) => {
      await mkdir(box.tokensFile);
      return { tokensFile: box.tokensFile };
    },
    says: /is a directory.*rmdir/,
  },
  {
    name: 'unreadable (mode 000)',
    unprivileged: true,
    arrange: async (box) => {
      await box.sandbox.writeTokens();
      await chmod(box.tokensFile, 0o000);
      await chown(box.dir, NOBODY.uid, NOBODY.gid); // its directory is the user's, the file is not readable
      return { tokensFile: box.tokensFile };
    },
    says: /permission denied.*chmod 600/,
  },
  {
    name: 'in a missing directory',
    arrange: async (box) => ({ tokensFile: join(box.dir, 'no-such-dir', 'ghl_tokens.json') }),
    says: /directory .*no-such-dir does not exist: create it or fix GHL_TOKENS_FILE/,
  },
  {
    name: 'in a read-only directory',
    unprivileged: true,
    arrange: async (box) => {
      const dir = join(box.dir, 'read-only');
      await mkdir(dir, { mode: 0o755 });
      const tokensFile = join(dir, 'ghl_tokens.json');
      await writeFile(tokensFile, await readFile(await tokensOf(box), 'utf8'), { mode: 0o600 });
      await chown(tokensFile, NOBODY.uid, NOBODY.gid);
      return { tokensFile };
    },
    says: /cannot create the lock in .*read-only \(EACCES\): make the directory writable by this user/,
  },
];

/** A valid token file in the sandbox, for cases that move it elsewhere. */
async function tokensOf(box: Box): Promise<string> {
  await box.sandbox.writeTokens(-60);
  return box.tokensFile;
}

describe('bad token file: exit 2 naming the file and the way out, the file never overwritten', () => {
  for (const c of TOKEN_FILE_CASES) {
    const skip = c.unprivileged ? unprivilegedSkip : false;
    it(c.name, { skip }, () =>
      withBox(async (box) => {
        if (c.unprivileged) await box.openToNobody();
        const { tokensFile } = await c.arrange(box);
        box.inputs.add(tokensFile);
        const before = await snapshot(tokensFile);
        // A fresh code on hand tempts the run to "repair" the file by exchanging it.
        const code = box.fake.state.issueCode();
        const result = await box.run(['check'], { env: { GHL_TOKENS_FILE: tokensFile, GHL_AUTHORIZATION_CODE: code }, unprivileged: Boolean(c.unprivileged) });
        assert.equal(result.code, 2, result.stderr);
        assert.ok(result.ms < PROMPT_MS, `ended after ${result.ms} ms: nothing to wait for`);
        assert.ok(verdict(result).includes(tokensFile), `names the file: ${verdict(result)}`);
        assert.match(verdict(result), c.says);
        assert.match(verdict(result), /\[token_file_unreadable\]$/);
        assert.deepEqual(await snapshot(tokensFile), before, 'the file is untouched');
        assert.equal(box.fake.requests.length, 0, 'GHL was not called');
        figures.runs += 1;
        figures.item('bad token file', `exit 2 within ${PROMPT_MS / 1000} s naming the file and the way out, file untouched, GHL not called`, `${c.name}${c.unprivileged ? ' (as an unprivileged user)' : ''}`);
      }),
    );
  }
});

/** Content and mode of a path, or what stands there instead of a file. */
async function snapshot(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'absent';
  if (info.isDirectory()) return `directory ${info.mode & 0o777}`;
  return `${info.mode & 0o777} ${(await readFile(path)).toString('base64')}`;
}

interface EnvFileCase {
  name: string;
  /** The .env content, from the values the stand-in expects. */
  content: (values: Record<string, string>) => string;
}

const ENV_FILE_CASES: EnvFileCase[] = [
  {
    name: 'quoted values and inline comments',
    content: (v) =>
      [
        `GHL_CLIENT_ID='${v.GHL_CLIENT_ID}' # single quotes`,
        `GHL_CLIENT_SECRET="${v.GHL_CLIENT_SECRET}"   # double quotes, then a comment`,
        `GHL_HEALTH_CHECK_CONTACT_ID=${v.GHL_HEALTH_CHECK_CONTACT_ID} # unquoted, then a comment`,
        `GHL_HEALTH_CHECK_TAG_NAME="Status:Online #1"`,
        '',
      ].join('\n'),
  },
  { name: 'CRLF line endings', content: (v) => `${lines(v).join('\r\n')}\r\n` },
  { name: 'a byte-order mark', content: (v) => `\uFEFF${lines(v).join('\n')}\n` },
  { name: 'BOM, CRLF, quotes and comments together', content: (v) => `\uFEFF# written on Windows\r\n${lines(v, true).join('\r\n')}\r\n` },
];

const lines = (v: Record<string, string>, decorated = false) =>
  Object.entries(v).map(([name, value]) => (decorated ? `${name}="${value}" # ${name.toLowerCase()}` : `${name}=${value}`));

describe('.env as editors write it: parsed exactly', () => {
  for (const c of ENV_FILE_CASES) {
    it(c.name, () =>
      withBox(async (box) => {
        const { setup } = box.fake.state;
        const values = { GHL_CLIENT_ID: setup.clientId, GHL_CLIENT_SECRET: setup.clientSecret, GHL_HEALTH_CHECK_CONTACT_ID: setup.contactId };
        const envFile = join(box.dir, '.env');
        await writeFile(envFile, c.content(values), { mode: 0o600 });
        box.inputs.add(envFile);
        await box.sandbox.writeTokens(-60); // the refresh proves the secret was read exactly
        const result = await box.run(['check'], { env: { GHL_CLIENT_ID: undefined, GHL_CLIENT_SECRET: undefined, GHL_HEALTH_CHECK_CONTACT_ID: undefined } });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(box.fake.requestsTo('token')[0]?.form?.client_id, setup.clientId);
        const tag = c.name.startsWith('quoted') ? 'Status:Online #1' : 'Status:Online-AuthService';
        assert.deepEqual(box.fake.state.contacts.get(setup.contactId)?.tags, [tag]);
        figures.runs += 1;
        figures.item('.env as editors write it', 'every value read exactly (the refresh and the tag prove it)', c.name);
      }),
    );
  }
});

interface ConfigCase {
  name: string;
  env: Record<string, string | undefined>;
  /** Written to .env instead of the environment. */
  viaEnvFile?: boolean;
  named: string[];
}

const CONFIG_CASES: ConfigCase[] = [
  {
    name: 'invalid URLs',
    env: { GHL_API_BASE_URL: 'not a url', GHL_REDIRECT_URI: 'ftp://localhost/cb' },
    named: ['GHL_API_BASE_URL must be an http(s) URL', 'GHL_REDIRECT_URI must be an http(s) URL'],
  },
  {
    name: 'empty required variables',
    env: { GHL_CLIENT_ID: '', GHL_CLIENT_SECRET: '   ', GHL_HEALTH_CHECK_CONTACT_ID: '' },
    named: ['GHL_CLIENT_ID is required', 'GHL_CLIENT_SECRET is required', 'GHL_HEALTH_CHECK_CONTACT_ID is required'],
  },
  {
    name: 'empty required variables and an invalid URL in .env',
    env: { GHL_CLIENT_ID: '', GHL_CLIENT_SECRET: '', GHL_API_BASE_URL: 'localhost:8080' },
    viaEnvFile: true,
    named: ['GHL_CLIENT_ID is required', 'GHL_CLIENT_SECRET is required', 'GHL_API_BASE_URL must be an http(s) URL'],
  },
];

describe('invalid configuration: exit 2 naming every problem, no value echoed, tokens untouched', () => {
  for (const c of CONFIG_CASES) {
    it(c.name, () =>
      withBox(async (box) => {
        await box.sandbox.writeTokens(-60);
        const before = await snapshot(box.tokensFile);
        let env = c.env;
        if (c.viaEnvFile) {
          const envFile = join(box.dir, '.env');
          await writeFile(envFile, Object.entries(c.env).map(([name, value]) => `${name}=${value ?? ''}`).join('\n'));
          box.inputs.add(envFile);
          env = Object.fromEntries(Object.keys(c.env).map((name) => [name, undefined]));
        }
        const result = await box.run(['check'], { env });
        assert.equal(result.code, 2, result.stderr);
        const line = verdict(result);
        for (const problem of c.named) assert.ok(line.includes(problem), `${problem} in: ${line}`);
        for (const value of Object.values(c.env).filter((v) => v?.trim())) assert.ok(!line.includes(String(value)), `echoed ${value}`);
        assert.match(line, /set them in \.env or the environment; see \.env\.example\) \[configuration\]$/);
        assert.deepEqual(await snapshot(box.tokensFile), before);
        assert.equal(box.fake.requests.length, 0);
        figures.runs += 1;
        figures.item('invalid configuration', 'exit 2 naming every problem, no value echoed, tokens untouched', `${c.name}${c.viaEnvFile ? '' : ' (environment)'}`);
      }),
    );
  }
});

describe('token files are private whatever the umask', () => {
  it('written 0600 by a run started with umask 000 (first exchange and refresh)', () =>
    withBox(async (box) => {
      const code = box.fake.state.issueCode();
      assert.equal((await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: code } })).code, 0);
      assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600, 'after the exchange');
      await writeFile(box.tokensFile, (await readFile(box.tokensFile, 'utf8')).replace(/"expiresAt": "[^"]+"/, `"expiresAt": "${new Date(0).toISOString()}"`));
      await chmod(box.tokensFile, 0o644);
      assert.equal((await box.run(['check'])).code, 0);
      assert.equal(box.fake.requestsTo('token').length, 2);
      assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600, 'after the refresh');
      figures.runs += 2;
      figures.row('token file written by runs started with umask 000 (exchange, then refresh)', 'mode 0600 both times');
    }));
});
