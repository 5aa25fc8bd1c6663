import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { boundOf, DELIVERY_RETRY_POLICY } from '../src/retry-policy.js';
import { checkMetrics } from './external-tools.js';
import { Sandbox, unusedPort, verdict, type RunResult } from './helpers.js';

// The path parts of both URLs are credentials: they must never show up in output.
const HOOK_ID = 'hook-5e1f0c2a-secret';
const PING_ID = 'ping-9b7d43aa-secret';

describe('ghl-auth check monitoring: alert webhook, dead-man\'s-switch pings, metrics, last-run record', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  const metricsFile = () => join(box.dir, 'ghl_auth.prom');
  const monitored = (overrides: Record<string, string | undefined> = {}) => ({
    GHL_ALERT_WEBHOOK_URL: `${box.fake.url}/hooks/${box.fake.state.setup.locationId}/webhook-trigger/${HOOK_ID}`,
    GHL_HEALTHCHECKS_URL: `${box.fake.url}/ping/${PING_ID}`,
    GHL_METRICS_FILE: metricsFile(),
    ...overrides,
  });
  /** Runs check and asserts that neither the secrets of GHL nor the monitoring URLs reached its output. */
  const check = async (env: Record<string, string | undefined> = monitored(), args: string[] = []): Promise<RunResult> => {
    const result = await box.run(['check', ...args], { env });
    for (const id of [HOOK_ID, PING_ID]) assert.ok(!(result.stdout + result.stderr).includes(id), `a monitoring URL leaked into the output:\n${result.stdout}`);
    return result;
  };
  const alerts = () => box.fake.requestsTo('webhook').map((request) => request.json as Record<string, unknown>);
  const pings = () => box.fake.requestsTo('ping').map((request) => request.path.replace(`/ping/${PING_ID}`, '') || '(success)');
  const lastRun = async () => JSON.parse(await readFile(`${box.tokensFile}.last-run.json`, 'utf8')) as Record<string, unknown>;
  const metric = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
  /** Everything monitoring wrote or sent, for the leak check. */
  const reported = async () => JSON.stringify(box.fake.requests.filter((r) => r.route === 'webhook' || r.route === 'ping')) + (await readFile(metricsFile(), 'utf8')) + JSON.stringify(await lastRun());
  /** Tokens due for refresh whose refresh token GHL no longer knows: "Invalid grant", exit 3. */
  const revokeRefreshToken = async () => {
    const token = await box.writeTokens(-60);
    box.fake.state.refreshTokens.delete(String(token.refresh_token));
  };

  it('a healthy run sends no alert, pings /start then success, writes valid metrics and a 0600 last-run record', async (t) => {
    await box.writeTokens();
    const result = await check(monitored({ GHL_METRICS_FILE: undefined }), ['--metrics-file', 'ghl_auth.prom']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(alerts(), []);
    assert.deepEqual(pings(), ['/start', '(success)']);

    const metrics = await readFile(metricsFile(), 'utf8');
    checkMetrics(t, metrics);
    assert.match(metrics, /^ghl_auth_check_success\{service="ghl-auth"\} 1$/m);
    assert.equal(metric(metrics, 'ghl_auth_check_exit_code'), 0);
    const record = await lastRun();
    assert.equal(metric(metrics, 'ghl_auth_check_last_success_timestamp_seconds'), Date.parse(String(record.at)) / 1000);
    assert.equal(metric(metrics, 'ghl_auth_token_expires_timestamp_seconds'), Date.parse((await box.readTokens()).expiresAt) / 1000);
    assert.ok(metric(metrics, 'ghl_auth_check_duration_seconds') > 0);
    assert.match(metrics, /^ghl_auth_api_requests_total\{service="ghl-auth",outcome="success"\} 2$/m);

    assert.equal(record.outcome, 'healthy');
    assert.equal(record.exitCode, 0);
    assert.equal(record.lastSuccessAt, record.at);
    assert.equal((await stat(`${box.tokensFile}.last-run.json`)).mode & 0o777, 0o600);
    box.assertNoSecrets(await reported());
  });

  it('a revoked refresh token sends exactly one alert (reauthorization_required), pings /3, success 0 with the last success kept', async (t) => {
    await box.writeTokens();
    assert.equal((await check()).code, 0);
    const lastSuccessAt = String((await lastRun()).lastSuccessAt);
    await revokeRefreshToken();
    box.fake.requests.length = 0;

    const result = await check();
    assert.equal(result.code, 3);
    const [alert, ...more] = alerts();
    assert.deepEqual(more, []);
    assert.deepEqual(Object.keys(alert ?? {}).sort(), ['at', 'exitCode', 'host', 'locationId', 'message', 'reason', 'service', 'status', 'text']);
    assert.equal(alert?.status, 'failed');
    assert.equal(alert?.reason, 'reauthorization_required');
    assert.equal(alert?.exitCode, 3);
    assert.equal(alert?.service, 'ghl-auth');
    assert.equal(alert?.locationId, box.fake.state.setup.locationId);
    assert.equal(alert?.host, hostname());
    assert.ok(Math.abs(Date.parse(String(alert?.at)) - Date.now()) < 60_000);
    assert.equal(`ghl-auth: ${String(alert?.message)} [reauthorization_required]`, verdict(result), 'the alert says what the run said');
    assert.match(String(alert?.message), /Invalid grant.*ghl-auth login --force/);
    assert.match(String(alert?.text), /^ghl-auth on .+: the GHL connection check failed \(exit 3, reauthorization_required\)\. .*Invalid grant/);
    assert.deepEqual(pings(), ['/start', '/3']);
    assert.equal(box.fake.requestsTo('ping')[1]?.json, alert?.message, 'the failure ping carries the message');

    const metrics = await readFile(metricsFile(), 'utf8');
    checkMetrics(t, metrics);
    assert.equal(metric(metrics, 'ghl_auth_check_success'), 0);
    assert.equal(metric(metrics, 'ghl_auth_check_exit_code'), 3);
    assert.equal(metric(metrics, 'ghl_auth_check_last_success_timestamp_seconds'), Date.parse(lastSuccessAt) / 1000);
    assert.equal(metric(metrics, 'ghl_auth_token_expires_timestamp_seconds'), Date.parse((await box.readTokens()).expiresAt) / 1000, 'read from the kept token file');
    assert.match(metrics, /outcome="success"\} 2$/m, 'the counter sums both runs');
    assert.match(metrics, /outcome="client_error"\} 1$/m);

    const record = await lastRun();
    assert.deepEqual(
      { outcome: record.outcome, exitCode: record.exitCode, reason: record.reason, lastSuccessAt: record.lastSuccessAt },
      { outcome: 'failed', exitCode: 3, reason: 'reauthorization_required', lastSuccessAt },
    );
    box.assertNoSecrets(await reported());
  });

  it('an invalid configuration (exit 2) still alerts, pings /2 and writes metrics', async () => {
    const result = await check(monitored({ GHL_CLIENT_SECRET: undefined }));
    assert.equal(result.code, 2);
    assert.deepEqual(alerts().map((alert) => [alert.reason, alert.exitCode]), [['configuration', 2]]);
    assert.match(String(alerts()[0]?.message), /GHL_CLIENT_SECRET is required/);
    assert.deepEqual(pings(), ['/start', '/2']);
    const metrics = await readFile(metricsFile(), 'utf8');
    assert.equal(metric(metrics, 'ghl_auth_check_exit_code'), 2);
    assert.equal(metric(metrics, 'ghl_auth_check_last_success_timestamp_seconds'), 0, 'never healthy');
    assert.equal(metric(metrics, 'ghl_auth_token_expires_timestamp_seconds'), 0, 'no token file');

    // An env file that cannot be read: monitoring falls back to the environment.
    const missingEnvFile = await check(monitored({ GHL_ENV_FILE: 'missing.env' }));
    assert.equal(missingEnvFile.code, 2);
    assert.match(String(alerts()[1]?.message), /env file .*missing\.env does not exist/);
    assert.deepEqual(pings().slice(2), ['/start', '/2']);
  });

  it('recovery is alerted once, only with GHL_ALERT_ON_RECOVERY=true', async () => {
    await box.writeTokens();
    const broken = monitored({ GHL_HEALTH_CHECK_CONTACT_ID: undefined });
    const statuses = () => alerts().map((alert) => alert.status);

    assert.equal((await check(broken)).code, 2);
    assert.equal((await check()).code, 0);
    assert.deepEqual(statuses(), ['failed'], 'off by default');

    assert.equal((await check(broken)).code, 2);
    assert.equal((await check(monitored({ GHL_ALERT_ON_RECOVERY: 'true' }))).code, 0);
    assert.equal((await check(monitored({ GHL_ALERT_ON_RECOVERY: 'true' }))).code, 0);
    assert.deepEqual(statuses(), ['failed', 'failed', 'recovered']);
    const recovered = alerts()[2];
    assert.equal(recovered?.exitCode, 0);
    assert.match(String(recovered?.message), /healthy again \(the last failed run was at .+, configuration\)/);
    assert.deepEqual(pings().slice(-2), ['/start', '(success)']);
  });

  it('unreachable alert and ping URLs change neither the exit code nor the run time beyond their bound', async () => {
    const port = await unusedPort();
    const unreachable = monitored({ GHL_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/x/webhook-trigger/${HOOK_ID}`, GHL_HEALTHCHECKS_URL: `http://127.0.0.1:${port}/ping/${PING_ID}` });
    await revokeRefreshToken();
    const result = await check(unreachable);
    assert.equal(result.code, 3);
    assert.match(verdict(result), /Invalid grant/);
    // Start and end are bounded separately (the start ping runs alongside the check).
    assert.ok(result.ms < 2 * boundOf(DELIVERY_RETRY_POLICY), `ended after ${result.ms} ms`);
    assert.match(result.stdout, /failed alert could not be delivered to http:\/\/127\.0\.0\.1:\d+\/… \(ECONNREFUSED\)/);
    assert.match(result.stdout, /ping \/3 could not be delivered/);
    assert.equal(metric(await readFile(metricsFile(), 'utf8'), 'ghl_auth_check_exit_code'), 3);

    await box.writeTokens();
    assert.equal((await check(unreachable)).code, 0);
  });
});

