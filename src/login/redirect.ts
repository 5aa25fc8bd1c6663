import { GhlAuthError } from '../errors.js';

/** What GHL's redirect after the consent page carried. */
export type Redirect = { kind: 'code'; code: string } | { kind: 'denied'; error: GhlAuthError } | { kind: 'forged'; why: string };

/**
 * Reads `code`, `state` and `error` of the redirect. The state is checked first: a request without
 * this login's state did not come from the page we opened, so it can neither end the login with an
 * error nor get a code exchanged. A refusal with the right state ends the login (nothing to exchange).
 */
export function readRedirect(params: URLSearchParams, expectedState: string): Redirect {
  const state = params.get('state');
  if (!state) return { kind: 'forged', why: 'it carries no state' };
  if (state !== expectedState) return { kind: 'forged', why: 'its state is not the one of this login (an old or foreign link?)' };
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    // Printed on the terminal: printable ASCII only, short.
    const why = `${error}${description ? `: ${description}` : ''}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
    return {
      kind: 'denied',
      error: new GhlAuthError('reauthorization_required', `the authorization was refused on GHL's consent page (${why}); nothing was saved. Run \`ghl-auth login\` again and allow access`),
    };
  }
  const code = params.get('code');
  if (!code) return { kind: 'forged', why: 'it carries no code' };
  return { kind: 'code', code };
}
