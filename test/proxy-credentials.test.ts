import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, type RunResult } from './helpers.js';

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

  it('HTTP_PROXY with user:password answering 407 with an echo: nothing of the credentials in stdout, stderr or the record', async () => {
    await box.writeTokens();
    const result = await box.run(['check'], { env: { HTTP_PROXY: proxy.url } });
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /407/);
    await assertNoProxyCredentials(result);
    assert.deepEqual(box.fake.requests, [], 'the proxy forwarded nothing');
  });

  it('HTTPS_PROXY with user:password refusing the CONNECT with 407 and an echo: nothing of the credentials shown', async () => {
    await box.writeTokens();
    const result = await box.run(['check'], { env: { HTTPS_PROXY: proxy.url, GHL_API_BASE_URL: 'https://ghl.example.test' } });
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /407/);
    await assertNoProxyCredentials(result);
  });
});
