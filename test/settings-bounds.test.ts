import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, verdict } from './helpers.js';

describe('settings out of range and ids that are not ids: exit 2 naming the setting, nothing sent', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await Sandbox.create();
    await box.writeTokens(-60);
  });
  afterEach(async () => box.close());

  const refused = async (args: string[], env: Record<string, string>, expected: string) => {
    const result = await box.run(args, { env });
    assert.equal(result.code, 2, result.stderr);
    assert.ok(verdict(result).includes(expected), `${expected} in: ${verdict(result)}`);
    assert.ok(result.stderr.length < 1_000, `a short verdict, not ${result.stderr.length} characters`);
    assert.equal(box.fake.requests.length, 0);
    return verdict(result);
  };

  for (const [name, value, expected] of [
    ['GHL_CHECK_TIMEOUT_SECONDS', '3000000', 'GHL_CHECK_TIMEOUT_SECONDS must be at most 3600 seconds'],
    ['GHL_CHECK_TIMEOUT_SECONDS', '3601', 'GHL_CHECK_TIMEOUT_SECONDS must be at most 3600 seconds'],
    ['GHL_REFRESH_MARGIN_SECONDS', '86400', 'GHL_REFRESH_MARGIN_SECONDS must be at most 43200 seconds'],
    ['GHL_RUN_TIMEOUT_SECONDS', '86401', 'GHL_RUN_TIMEOUT_SECONDS must be at most 86400 seconds'],
  ] as const) {
    it(`${name}=${value}`, async () => {
      await refused(['check'], { [name]: value }, expected);
    });
  }

  it('login --timeout beyond an hour', async () => {
    const result = await box.run(['login', '--no-browser', '--timeout', '3000000']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--timeout.*from 1 to 3600/);
  });

  for (const [name, id] of [
    ['.', '.'],
    ['..', '..'],
    ['a newline', 'CONTACT789demo\nINJECTED'],
    ['100 KB', 'C'.repeat(100_000)],
    ['a slash', 'abc/../tags'],
  ] as const) {
    it(`GHL_HEALTH_CHECK_CONTACT_ID with ${name}`, async () => {
      const line = await refused(['check'], { GHL_HEALTH_CHECK_CONTACT_ID: id }, 'GHL_HEALTH_CHECK_CONTACT_ID must be a contact id');
      assert.ok(!line.includes('INJECTED') && !line.includes('CCCCCCCC'), 'the value is not echoed');
    });
  }

  it('a dashboard URL as GHL_LOCATION_ID: refused, the id in it suggested', async () => {
    const url = 'https://app.gohighlevel.com/v2/location/ABC123xyz/dashboard';
    for (const args of [['check'], ['status']]) {
      const line = await refused(args, { GHL_LOCATION_ID: url }, 'GHL_LOCATION_ID must be a location id');
      assert.match(line, /not a URL: use ABC123xyz/);
      assert.ok(!line.includes('app.gohighlevel.com'));
    }
  });
});
