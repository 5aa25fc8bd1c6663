/**
 * An agency of 200 locations against the stand-in GHL with GHL's own limits (100 requests per 10 s per
 * resource): `check --json` with GHL_CHECK_LOCATIONS=all, first with no cached Location token (200 mints
 * on the company's resource), then with every one cached. Wall time, requests by route, peak RSS, exit
 * code, and the requests GHL refused for the burst limit (429). The second part of `npm run bench`.
 */
import { agencyLocations } from '../src/fake-ghl/setup.js';
import { parseConfig } from '../src/config.js';
import { allowedPerWindow } from '../src/rate-limit.js';
import { Sandbox } from '../test/helpers.js';
import { GNU_TIME, hasGnuTime, measureNode, type Measured } from './measure.js';

const LOCATIONS = 200;
/** High enough that no location's wait for the company's burst limit runs out of time. */
const TIMEOUT_SECONDS = 120;

interface Run {
  name: string;
  measured: Measured;
  /** `check --json`'s report; undefined when its stdout was not one. */
  report: { exitCode: number; locations: { exitCode: number }[] } | undefined;
  routes: Map<string, number>;
  refused: number;
  companyRequests: number;
}

/** One route per line, ids taken out: `GET /locations/{id}`. */
const routeOf = (request: { method: string; path: string }) => `${request.method} ${request.path.replace(/^\/(contacts|locations)\/[^/]+/, '/$1/{id}')}`;

function parseReport(stdout: string): Run['report'] {
  try {
    return JSON.parse(stdout) as Run['report'];
  } catch {
    return undefined;
  }
}

const box = await Sandbox.create({ locations: agencyLocations(LOCATIONS) });
try {
  await box.writeTokens(3600, { userType: 'Company' });
  const env = box.env({ LOG_LEVEL: 'warn', GHL_CHECK_LOCATIONS: 'all', GHL_CHECK_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) });
  const { max, intervalMs } = box.fake.state.setup.rateLimit;
  const withRss = hasGnuTime();

  const measure = async (name: string): Promise<Run> => {
    const sentBefore = box.fake.requests.length;
    const refusedBefore = box.fake.state.rateLimited.length;
    const measured = await measureNode(['--', `${process.cwd()}/dist/cli.js`, 'check', '--json'], { env, cwd: box.dir, measureRss: withRss, timeoutMs: (TIMEOUT_SECONDS + 30) * 1000 });
    const sent = box.fake.requests.slice(sentBefore);
    const routes = new Map<string, number>();
    for (const request of sent) routes.set(routeOf(request), (routes.get(routeOf(request)) ?? 0) + 1);
    // Counted on the company's resource: every request the Company token makes.
    const companyRequests = sent.filter((request) => request.route === 'locationToken' || request.route === 'installedLocations').length;
    return { name, measured, report: parseReport(measured.stdout), routes, refused: box.fake.state.rateLimited.length - refusedBefore, companyRequests };
  };
  const runs = [await measure('first run (no cached Location token)'), await measure('second run (every Location token cached)')];

  const concurrency = parseConfig({}, box.dir).checkConcurrency;
  console.log(`\n${LOCATIONS} locations, GHL_CHECK_LOCATIONS=all, check --json; stand-in GHL limits ${max} per ${intervalMs / 1000} s per resource (GHL's);`);
  console.log(`GHL_CHECK_CONCURRENCY default (${concurrency}); GHL_CHECK_TIMEOUT_SECONDS=${TIMEOUT_SECONDS} so no location times out; peak RSS under ${withRss ? GNU_TIME : 'n/a (no GNU time)'}`);
  console.log(`${''.padEnd(42)} ${'wall'.padStart(9)} ${'peak RSS'.padStart(9)} ${'exit'.padStart(4)} ${'failed'.padStart(6)} ${'429s'.padStart(4)}  requests by route`);
  for (const run of runs) {
    const { ms, rssKb, code } = run.measured;
    const failed = run.report ? `${run.report.locations.filter((location) => location.exitCode !== 0).length}/${run.report.locations.length}` : 'n/a';
    const rss = withRss ? `${(rssKb / 1024).toFixed(1)} MB` : 'n/a';
    const routes = [...run.routes].sort(([a], [b]) => a.localeCompare(b)).map(([route, count]) => `${route} ${count}`).join(', ');
    console.log(`${run.name.padEnd(42)} ${`${(ms / 1000).toFixed(1)} s`.padStart(9)} ${rss.padStart(9)} ${String(code).padStart(4)} ${failed.padStart(6)} ${String(run.refused).padStart(4)}  ${routes}`);
  }
  const [first, second] = runs as [Run, Run];
  const perWindow = allowedPerWindow(max);
  // The n-th request on one resource (from 0) may leave at floor(n / perWindow) windows after the first.
  const floorS = (Math.floor((first.companyRequests - 1) / perWindow) * intervalMs) / 1000;
  console.log(
    `bound: the company's burst limit, not the concurrency, sets the first run's time: its ${first.companyRequests} requests on the company's resource go at most ${perWindow} per ${intervalMs / 1000} s ` +
      `(${perWindow} of GHL's ${max}), so the last cannot leave before ${floorS} s; the second run, same concurrency ${concurrency}, no mint, took ${(second.measured.ms / 1000).toFixed(1)} s`,
  );
  for (const run of runs) if (run.measured.code !== 0) console.log(`${run.name}: stderr ends: ${run.measured.stderr.trim().split('\n').slice(-3).join(' | ')}`);
} finally {
  await box.close();
}
