import assert from 'node:assert/strict';
import { GhlAuthError, type ErrorCode } from '../src/errors.js';

/** The GhlAuthError with `code` that `fn` throws; fails the test when it throws anything else, or nothing. */
export function thrownWithCode(code: ErrorCode, fn: () => unknown): GhlAuthError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GhlAuthError && error.code === code, String(error));
    return error;
  }
  assert.fail(`expected a GhlAuthError with code ${code}`);
}
