import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { MonitoringSettings } from '../src/config.js';
import { GhlAuthError } from '../src/errors.js';
import { FakeGhl } from '../src/fake-ghl/server.js';
import type { LastRun } from '../src/monitoring/last-run.js';
import { RunMonitor } from '../src/monitoring/run-monitor.js';
import { checkMetrics } from './external-tools.js';
import { failedResult, healthyResult, reportError, reportOf, type LocationResult } from '../src/run-report.js';

const INACTIVE = 'location LOC2 is not active in GHL (suspended or unpaid): the tokens were kept; the next run tries again';
const SCOPE = "the Location token for LOC1 lacks locations.readonly: add the scope to the app and run `ghl-auth login --force`";

/**
 * In process: a run's locations reach monitoring through RunMonitor.finish, whoever checked them. The
 * stand-in GHL takes the alerts as the webhook; the clock is injected so each run ends at a known time.
 */
describe('monitoring per location: one alert per run naming the failing locations, labelled metrics, the last-run record', () => {
  let dir: string;
  let fake: FakeGhl;
  let clock: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ghl-auth-test-'));
    fake = await FakeGhl.start();
    clock = Date.parse('2026-06-01T06:17:00.000Z');
  });
  afterEach(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<MonitoringSettings> = {}): MonitoringSettings => ({
    serviceName: 'ghl-auth',
    logLevel: 'silent',
    locationId: 'LOC1',
    tokensFile: join(dir, 'ghl_tokens.json'),
    alertWebhookUrl: `${fake.url}/hooks/LOC1/webhook-trigger/hook-secret`,
    alertOnRecovery: false,
    healthchecksUrl: undefined,
    metricsFile: join(dir, 'ghl_auth.prom'),
    ...overrides,
  });
  /** One run that checked `locations` and ended 10 s after it started, as the check command reports it. */
  const run = async (locations: LocationResult[] | undefined, overrides: Partial<MonitoringSettings> = {}, error: unknown = locations && reportError(reportOf(locations))) => {
    clock += 60_000;
    const monitor = RunMonitor.start(settings(overrides), pino({ level: 'silent' }), () => clock);
    clock += 10_000;
    await monitor.finish(error, { success: 3 }, { locations });
    return new Date(clock).toISOString();
  };
  const alerts = () => fake.requestsTo('webhook').map((request) => request.json as Record<string, unknown>);
  const lastRun = async () => JSON.parse(await readFile(join(dir, 'ghl_tokens.json.last-run.json'), 'utf8')) as LastRun;
  const metrics = async (t: TestContext) => {
    const text = await readFile(join(dir, 'ghl_auth.prom'), 'utf8');
    checkMetrics(t, text);
    return text;
  };
  const sample = (text: string, name: string, location: string) => Number(new RegExp(`^${name}\\{service="ghl-auth",location="${location}"\\} (\\S+)$`, 'm').exec(text)?.[1]);

  const healthy = (id: string, name: string | null = null) => healthyResult(id, name);
  const inactive = failedResult('LOC2', 'Beta Dental', new GhlAuthError('location_inactive', INACTIVE));

  it('3 locations, one failing: the alert names it with its message, metrics per location, the record keeps all three', async (t) => {
    const at = await run([healthy('LOC1', 'Acme'), inactive, healthy('LOC3')]);

    const [alert, ...more] = alerts();
    assert.deepEqual(more, [], 'one alert per run');
    assert.equal(alert?.status, 'failed');
    assert.equal(alert?.exitCode, 4);
    assert.equal(alert?.reason, 'location_inactive');
    assert.deepEqual(alert?.locations, [{ locationId: 'LOC2', name: 'Beta Dental', exitCode: 4, reason: 'location_inactive', message: INACTIVE }]);
    assert.deepEqual(alert?.recovered, []);
    assert.equal(alert?.text, `ghl-auth on ${String(alert?.host)}: the GHL connection check failed (exit 4, location_inactive). 1 of 3 locations failed: LOC2 (Beta Dental): ${INACTIVE}`);

    const text = await metrics(t);
    assert.match(text, /^ghl_auth_check_success\{service="ghl-auth"\} 0$/m, 'the run-level families stay');
    assert.deepEqual(['LOC1', 'LOC2', 'LOC3'].map((id) => sample(text, 'ghl_auth_location_check_success', id)), [1, 0, 1]);
    assert.deepEqual(['LOC1', 'LOC2', 'LOC3'].map((id) => sample(text, 'ghl_auth_location_check_exit_code', id)), [0, 4, 0]);
    assert.deepEqual(['LOC1', 'LOC2', 'LOC3'].map((id) => sample(text, 'ghl_auth_location_last_success_timestamp_seconds', id)), [Date.parse(at) / 1000, 0, Date.parse(at) / 1000]);
    assert.match(text, /^ghl_auth_location_info\{service="ghl-auth",location="LOC2",name="Beta Dental"\} 1$/m);
    assert.doesNotMatch(text, /location="LOC3",name=/, 'no name, no info sample');

    const record = await lastRun();
    assert.equal(record.outcome, 'failed');
    assert.deepEqual(record.locations, [
      { locationId: 'LOC1', name: 'Acme', exitCode: 0, reason: 'healthy', message: 'healthy', lastSuccessAt: at },
      { locationId: 'LOC2', name: 'Beta Dental', exitCode: 4, reason: 'location_inactive', message: INACTIVE, lastSuccessAt: null },
      { locationId: 'LOC3', name: null, exitCode: 0, reason: 'healthy', message: 'healthy', lastSuccessAt: at },
    ]);
    const file = await readFile(join(dir, 'ghl_tokens.json.last-run.json'), 'utf8');
    assert.equal(file.split('\n').filter((line) => line.startsWith('    {"locationId":')).length, 3, 'one line per location');
    assert.ok(!JSON.stringify(alerts()).includes('hook-secret') && !text.includes('hook-secret'));
  });

  it('the next run all healthy, with recovery on: the recovery alert names the one that recovered; a location that leaves the list leaves the record', async (t) => {
    await run([healthy('LOC1', 'Acme'), inactive, healthy('LOC3')]);
    const second = await run([healthy('LOC1', 'Acme'), healthy('LOC2', 'Beta Dental'), healthy('LOC3')], { alertOnRecovery: true });

    const recovery = alerts()[1];
    assert.equal(recovery?.status, 'recovered');
    assert.deepEqual(recovery?.recovered, [{ locationId: 'LOC2', name: 'Beta Dental' }]);
    assert.deepEqual(recovery?.locations, []);
    assert.match(String(recovery?.text), /healthy again \(the last failed run was at .+, location_inactive\)\. Healthy again: LOC2 \(Beta Dental\)\.$/);
    assert.equal((await lastRun()).locations?.find((record) => record.locationId === 'LOC2')?.lastSuccessAt, second);

    // LOC3 is no longer installed; LOC1 fails: its last success is carried from the run before.
    await run([failedResult('LOC1', 'Acme', new GhlAuthError('scope_missing', SCOPE)), healthy('LOC2', 'Beta Dental')], { alertOnRecovery: true });
    const record = await lastRun();
    assert.deepEqual(record.locations?.map((location) => [location.locationId, location.exitCode, location.lastSuccessAt]), [['LOC1', 3, second], ['LOC2', 0, record.at]]);
    const text = await metrics(t);
    assert.doesNotMatch(text, /LOC3/, 'gone from the metrics too');
    assert.equal(sample(text, 'ghl_auth_location_last_success_timestamp_seconds', 'LOC1'), Date.parse(second) / 1000);
    assert.deepEqual(alerts()[2]?.locations, [{ locationId: 'LOC1', name: 'Acme', exitCode: 3, reason: 'scope_missing', message: SCOPE }]);
    assert.deepEqual(alerts()[2]?.recovered, [], 'LOC2 was healthy the run before: nothing recovered');
  });

  it('many failing: text names ten and counts the rest; a failed run also names the locations healthy again', async () => {
    const ids = Array.from({ length: 13 }, (_, index) => `LOC${String(index + 1).padStart(2, '0')}`);
    const failing = (id: string) => failedResult(id, null, new GhlAuthError('location_inactive', INACTIVE));
    await run(ids.map(failing));
    assert.match(String(alerts()[0]?.text), /13 of 13 locations failed: LOC01 \[location_inactive\], .*LOC10 \[location_inactive\] and 3 more; the alert's locations say what to do for each\.$/);
    assert.equal((alerts()[0]?.locations as unknown[]).length, 13, 'the array names them all');

    await run(ids.map((id) => (id === 'LOC13' ? healthy(id, 'Zeta') : failing(id))));
    const alert = alerts()[1];
    assert.equal(alert?.status, 'failed', 'off by default, yet a failed run alerts anyway and says who recovered');
    assert.deepEqual(alert?.recovered, [{ locationId: 'LOC13', name: 'Zeta' }]);
    assert.match(String(alert?.text), /12 of 13 locations failed: .* and 2 more; .* Healthy again: LOC13 \(Zeta\)\.$/);
  });

  it('a run that reached no location is reported as before: no locations in the alert, the record or the metrics', async (t) => {
    await run([healthy('LOC1'), inactive]);
    await run(undefined, {}, new GhlAuthError('reauthorization_required', 'GHL rejected the stored refresh token: run `ghl-auth login --force`'));
    const alert = alerts()[1];
    assert.deepEqual(Object.keys(alert ?? {}).sort(), ['at', 'exitCode', 'host', 'locationId', 'message', 'reason', 'service', 'status', 'text']);
    assert.match(String(alert?.text), /failed \(exit 3, reauthorization_required\)\. GHL rejected the stored refresh token/);
    assert.equal((await lastRun()).locations, undefined);
    assert.doesNotMatch(await metrics(t), /ghl_auth_location_/);
  });
});
