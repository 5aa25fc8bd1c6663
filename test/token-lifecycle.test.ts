import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { CREDENTIALS, parseConfig } from '../src/config.js';
import { GhlAuthError } from '../src/errors.js';
import type { HttpClient } from '../src/http-client.js';
import { ONE_TIME_MIN_LEFT_MS } from '../src/deadline.js';
import { refreshNow } from '../src/lifecycle/obtain.js';
import { TokenStore, type SaveOutcome } from '../src/store/token-store.js';
import { toStoredTokens, type StoredTokens } from '../src/tokens/stored-tokens.js';
import { rejectsWithCode } from './unit-helpers.js';

const log = pino({ level: 'silent' });

/** A store on a full disk: reads and markers work, the token file cannot be replaced. */
class FullDiskStore extends TokenStore {
  override async write(_tokens: StoredTokens): Promise<SaveOutcome> {
    throw new GhlAuthError('token_file_unreadable', `cannot write ${this.path} (ENOSPC): make its directory writable by this user`);
  }
}

const answering = (body: unknown): HttpClient => ({
  attemptsByOutcome: { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 },
  send: async () => ({ status: 200, headers: {}, body, attempts: 1 }),
});

describe('token lifecycle', () => {
  it('a refreshed pair that cannot be saved is reported as a lost connection, and the claim stays for the next run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-lifecycle-'));
    const path = join(dir, 'ghl_tokens.json');
    const before = `${JSON.stringify(toStoredTokens({ access_token: 'at-old', refresh_token: 'rt-old', expires_in: 60 }, Date.now()))}\n`;
    await writeFile(path, before, { mode: 0o600 });
    const config = parseConfig({ GHL_CLIENT_ID: 'id', GHL_CLIENT_SECRET: 'secret', GHL_TOKENS_FILE: path }, dir, CREDENTIALS);
    const store = new FullDiskStore(path, log);
    const http = answering({ access_token: 'at-new', refresh_token: 'rt-new', expires_in: 86399 });

    await assert.rejects(refreshNow({ config, store, http, log, now: Date.now }, true), (error: unknown) => {
      assert.ok(error instanceof GhlAuthError);
      assert.equal(error.code, 'reauthorization_required');
      assert.match(error.message, /new tokens for the refresh token, which is now spent, but they could not be saved \(cannot write .*ENOSPC.*\)\. The connection is lost.*ghl-auth login --force/);
      assert.ok(!error.message.includes('rt-new') && !error.message.includes('at-new'));
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), before);
    assert.ok(await store.refreshInFlight(JSON.parse(before)), 'the claim is left, so the next run can name the lost rotation');
  });

  it('a refresh is not started with less of the deadline left than its answer may need: nothing sent, the token unspent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-lifecycle-'));
    const path = join(dir, 'ghl_tokens.json');
    const before = `${JSON.stringify(toStoredTokens({ access_token: 'at-old', refresh_token: 'rt-old', expires_in: 60 }, Date.now()))}\n`;
    await writeFile(path, before, { mode: 0o600 });
    const config = parseConfig({ GHL_CLIENT_ID: 'id', GHL_CLIENT_SECRET: 'secret', GHL_TOKENS_FILE: path }, dir, CREDENTIALS);
    const sent: unknown[] = [];
    const http: HttpClient = { ...answering({}), send: async (request) => (sent.push(request), { status: 200, headers: {}, body: {}, attempts: 1 }) };
    const deadline = { signal: new AbortController().signal, remainingMs: () => ONE_TIME_MIN_LEFT_MS - 1 };

    await rejectsWithCode(refreshNow({ config, store: new TokenStore(path, log), http, log, now: Date.now, deadline }, true), 'ghl_unavailable', /only 9999 ms of the run deadline .* did not send the refresh; the token is unspent/);
    assert.deepEqual(sent, []);
    assert.equal(await readFile(path, 'utf8'), before);
    assert.equal(await new TokenStore(path, log).refreshInFlight(JSON.parse(before)), undefined, 'no claim is left for a refresh never sent');
  });
});
