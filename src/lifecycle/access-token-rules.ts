import { GHL_ID } from '../ghl-id.js';

/**
 * What `ghl-auth token` and getAccessToken() accept. Free of packages, so the CLI checks its options
 * before it loads anything else.
 */

/** Half of GHL's 24 h token life: a longer minimum would refresh on nearly every call. */
export const MAX_MIN_TTL_SECONDS = 43_200;

/** Why `value` cannot be a minimum lifetime; undefined when it can. */
export function minTtlProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= MAX_MIN_TTL_SECONDS
    ? undefined
    : `must be a whole number of seconds from 0 to ${MAX_MIN_TTL_SECONDS} (GHL's access tokens live about 24 h)`;
}

/** Why `value` cannot be a location id; undefined when it can. */
export function locationProblem(value: string): string | undefined {
  return GHL_ID.test(value) ? undefined : 'must be a location id (letters, digits, _ or -, at most 64)';
}
