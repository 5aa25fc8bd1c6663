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
