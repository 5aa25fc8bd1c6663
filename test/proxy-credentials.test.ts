import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, verdict, type RunResult } from './helpers.js';

const USER = 'proxyuser';
const PASSWORD = 'S3cretProxyPass';
const PAIR = `${USER}:${PASSWORD}`;
const BASE64 = Buffer.from(PAIR).toString('base64');

/**
 * A proxy that refuses everything with 407 and echoes what it got, as a careless one does: the
 * Proxy-Authorization header, its credentials decoded, and the URL (a CONNECT's host for https://).
 */
async function startRefusingProxy(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const echo = (req: IncomingMessage) => {
    const header = String(req.headers['proxy-authorization'] ?? '');
    seen.push(header);
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    return JSON.stringify({ statusCode: 407, message: `bad credentials ${decoded} (${header}) for ${req.url}` });
  };
  const server = createServer((req, res) => res.writeHead(407, { 'Content-Type': 'application/json', 'Proxy-Authenticate': 'Basic' }).end(echo(req)));
  server.on('connect', (req: IncomingMessage, socket) => {
    const body = echo(req);
    socket.end(`HTTP/1.1 407 Proxy Authentication Required\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://${USER}:${PASSWORD}@127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('proxy credentials never reach the output (built CLI)', () => {
  let box: Sandbox;
  let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
  beforeEach(async () => {
    box = await Sandbox.create();
    proxy = await startRefusingProxy();
  });
  afterEach(async () => {
    proxy.server.closeAllConnections();
    proxy.server.close();
    await box.close();
  });

  const assertNoProxyCredentials = async (result: RunResult) => {
    const lastRun = await readFile(`${box.tokensFile}.last-run.json`, 'utf8');
    for (const [what, text] of Object.entries({ stdout: result.stdout, stderr: result.stderr, 'last-run record': lastRun })) {
      for (const secret of [PASSWORD, PAIR, BASE64]) assert.ok(!text.includes(secret), `${secret} in the ${what}:\n${text}`);
    }
    assert.deepEqual([...new Set(proxy.seen)], [`Basic ${BASE64}`], 'the proxy was sent the credentials, and answered 407');
  };

  /** A 407 is the proxy setting's to fix: exit 2 naming it, not "the next run will try again". */
  const assertProxyRefusal = (result: RunResult) => {
    assert.equal(result.code, 2, result.stderr);
    assert.match(verdict(result), /: the proxy refused its credentials \(407 "bad credentials \[redacted\] \(Basic \[redacted\]\) for .*\): fix the user and password in HTTPS_PROXY or HTTP_PROXY .*\[configuration\]$/);
  };

  it('HTTP_PROXY with user:password answering 407 with an echo: nothing of the credentials in stdout, stderr or the record', async () => {
    const due = await box.writeTokens(-60);
    const result = await box.run(['check'], { env: { HTTP_PROXY: proxy.url } });
    assertProxyRefusal(result);
    await assertNoProxyCredentials(result);
    assert.deepEqual(box.fake.requests, [], 'the proxy forwarded nothing');
    // The refresh never reached GHL: the token is unspent and the next run, past the proxy, refreshes it.
    const direct = await box.run(['check']);
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(box.fake.requestsTo('token').map((request) => request.form?.refresh_token), [String(due.refresh_token)]);
  });

  it('HTTPS_PROXY with user:password refusing the CONNECT with 407 and an echo: nothing of the credentials shown', async () => {
    await box.writeTokens();
    const result = await box.run(['check'], { env: { HTTPS_PROXY: proxy.url, GHL_API_BASE_URL: 'https://ghl.example.test' } });
    assertProxyRefusal(result);
    await assertNoProxyCredentials(result);
  });
});
