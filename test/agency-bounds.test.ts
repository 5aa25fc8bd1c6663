import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Fault } from '../src/fake-ghl/server.js';
import { agencyLocations } from '../src/fake-ghl/setup.js';
import type { FakeGhlSetup } from '../src/fake-ghl/state.js';
import { Sandbox, verdict } from './helpers.js';

interface JsonReport {
  exitCode: number;
  reason: string;
  locations: { locationId: string; name: string | null; exitCode: number; reason: string; message: string }[];
}

/** GHL's limits lifted: these tests are about how many requests a run makes, not how it paces them. */
const UNPACED = { rateLimit: { max: 100_000, intervalMs: 10_000, daily: 10_000_000 } };

/** installedLocations' answer as a fault: `locations` as one page, with GHL's total when given. */
const page = (locations: { id: string; name: string }[], count?: number): Fault => ({
  kind: 'status',
  status: 200,
  body: { locations: locations.map((location) => ({ _id: location.id, name: location.name, isInstalled: true })), ...(count === undefined ? {} : { count }) },
});

describe('agency runs are bounded: the list of installed locations (built CLI)', () => {
  let box: Sandbox;
  const start = async (setup: Partial<FakeGhlSetup>) => {
    box = await Sandbox.create(setup);
    await box.writeTokens(3600, { userType: 'Company' });
  };
  afterEach(async () => box.close());

  it('GHL listing 100,000 installed locations: exit 2 after the first 10,000, nothing checked, naming GHL_CHECK_LOCATIONS', async () => {
    await start({ locations: agencyLocations(100_000), ...UNPACED });
    const result = await box.run(['check', '--json', '--locations', 'all'], { timeoutMs: 30_000 });
    assert.equal(result.code, 2, result.stderr.slice(-2_000));
    assert.match(verdict(result), /GHL lists more than 10000 locations where the app is installed.*list the locations to check in GHL_CHECK_LOCATIONS instead of 'all'.*\[configuration\]$/);
    assert.equal(box.fake.requestsTo('installedLocations').length, 101, 'pages of 100 until the list passed 10,000');
    assert.deepEqual(box.fake.requestsTo('locationToken'), []);
  });

  it('pages that never end (GHL ignoring skip): exit 4 once 10,000 entries were read', async () => {
    await start({ locations: agencyLocations(100), ...UNPACED });
    const first = agencyLocations(100);
    box.fake.fail('installedLocations', ...Array.from({ length: 150 }, () => page(first)));
    const result = await box.run(['check', '--json', '--locations', 'all'], { timeoutMs: 30_000 });
    assert.equal(result.code, 4, result.stderr.slice(-2_000));
    assert.match(verdict(result), /GHL's list of installed locations did not end: 10100 entries read, 100 different locations among them; the next run will try again; if this repeats, list the locations.*\[ghl_unexpected_response\]$/);
    assert.equal(box.fake.requestsTo('installedLocations').length, 101);
    assert.deepEqual(box.fake.requestsTo('locationToken'), []);
  });

  it('a full page is followed even past a smaller count (GHL: count alone does not end the list)', async () => {
    const locations = agencyLocations(120);
    await start({ locations, ...UNPACED });
    box.fake.fail('installedLocations', page(locations.slice(0, 100), 100));
    const result = await box.run(['check', '--json', '--locations', 'all'], { env: { GHL_CHECK_CONCURRENCY: '20' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as JsonReport).locations.length, 120);
    assert.deepEqual(
      box.fake.requestsTo('installedLocations').map((request) => request.query?.skip),
      ['0', '100'],
    );
  });
});

describe("agency runs are bounded: GHL_RUN_TIMEOUT_SECONDS (built CLI)", () => {
  let box: Sandbox;
  afterEach(async () => box.close());

  it('past the bound no location check starts: exit 4 naming the setting; the check under way finishes', async () => {
    box = await Sandbox.create({ locations: agencyLocations(4) });
    await box.writeTokens(3600, { userType: 'Company' });
    box.fake.delayMs.location = 2_500; // LOC0002's read starts within the 2 s and ends past them
    const result = await box.run(['check', '--json', '--locations', 'all'], { env: { GHL_RUN_TIMEOUT_SECONDS: '2', GHL_CHECK_CONCURRENCY: '1' } });
    assert.equal(result.code, 4, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(
      report.locations.map(({ exitCode, reason }) => [exitCode, reason]),
      [
        [0, 'healthy'],
        [0, 'healthy'],
        [4, 'ghl_unavailable'],
        [4, 'ghl_unavailable'],
      ],
    );
    assert.deepEqual(box.fake.requestsTo('location').map((request) => request.path), ['/locations/LOC0002agency'], 'nothing was sent for the locations not started');
    assert.match(
      verdict(result),
      /^ghl-auth: 2 of 4 locations failed: LOC0003agency \(Location 3, ghl_unavailable\) and 1 more: not checked: the run reached GHL_RUN_TIMEOUT_SECONDS \(2 s\) before this location's turn; .*raise GHL_RUN_TIMEOUT_SECONDS or GHL_CHECK_CONCURRENCY.*\[ghl_unavailable\]$/,
    );
  });

  it('a Company refresh under way when the bound passes is answered and saved, never abandoned', async () => {
    box = await Sandbox.create({ locations: agencyLocations(3) });
    const company = await box.writeTokens(3600, { userType: 'Company' });
    box.fake.state.revokeAccessToken(String(company.access_token)); // the first mint meets a 401 and refreshes
    box.fake.delayMs.token = 2_500; // GHL answers the refresh past the 2 s bound
    const result = await box.run(['check', '--json', '--locations', 'LOC0002agency,LOC0003agency'], { env: { GHL_RUN_TIMEOUT_SECONDS: '2', GHL_CHECK_CONCURRENCY: '1' } });
    assert.equal(result.code, 4, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as JsonReport).locations.map((location) => location.exitCode), [0, 4, 4]);
    assert.equal(box.fake.requestsTo('token').length, 1);
    const saved = await box.readTokens();
    assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, 'the rotated pair was saved');
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });
});
