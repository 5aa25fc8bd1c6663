import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import { checkMetrics } from './external-tools.js';
import { Sandbox } from './helpers.js';

const TAG = 'Status:Online-AuthService';

/** The notification loop: the tag notifies only when added, so a tag left on must be taken off first. */
describe('ghl-auth check: the health-check tag and the GHL workflow that removes it', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  const metricsFile = () => join(box.dir, 'ghl_auth.prom');
  const check = () => box.run(['check'], { env: { GHL_METRICS_FILE: metricsFile() } });
  const routes = () => box.fake.requests.map((r) => `${r.method} ${r.route}`);
  const gauge = async (t: TestContext) => {
    const metrics = await readFile(metricsFile(), 'utf8');
    checkMetrics(t, metrics);
    return Number(/^ghl_auth_tag_left_on_contact\{service="ghl-auth"\} (\S+)$/m.exec(metrics)?.[1]);
  };
  const healthContact = () => {
    const contact = box.fake.state.contacts.get(box.fake.state.setup.contactId);
    assert.ok(contact);
    return contact;
  };
  const lastRun = async () => JSON.parse(await readFile(`${box.tokensFile}.last-run.json`, 'utf8')) as Record<string, unknown>;

  it('the workflow removes the tag: every run notifies with exactly 2 requests and no warning', async (t) => {
    await box.writeTokens();
    for (const run of [1, 2]) {
      box.fake.requests.length = 0;
      const result = await check();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(routes(), ['GET contact', 'POST tags']);
      assert.equal(box.fake.state.notifications.length, run);
      assert.doesNotMatch(result.stdout, /still on the contact/);
      assert.equal(await gauge(t), 0);
      assert.equal((await lastRun()).tagLeftOn, undefined);
    }
  });

  it('the workflow leaves the tag on: the next run removes and re-adds it (3 requests) so it notifies, and warns everywhere', async (t) => {
    await box.writeTokens();
    box.fake.state.workflowRemovesTag = false;
    assert.equal((await check()).code, 0);
    box.fake.requests.length = 0;

    const result = await check();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(routes(), ['GET contact', 'DELETE tags', 'POST tags']);
    assert.deepEqual(box.fake.requestsTo('tags')[0]?.json, { tags: [TAG] });
    assert.equal(box.fake.state.notifications.length, 2, 'the second run notified too');
    assert.match(result.stdout + result.stderr, /"level":40.*tag 'Status:Online-AuthService' was still on the contact: the GHL workflow did not remove it.*'Contact Tag Added'.*'Remove Contact Tag'/);
    assert.match(result.stdout, /healthy: tag .* \(it was still on the contact: removed and added again/);
    assert.equal((await lastRun()).tagLeftOn, TAG);
    assert.equal(await gauge(t), 1);

    const status = await box.run(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^warning: the last check \(.*\) warned: the health-check tag 'Status:Online-AuthService' was still on the contact.*'Remove Contact Tag' step$/m);
    const json = JSON.parse((await box.run(['status', '--json'])).stdout) as { warnings: string[]; lastCheck: { tagLeftOn?: string } };
    assert.equal(json.lastCheck.tagLeftOn, TAG);
    assert.ok(json.warnings.some((warning) => warning.includes("'Remove Contact Tag'")));

    // the workflow is fixed: the warning goes with the next run
    box.fake.state.workflowRemovesTag = true;
    healthContact().tags = [];
    assert.equal((await check()).code, 0);
    assert.equal(await gauge(t), 0);
    assert.equal((await lastRun()).tagLeftOn, undefined);
  });

  it('the tag left on in other case is still found, and removed as the contact spells it', async () => {
    await box.writeTokens();
    healthContact().tags = ['vip', TAG.toLowerCase()];
    const result = await check();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(routes(), ['GET contact', 'DELETE tags', 'POST tags']);
    assert.deepEqual(box.fake.requestsTo('tags')[0]?.json, { tags: [TAG.toLowerCase()] });
    assert.deepEqual(box.fake.state.contacts.get(box.fake.state.setup.contactId)?.tags, ['vip', TAG]);
    assert.equal(box.fake.state.notifications.length, 1);
  });
});
