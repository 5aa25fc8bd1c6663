import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect } from '../helpers.js';
import { withBox } from './box.js';
import { Figures } from './figures.js';

const RUNS = 16;

const figures = new Figures(6, 'Concurrent reporting');
after(() => figures.save());

/** The sum of ghl_auth_api_requests_total over its outcomes, or undefined while there is no file. */
async function requestsTotal(metricsFile: string): Promise<number | undefined> {
  const text = await readFile(metricsFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  return [...text.matchAll(/^ghl_auth_api_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('the request counter under concurrent runs', () => {
  it(`${RUNS} checks at once: the counter ends at the requests GHL saw and never goes down`, () =>
    withBox(async (box) => {
      await box.sandbox.writeTokens();
      const metricsFile = join(box.dir, 'ghl_auth.prom');
      const seen: number[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const total = await requestsTotal(metricsFile);
          if (total !== undefined && total !== seen.at(-1)) seen.push(total);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const children = Array.from({ length: RUNS }, () => box.spawn(['check'], { env: { GHL_METRICS_FILE: metricsFile } }));
      const results = await Promise.all(children.map((child) => collect(child, { timeoutMs: 60_000 }).then((r) => box.checked(r))));
      watching = false;
      await watcher;
      results.forEach((result, i) => assert.equal(result.code, 0, `run ${i}: ${result.stderr}`));

      const sent = box.fake.requests.length;
      assert.equal(sent, RUNS * 2, 'each run reads the contact and adds the tag');
      assert.equal(await requestsTotal(metricsFile), sent, 'the counter counts every request');
      const record = JSON.parse(await readFile(`${box.tokensFile}.last-run.json`, 'utf8')) as { apiRequestsTotal: Record<string, number> };
      assert.equal(Object.values(record.apiRequestsTotal).reduce((sum, n) => sum + n, 0), sent);
      seen.forEach((total, i) => assert.ok(i === 0 || total > Number(seen[i - 1]), `the counter went from ${seen[i - 1]} to ${total}`));
      figures.runs += RUNS;
      figures.row(`${RUNS} checks at once, each writing the metrics file`, `ghl_auth_api_requests_total ends at the ${RUNS * 2} requests GHL saw, and no value read during the runs was lower than one before`);
    }));
});
