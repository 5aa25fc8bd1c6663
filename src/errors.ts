/**
 * Every failure the tool knows about carries a stable code. Commands throw these; only the CLI entry
 * point turns a code into an exit code, and alerts reuse the code as their `reason`.
 */
export const ERROR_CODES = [
  'configuration', // env or .env invalid, wrong location, GHL rejected our client credentials
  'token_file_missing', // no token file and nothing to create it from
  'token_file_unreadable', // corrupt, wrong shape, a directory, permission denied
  'token_file_unwritable', // the token file cannot be replaced: mount point, immutable, no space, read-only
  'token_file_exists', // a new authorization would replace a token file and --force was not given
  'token_input_invalid', // tokens offered to `tokens import` are incomplete or not JSON
  'contact_not_found', // GHL_HEALTH_CHECK_CONTACT_ID does not name a contact of the location
  'reauthorization_required', // refresh token or code dead: a human must authorize again
  'access_token_rejected', // 401 on a fresh token: the caller may refresh once
  'scope_missing', // the token lacks a scope the check needs
  'wrong_token_type', // a Company (agency) token where GHL takes only a Location token: no refresh or scope helps
  'location_inactive', // sub-account suspended: temporary, tokens kept
  'ghl_unavailable', // network, timeout, 408/429/5xx after retries, run deadline
  'ghl_unexpected_response', // GHL answered something the contract does not describe
  'token_file_locked', // another run held the lock past the bound
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * How a temporary failure ends for cron, said in one wording so that `token` and getAccessToken(),
 * which no next run follows, can say it their way (caller-wording.ts).
 */
export const NEXT_RUN_RETRIES = 'the next run will try again';

export class GhlAuthError extends Error {
  override readonly name = 'GhlAuthError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function hasCode(error: unknown, code: ErrorCode): error is GhlAuthError {
  return error instanceof GhlAuthError && error.code === code;
}
