import { GhlAuthError, type ErrorCode } from './errors.js';

/** The one table from failure to exit code; cron, monitors and alerts rely on these numbers. */
const EXIT_CODES: Record<ErrorCode, number> = {
  configuration: 2,
  token_file_missing: 2,
  token_file_unreadable: 2,
  token_file_unwritable: 2,
  token_file_exists: 2,
  token_input_invalid: 2,
  contact_not_found: 2,
  reauthorization_required: 3,
  access_token_rejected: 3,
  scope_missing: 3,
  wrong_token_type: 2,
  location_inactive: 4,
  ghl_unavailable: 4,
  ghl_unexpected_response: 4,
  token_file_locked: 5,
};

export const exitCodeFor = (code: ErrorCode): number => EXIT_CODES[code];

/** Anything that is not a GhlAuthError is a bug: exit 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof GhlAuthError ? exitCodeFor(error.code) : 1;
}
