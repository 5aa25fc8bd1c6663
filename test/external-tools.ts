import { execFileSync, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * promtool and shellcheck come from Debian's packages, not npm: a machine with only Node lacks them.
 * There the checks that need them are skipped with the reason in the test output; CI (.ci/run sets
 * GHL_AUTH_TEST_REQUIRE_TOOLS=1) installs them and counts a missing one as a failure.
 */
const required = process.env.GHL_AUTH_TEST_REQUIRE_TOOLS === '1';

const PACKAGES = { promtool: 'prometheus', shellcheck: 'shellcheck' } as const;
type Tool = keyof typeof PACKAGES;

/** A skip reason for a whole test when `tool` is missing (and allowed to be), else false. */
export function missingTool(tool: Tool): string | false {
  if (required || !spawnSync(tool, ['--version']).error) return false;
  return `needs ${tool} (Debian package ${PACKAGES[tool]}); CI installs it`;
}

/**
 * Validates a metrics file with promtool. Without it the test goes on and notes it; the skip shows in
 * test/external-tools.test.ts (not t.skip(): Node 20 then skips the test's afterEach hooks).
 */
export function checkMetrics(t: TestContext, metrics: string): void {
  const reason = missingTool('promtool');
  if (reason) return t.diagnostic(`${reason}: the metrics format was not validated`);
  execFileSync('promtool', ['check', 'metrics'], { input: metrics }); // throws on any problem or lint
}
