import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { DEPLOY_FILES } from './script-sandbox.js';

it('the deployment scripts and the test fakes are shellcheck-clean', () => {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const result = spawnSync('shellcheck', [...DEPLOY_FILES, 'test/fakes/docker', 'test/fakes/crontab'], { cwd: repo, encoding: 'utf8' });
  assert.equal(result.error, undefined, 'shellcheck must be installed (Debian package shellcheck)');
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
