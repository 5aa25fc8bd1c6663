import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ghlError } from '../src/fake-ghl/server.js';
import { CLI, collect, Sandbox, unusedPort, verdict, type RunResult } from './helpers.js';

/** A forward proxy for http:// targets that counts what it forwarded. */
async function startProxy(): Promise<{ server: Server; url: string; forwarded: string[] }> {
  const forwarded: string[] = [];
  const server = createServer((req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(String(req.url), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forwarded };
}

describe('the HTTP layer through the built CLI', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  const checked = (result: RunResult) => {
    box.assertNoSecrets(result.stdout + result.stderr);
    return result;
  };
  const liveSavedToken = async () => box.fake.state.refreshTokens.get(String((await box.readTokens()).token.refresh_token))?.uses === 0;

  it('goes through HTTP_PROXY, and around it for hosts in NO_PROXY', async () => {
    const proxy = await startProxy();
    try {
      await box.writeTokens();
      const proxied = await box.run(['check'], { env: { HTTP_PROXY: proxy.url } });
      assert.equal(proxied.code, 0, proxied.stderr);
      assert.equal(proxy.forwarded.length, 2);
      assert.match(proxy.forwarded[0] ?? '', new RegExp(`^GET ${box.fake.url}/contacts/`));
      const bypassed = await box.run(['check'], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      assert.equal(bypassed.code, 0, bypassed.stderr);
      assert.equal(proxy.forwarded.length, 2, 'NO_PROXY bypassed the proxy');
      assert.equal(box.fake.requests.length, 4);
    } finally {
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
  });

  it('a gzip bomb (1 MiB expanding to 1 GiB) ends in exit 4 in bounded memory', async () => {
    await box.writeTokens();
    box.fake.fail('contact', { kind: 'gzip-bomb', mib: 1024 });
    const child = spawn('/usr/bin/time', ['-v', CLI, 'check'], { cwd: box.dir, env: box.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    const result = checked(await collect(child, { timeoutMs: 30_000 }));
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /GET \/contacts\/\S+: GHL's answer was larger than 1048576 bytes \(decompressed\).*next run will try again/);
    const maxRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1]);
    assert.ok(maxRssKb < 200_000, `max RSS ${maxRssKb} kB`);
  });

  it('secrets GHL echoes in its errors reach no output, alert, ping, last-run record or status', async () => {
    const monitoring = { GHL_ALERT_WEBHOOK_URL: `${box.fake.url}/hooks/L/webhook-trigger/x`, GHL_HEALTHCHECKS_URL: `${box.fake.url}/ping/p` };
    const old = await box.writeTokens();
    const { clientSecret } = box.fake.state.setup;
    box.fake.fail('contact', ghlError(401, `Invalid token: ${String(old.access_token)}`));
    box.fake.fail('token', ghlError(400, `Invalid parameter: refresh_token ${String(old.refresh_token)} with client_secret ${clientSecret}`));
    const refreshed = await box.run(['check'], { env: monitoring });
    assert.equal(refreshed.code, 3, refreshed.stderr); // an Invalid parameter naming the refresh token: re-authorize
    assert.match(verdict(refreshed), /Invalid parameter: refresh_token \[redacted\] with client_secret \[redacted\]" \(GHL traceId [\w-]+\)/);

    const code = box.fake.state.issueCode();
    box.fake.fail('token', ghlError(400, `Invalid grant: code ${code} is invalid`));
    const exchanged = await box.run(['exchange', '--force'], { env: { ...monitoring, GHL_AUTHORIZATION_CODE: code } });
    assert.equal(exchanged.code, 3, exchanged.stderr);

    const status = await box.run(['status', '--json']);
    const reported = [
      JSON.stringify(box.fake.requests.filter((r) => r.route === 'webhook' || r.route === 'ping')),
      await readFile(`${box.tokensFile}.last-run.json`, 'utf8'),
      status.stdout,
      refreshed.stdout + refreshed.stderr,
      exchanged.stdout + exchanged.stderr,
    ].join('\n');
    assert.match(reported, /\[redacted\]/);
    box.assertNoSecrets(reported);
    assert.ok(!reported.includes(code));
  });

  it('GHL_API_BASE_URL with credentials, a query or a fragment is refused (exit 2), its value never echoed', async () => {
    const port = new URL(box.fake.url).port;
    for (const url of [`http://user:hunter22@127.0.0.1:${port}`, `${box.fake.url}?a=secretquery`, `${box.fake.url}#frag-value`]) {
      const result = await box.run(['check'], { env: { GHL_API_BASE_URL: url } });
      assert.equal(result.code, 2, url);
      assert.match(verdict(result), /GHL_API_BASE_URL must be a plain base URL/);
      assert.doesNotMatch(result.stderr, /hunter22|secretquery|frag-value/);
    }
    assert.equal(box.fake.requests.length, 0);
  });

  it('a wrong GHL_API_BASE_URL path or host is named, not blamed on the contact or on GHL', async () => {
    await box.writeTokens();
    const wrongPath = await box.run(['check'], { env: { GHL_API_BASE_URL: `${box.fake.url}/v2` } });
    assert.equal(wrongPath.code, 2);
    assert.match(verdict(wrongPath), /127\.0\.0\.1:\d+ answered 404 "Cannot GET \/v2\/contacts\/\S+" .*which is no GHL endpoint: check GHL_API_BASE_URL \(it points at 127\.0\.0\.1:\d+\)/);

    const port = await unusedPort();
    const nobody = await box.run(['check'], { env: { GHL_API_BASE_URL: `http://127.0.0.1:${port}` } });
    assert.equal(nobody.code, 4);
    assert.match(verdict(nobody), new RegExp(`no answer from GHL after 4 attempts \\(ECONNREFUSED; GHL_API_BASE_URL points at 127\\.0\\.0\\.1:${port}: check it if this persists\\)`));
  });

  it('a 429 with the daily limit spent ends the run at once (exit 4), saying so; GHL\'s traceId is in failure messages', async () => {
    await box.writeTokens();
    const spent = { kind: 'status' as const, status: 429, body: { statusCode: 429, message: 'Too Many Requests', traceId: 'trace-daily-1' }, headers: { 'X-RateLimit-Daily-Remaining': '0' } };
    box.fake.fail('contact', spent, spent, spent, spent);
    const result = await box.run(['check']);
    assert.equal(result.code, 4);
    assert.match(verdict(result), /daily request limit for this app and location is spent .*\(GHL traceId trace-daily-1\).*next run will try again \[ghl_unavailable\]/);
    assert.equal(box.fake.requestsTo('contact').length, 1);
    assert.match(result.stdout, /"traceId":"trace-daily-1"/);
  });

  for (const [name, stdout] of [['stdout on a full disk (/dev/full)', 'full'], ['stdout a closed pipe', 'closed']] as const) {
    it(`${name} at LOG_LEVEL=debug changes nothing: a refresh is saved, exit 0`, async () => {
      await box.writeTokens(-60);
      const fd = stdout === 'full' ? openSync('/dev/full', 'w') : 'pipe';
      const child = spawn(CLI, ['check'], { cwd: box.dir, env: box.env({ LOG_LEVEL: 'debug' }), stdio: ['ignore', fd, 'pipe'] });
      if (typeof fd === 'number') closeSync(fd);
      child.stdout?.destroy();
      const result = checked(await collect(child));
      assert.equal(result.code, 0, result.stderr);
      assert.ok(await liveSavedToken(), 'the rotated pair is saved');
      assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
    });
  }
});
