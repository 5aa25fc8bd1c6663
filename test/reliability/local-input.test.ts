import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verdict } from '../helpers.js';
import { NOBODY, snapshot, withBox, type Box } from './box.js';
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
    name: 'far larger than a token file (valid JSON padded past 16 MiB)',
    arrange: async (box) => {
      await appendFile(await tokensOf(box), ' '.repeat(16 * 1024 * 1024));
      return { tokensFile: box.tokensFile };
    },
    says: /is larger than 16 MiB \(\d+ bytes\)/,
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
