import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { collect, verdict } from '../helpers.js';
import { sleep, withBox, type Box } from './box.js';
import { Figures } from './figures.js';

/** A refusal must come at once: before the lock's wait, before any request. */
const AT_ONCE_MS = 5_000;

const figures = new Figures(4.5, 'Token file storage');
after(() => figures.save());

const isRoot = process.getuid?.() === 0;
const run = (command: string, ...args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
const tryRun = (command: string, ...args: string[]) => {
  try {
    run(command, ...args);
    return true;
  } catch {
    return false;
  }
};

/** A save that cannot work is found before anything is sent: exit 2 naming the cause, the token unspent and untouched. */
async function assertRefusedBeforeSpending(box: Box, tokensFile: string, before: string, result: { code: number | null; stderr: string }, cause: RegExp) {
  assert.equal(result.code, 2, result.stderr);
  assert.match(verdict(result as never), cause);
  assert.match(verdict(result as never), /Nothing was sent to GHL; the saved tokens are unspent/);
  assert.deepEqual(box.fake.requestsTo('token'), [], 'the refresh token was not sent');
  assert.equal(await readFile(tokensFile, 'utf8'), before);
}

/** chattr works only on some filesystems; the case is skipped, saying so, where it does not. */
function immutable(t: TestContext, path: string): boolean {
  if (!isRoot) t.skip('needs root (chattr)');
  else if (!tryRun('chattr', '+i', path)) t.skip('chattr +i is not supported on this filesystem');
  else return true;
  return false;
}

describe('a token file the save cannot replace', () => {
  it('a single-file bind mount (docker -v ./ghl_tokens.json:...): exit 2 before the refresh, "mount the directory, not the file"', (t) =>
    withBox(async (box) => {
      if (!isRoot) return t.skip('needs root (unshare, mount --bind)');
      await box.sandbox.writeTokens(-60);
      const hostFile = join(box.dir, 'host', 'ghl_tokens.json');
      await mkdir(join(box.dir, 'host'));
      await copyFile(box.tokensFile, hostFile);
      box.inputs.add(hostFile);
      const before = await readFile(hostFile, 'utf8');
      const wrap = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'bind', hostFile, box.tokensFile];
      const result = await box.run(['check'], { wrap });
      await assertRefusedBeforeSpending(box, hostFile, before, result, /is a mount point of its own .*mount the directory, not the file/);
      figures.runs += 1;
      figures.item('a token file the save cannot replace', 'exit 2 naming the real cause, refresh token not sent, file untouched', 'a single-file bind mount (in a private mount namespace)');
    }));

  it('an immutable token file (chattr +i): exit 2 before the refresh, "chattr -i"', (t) =>
    withBox(async (box) => {
      await box.sandbox.writeTokens(-60);
      const before = await readFile(box.tokensFile, 'utf8');
      if (!immutable(t, box.tokensFile)) return;
      try {
        const result = await box.run(['check']);
        await assertRefusedBeforeSpending(box, box.tokensFile, before, result, /immutable or append-only.*chattr -i/);
      } finally {
        run('chattr', '-i', box.tokensFile);
      }
      figures.runs += 1;
      figures.item('a token file the save cannot replace', 'exit 2 naming the real cause, refresh token not sent, file untouched', 'an immutable file (chattr +i)');
    }));

  it('a full filesystem with room for the refresh claim only: exit 2 before the refresh, "free some space"', (t) =>
    withBox(async (box) => {
      if (!isRoot) return t.skip('needs root (mount -t tmpfs)');
      const tiny = join(box.dir, 'tiny');
      await mkdir(tiny);
      run('mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', tiny);
      try {
        await box.sandbox.writeTokens(-60);
        const tokensFile = join(tiny, 'ghl_tokens.json');
        await copyFile(box.tokensFile, tokensFile);
        const before = await readFile(tokensFile, 'utf8');
        await fillLeavingOnePage(join(tiny, 'filler'));
        const result = await box.run(['check'], { env: { GHL_TOKENS_FILE: tokensFile } });
        await assertRefusedBeforeSpending(box, tokensFile, before, result, /no space left in .*tiny.*free some space/);
      } finally {
        run('umount', tiny);
      }
      figures.runs += 1;
      figures.item('a token file the save cannot replace', 'exit 2 naming the real cause, refresh token not sent, file untouched', 'a full filesystem with one free page (tmpfs)');
    }));

  it('a full filesystem with no room for the refresh claim: exit 2 before the refresh, naming the directory and its free space', (t) =>
    withBox(async (box) => {
      if (!isRoot) return t.skip('needs root (mount -t tmpfs)');
      const tiny = join(box.dir, 'tiny');
      await mkdir(tiny);
      run('mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', tiny);
      try {
        await box.sandbox.writeTokens(-60);
        const tokensFile = join(tiny, 'ghl_tokens.json');
        await copyFile(box.tokensFile, tokensFile);
        const before = await readFile(tokensFile, 'utf8');
        await fillLeavingOnePage(join(tiny, 'filler'), 0);
        const result = await box.run(['check'], { env: { GHL_TOKENS_FILE: tokensFile } });
        assert.doesNotMatch(result.stderr, /internal error/);
        await assertRefusedBeforeSpending(box, tokensFile, before, result, /cannot record the refresh claim .*tiny.*no space left .*; 0 bytes free there/);
      } finally {
        run('umount', tiny);
      }
      figures.runs += 1;
      figures.item('a token file the save cannot replace', 'exit 2 naming the real cause, refresh token not sent, file untouched', 'a full filesystem with no free page (tmpfs): the refresh claim cannot be written');
    }));

  it('a save that fails after GHL answered (file made immutable meanwhile): the pair is kept beside, the restore command works', (t) =>
    withBox(async (box) => {
      const old = String((await box.sandbox.writeTokens(-60)).refresh_token);
      box.fake.delayMs.token = 800;
      const child = box.spawn(['check']);
      const ended = collect(child, { timeoutMs: 30_000 });
      while (box.fake.requestsTo('token').length === 0) await sleep(5);
      if (!immutable(t, box.tokensFile)) return void (await ended);
      let keptIn: string;
      try {
        const failed = box.checked(await ended);
        assert.equal(failed.code, 2, failed.stderr);
        const kept = (await readdir(box.dir)).filter((name) => name.includes('.issued-'));
        assert.equal(kept.length, 1);
        keptIn = join(box.dir, kept[0] as string);
        box.inputs.add(keptIn);
        assert.match(verdict(failed), /which is now spent, but they could not be saved \(.*chattr -i.*\)\. They are kept in .* \(0600\)/);
        assert.ok(verdict(failed).includes(`ghl-auth tokens import --force ${keptIn}`));
        assert.equal((await stat(keptIn)).mode & 0o777, 0o600);
        // Until restored, no run presents the spent token again: each says where the pair is.
        const meanwhile = await box.run(['check']);
        assert.equal(meanwhile.code, 2, meanwhile.stderr);
        assert.ok(verdict(meanwhile).includes(`ghl-auth tokens import --force ${keptIn}`), meanwhile.stderr);
      } finally {
        run('chattr', '-i', box.tokensFile);
      }
      const restored = await box.run(['tokens', 'import', '--force', keptIn]);
      assert.equal(restored.code, 0, restored.stderr);
      box.inputs.add(`${box.tokensFile}.bak`); // the spent pair, kept by --force
      const next = await box.run(['refresh', '--force']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(box.fake.state.refreshTokens.get(old)?.uses, 1);
      assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
      figures.runs += 4;
      figures.row('the save fails after GHL answered (the token file made immutable while GHL answers)', 'exit 2; the pair GHL issued kept beside (0600), later runs send nothing and name it; `tokens import --force` of it restored the connection');
    }));
});

describe('a token file or lock that is not what it seems', () => {
  it('a FIFO in place of the token file: exit 2 at once, saying what it is', () =>
    withBox(async (box) => {
      run('mkfifo', box.tokensFile);
      for (const command of [['check'], ['status']]) {
        const result = await box.run(command, { timeoutMs: 20_000 });
        assert.equal(result.code, 2, result.stderr);
        assert.ok(result.ms < AT_ONCE_MS, `${command[0]} took ${result.ms} ms`);
        assert.match(verdict(result), /is a FIFO \(named pipe\), not a regular file/);
      }
      figures.runs += 2;
      figures.item('odd files', `exit 2 within ${AT_ONCE_MS / 1000} s saying what the file is, or read as meant`, 'a FIFO as the token file (check and status)');
    }));

  it('the lock left as a plain file: exit 2 at once, naming it and how to remove it', () =>
    withBox(async (box) => {
      await box.sandbox.writeTokens(-60);
      await writeFile(`${box.tokensFile}.lock`, '');
      const result = await box.run(['check']);
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.ms < AT_ONCE_MS, `took ${result.ms} ms`);
      assert.ok(verdict(result).includes(`${box.tokensFile}.lock is a plain file`) && verdict(result).includes(`rm ${box.tokensFile}.lock`), result.stderr);
      assert.deepEqual(box.fake.requests, []);
      figures.runs += 1;
      figures.item('odd files', `exit 2 within ${AT_ONCE_MS / 1000} s saying what the file is, or read as meant`, 'the lock left as a plain file');
    }));

  it('a token file that starts with a byte-order mark is read', () =>
    withBox(async (box) => {
      await box.sandbox.writeTokens(-60);
      await writeFile(box.tokensFile, `\uFEFF${await readFile(box.tokensFile, 'utf8')}`, { mode: 0o600 });
      const result = await box.run(['check']);
      assert.equal(result.code, 0, result.stderr);
      figures.runs += 1;
      figures.item('odd files', `exit 2 within ${AT_ONCE_MS / 1000} s saying what the file is, or read as meant`, 'a token file with a byte-order mark (refreshed, exit 0)');
    }));
});

/** Fills the filesystem, then gives back one page: room for a claim, not for a save. */
async function fillLeavingOnePage(path: string, pages = 1): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(4096);
  let size = 0;
  try {
    for (;;) {
      const { bytesWritten } = await handle.write(chunk, 0, chunk.length, size);
      size += bytesWritten;
      if (bytesWritten < chunk.length) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  await handle.truncate(Math.max(0, size - pages * 4096));
  await handle.close();
}
