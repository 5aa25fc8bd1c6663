/**
 * Token answers that carry a new refresh token but no usable access token or expiry: each must be
 * saved as due at once. Fields set to undefined are left out of the answer.
 */
export const UNUSABLE_ANSWERS: Array<[name: string, changes: Record<string, unknown>]> = [
  ['expires_in 0', { expires_in: 0 }],
  ['expires_in -1', { expires_in: -1 }],
  ['expires_in "86399" (a string)', { expires_in: '86399' }],
  ['expires_in null', { expires_in: null }],
  ['expires_in missing', { expires_in: undefined }],
  ['access_token missing', { access_token: undefined }],
  ['access_token empty', { access_token: '' }],
  ['access_token a number', { access_token: 7 }],
];

/** A token answer with `changes` applied; an undefined value removes the field. */
export const alter = (token: Record<string, unknown>, changes: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ ...token, ...changes }).filter(([, value]) => value !== undefined));

/** `inner` inside `depth` arrays: JSON no JSON.stringify can write, the stand-in sends it as text. */
export const nestedArrays = (depth: number, inner: string) => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
