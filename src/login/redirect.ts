import { GhlAuthError } from '../errors.js';

/** What GHL's redirect after the consent page carried. */
export type Redirect = { kind: 'code'; code: string } | { kind: 'denied'; error: GhlAuthError } | { kind: 'forged'; why: string };

/**
 * Reads `code`, `state` and `error` of the redirect. A refusal ends the login (nothing can be
 * exchanged); a missing or wrong state means the request did not come from the page we opened.
 */
export function readRedirect(params: URLSearchParams, expectedState: string): Redirect {
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    // Printed on the terminal, and anyone can send it: printable ASCII only, short.
    const why = `${error}${description ? `: ${description}` : ''}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
    return {
      kind: 'denied',
      error: new GhlAuthError('reauthorization_required', `the authorization was refused on GHL's consent page (${why}); nothing was saved. Run \`ghl-auth login\` again and allow access`),
    };
  }
  const state = params.get('state');
  if (!state) return { kind: 'forged', why: 'it carries no state' };
  if (state !== expectedState) return { kind: 'forged', why: 'its state is not the one of this login (an old or foreign link?)' };
  const code = params.get('code');
  if (!code) return { kind: 'forged', why: 'it carries no code' };
  return { kind: 'code', code };
}
