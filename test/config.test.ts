import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appIdOf, parseConfig, readEnv } from '../src/config.js';
import { thrownWithCode } from './unit-helpers.js';

const valid = { GHL_CLIENT_ID: 'id', GHL_CLIENT_SECRET: 's3cret-value', GHL_HEALTH_CHECK_CONTACT_ID: 'c1' };

const configError = (fn: () => unknown) => thrownWithCode('configuration', fn);

describe('config', () => {
  it('applies the documented defaults and resolves the token file against the working directory', () => {
    const config = parseConfig(valid, '/srv/app');
    assert.equal(config.tokensFile, '/srv/app/ghl_tokens.json');
    assert.equal(config.apiBaseUrl, 'https://services.leadconnectorhq.com');
    assert.equal(config.tagName, 'Status:Online-AuthService');
    assert.equal(config.serviceName, 'ghl-auth');
    assert.equal(config.userType, 'Location');
    assert.equal(config.refreshMarginSeconds, 300);
    assert.equal(config.checkTimeoutSeconds, 60);
    assert.equal(config.runTimeoutSeconds, 3000);
    assert.equal(config.logLevel, 'info');
  });

  it('reports every problem at once, each by name, never a value', () => {
    const error = configError(() =>
      parseConfig({ GHL_CLIENT_SECRET: '  ', GHL_API_BASE_URL: 'not a url', GHL_REFRESH_MARGIN_SECONDS: '-5', LOG_LEVEL: 'loud' }, '/', ['GHL_CLIENT_ID', 'GHL_CLIENT_SECRET', 'GHL_HEALTH_CHECK_CONTACT_ID', 'GHL_REDIRECT_URI']),
    );
    for (const name of ['GHL_CLIENT_ID', 'GHL_CLIENT_SECRET', 'GHL_API_BASE_URL', 'GHL_REFRESH_MARGIN_SECONDS', 'LOG_LEVEL', 'GHL_HEALTH_CHECK_CONTACT_ID', 'GHL_REDIRECT_URI']) {
      assert.ok(error.message.includes(name), `${name} missing from: ${error.message}`);
    }
    assert.ok(!error.message.includes('not a url') && !error.message.includes('loud'));
  });

  it('strips a trailing slash from the API base URL', () => {
    assert.equal(parseConfig({ ...valid, GHL_API_BASE_URL: 'http://127.0.0.1:8080/' }, '/').apiBaseUrl, 'http://127.0.0.1:8080');
  });

  it('reads a .env with quotes, inline comments, CRLF and a BOM; the environment wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-config-'));
    await writeFile(join(dir, '.env'), '\uFEFFGHL_CLIENT_ID="quoted-id" # the app\r\nGHL_CLIENT_SECRET=\'single\'\r\nGHL_LOCATION_ID=loc # comment\r\n');
    const { env, envFile } = readEnv({ GHL_LOCATION_ID: 'from-env' }, undefined, dir);
    assert.equal(envFile, join(dir, '.env'));
    assert.equal(env.GHL_CLIENT_ID, 'quoted-id');
    assert.equal(env.GHL_CLIENT_SECRET, 'single');
    assert.equal(env.GHL_LOCATION_ID, 'from-env');
  });

  it('a missing default .env is fine; a named one that is missing is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ghl-auth-config-'));
    assert.equal(readEnv({}, undefined, dir).envFile, undefined);
    assert.match(configError(() => readEnv({}, 'nope.env', dir)).message, /nope\.env does not exist/);
    assert.match(configError(() => readEnv({ GHL_ENV_FILE: 'other.env' }, undefined, dir)).message, /other\.env does not exist/);
  });
  it('GHL_CHECK_LOCATIONS: all, or ids separated by commas or spaces (deduplicated), each with an optional contact; a URL or junk is named', () => {
    assert.equal(parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'ALL' }, '/').checkLocations, 'all');
    assert.deepEqual(parseConfig({ ...valid, GHL_CHECK_LOCATIONS: ' L1, L2 L1 ,' }, '/').checkLocations, ['L1', 'L2']);
    const withContacts = parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'L1:C1, L2' }, '/');
    assert.deepEqual([withContacts.checkLocations, withContacts.locationContacts], [['L1', 'L2'], { L1: 'C1' }]);
    const allWithContact = parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'all,L7:C7' }, '/');
    assert.deepEqual([allWithContact.checkLocations, allWithContact.locationContacts], ['all', { L7: 'C7' }]);
    assert.deepEqual([parseConfig(valid, '/').checkLocations, parseConfig(valid, '/').locationContacts], [undefined, {}]);
    const url = configError(() => parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'L1,https://app.gohighlevel.com/v2/location/L9/dashboard' }, '/'));
    assert.match(url.message, /GHL_CHECK_LOCATIONS must be 'all' or location ids separated by commas.*; not a URL: use L9/);
    assert.match(configError(() => parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'L1;L2' }, '/')).message, /'L1;L2' is not one/);
    assert.match(configError(() => parseConfig({ ...valid, GHL_CHECK_LOCATIONS: 'L1:C1:X' }, '/')).message, /LOCATION:CONTACT \('L1:C1:X' is not one\)/);
  });

  it('GHL_CHECK_CONCURRENCY: 5 by default, 1 to 50; the app id comes from GHL_APP_ID or the client id prefix', () => {
    assert.equal(parseConfig(valid, '/').checkConcurrency, 5);
    assert.equal(parseConfig({ ...valid, GHL_CHECK_CONCURRENCY: '12' }, '/').checkConcurrency, 12);
    assert.match(configError(() => parseConfig({ ...valid, GHL_CHECK_CONCURRENCY: '51' }, '/')).message, /GHL_CHECK_CONCURRENCY must be at most 50/);
    assert.match(configError(() => parseConfig({ ...valid, GHL_CHECK_CONCURRENCY: '0' }, '/')).message, /GHL_CHECK_CONCURRENCY must be at least 1/);
    assert.equal(appIdOf({ appId: undefined, clientId: '64f0c0ffee-lm1abc' }), '64f0c0ffee');
    assert.equal(appIdOf({ appId: 'APP1', clientId: '64f0c0ffee-lm1abc' }), 'APP1');
    assert.equal(appIdOf({ appId: undefined, clientId: 'noprefix' }), undefined);
  });
});
