import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { missingTool } from './external-tools.js';
import { DEPLOY_FILES } from './script-sandbox.js';

it('the deployment scripts and the test fakes are shellcheck-clean', { skip: missingTool('shellcheck') }, () => {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const result = spawnSync('shellcheck', [...DEPLOY_FILES, 'test/fakes/docker', 'test/fakes/crontab'], { cwd: repo, encoding: 'utf8' });
  assert.equal(result.error, undefined, 'shellcheck must be installed (Debian package shellcheck)');
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

it('promtool is there to validate every metrics file the monitoring tests write', { skip: missingTool('promtool') }, () => {
  const result = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  assert.equal(result.error, undefined, 'promtool must be installed (Debian package prometheus)');
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
