import assert from 'node:assert/strict';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, type RunResult } from './helpers.js';

const output = (result: RunResult) => `${result.stdout}${result.stderr}`;

describe('a malformed last-run record never changes the exit code: warned about, then rewritten', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());
  const lastRun = () => `${box.tokensFile}.last-run.json`;

  /** A healthy check over `content` as the record: exit 0, a warning naming the file, a valid record after. */
  const healthyOver = async (says: RegExp) => {
    await box.writeTokens();
    const result = await box.run(['check']);
    assert.equal(result.code, 0, output(result));
    const warning = output(result).split('\n').find((line) => line.includes(lastRun()));
    assert.match(String(warning), says);
    assert.match(String(warning), /exit code is unchanged/);
    const record = JSON.parse(await readFile(lastRun(), 'utf8')) as Record<string, unknown>;
    assert.equal(record.outcome, 'healthy');
    assert.deepEqual(record.apiRequestsTotal, { success: 2, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 });
    assert.equal((await stat(lastRun())).mode & 0o777, 0o600);
  };

  it('fields of the wrong type (a location that is null, totals that are text)', async () => {
    await writeFile(lastRun(), JSON.stringify({ at: 'yesterday', outcome: 'failed', exitCode: '3', apiRequestsTotal: { success: 'many' }, locations: [null] }));
    await healthyOver(/is not a record ghl-auth wrote \(bad: at, exitCode, apiRequestsTotal\.success, locations\.0\)/);
  });

  it('not JSON at all', async () => {
    await writeFile(lastRun(), 'garbage\n');
    await healthyOver(/is not valid JSON/);
  });

  it('past 16 MiB: not read', async () => {
    await writeFile(lastRun(), '');
    await truncate(lastRun(), 16 * 1024 * 1024 + 1); // sparse: no disk spent, only what reading it would take
    await healthyOver(/is larger than 16 MiB/);
  });

  it('status: exit 0 with a warning, the last check not shown', async () => {
    await box.writeTokens();
    await writeFile(lastRun(), JSON.stringify({ at: 'yesterday', outcome: 'healthy', exitCode: 0, locations: [null] }));
    const result = await box.run(['status', '--json']);
    assert.equal(result.code, 0, output(result));
    assert.equal(JSON.parse(result.stdout).lastCheck, null);
    assert.match(result.stderr, /last-run\.json is not a record ghl-auth wrote \(bad: at, locations\.0\); the last check is not shown/);
  });
});
