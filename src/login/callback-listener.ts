import { createServer, type ServerResponse } from 'node:http';
import { GhlAuthError } from '../errors.js';
import { readRedirect } from './redirect.js';

/** Only these redirect URIs can be answered by a listener on this machine. */
export function isLoopback(uri: URL): boolean {
  return uri.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(uri.hostname);
}

export interface CallbackOptions<T> {
  /** A loopback URL: the listener binds exactly its host and port and answers only its path. */
  redirectUri: URL;
  state: string;
  timeoutSeconds: number;
  /** Called once the listener accepts connections: the moment to show the authorization URL. */
  ready: () => void;
  /** Exchanges and saves the code. */
  authorize: (code: string) => Promise<T>;
  /** The line the browser page shows after `authorize` succeeded. */
  describe: (result: T) => string;
}

/**
 * Waits for GHL's redirect to the loopback redirect URI. A redirect with the right state is
 * authorized at once; any other request is answered and ignored, so a stray or forged request
 * cannot end the login or get a code exchanged.
 */
export function awaitAuthorization<T>(options: CallbackOptions<T>): Promise<T> {
  const { redirectUri, state } = options;
  const host = redirectUri.hostname.replace(/^\[|\]$/g, '');
  const port = Number(redirectUri.port || 80);
  const server = createServer();
  let busy = false;

  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: { result: T } | { error: unknown }) => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    };

    server.on('request', (req, res) => {
      const url = requestUrl(req.url, redirectUri);
      if (!url) return void page(res, 400, 'Bad request', 'This is the ghl-auth login listener; it only answers the redirect from GHL.');
      if (req.method !== 'GET' || url.pathname !== redirectUri.pathname) return void page(res, 404, 'Not found', 'This is the ghl-auth login listener; it only answers the redirect from GHL.');
      if (busy) return void page(res, 409, 'Already authorizing', 'ghl-auth is already exchanging a code from this login; see the terminal.');
      const redirect = readRedirect(url.searchParams, state);
      if (redirect.kind === 'forged') {
        return void page(res, 400, 'Request rejected', `This request was not accepted because ${redirect.why}. Nothing was exchanged; ghl-auth is still waiting for GHL's redirect.`);
      }
      // From here on this login's outcome is decided by this request: the timeout no longer applies.
      busy = true;
      clearTimeout(timer);
      if (redirect.kind === 'denied') return void page(res, 400, 'Authorization refused', 'Nothing was saved. Run ghl-auth login again and allow access.').then(() => finish({ error: redirect.error }));
      options.authorize(redirect.code).then(
        (result) => page(res, 200, 'Authorized', `${options.describe(result)} You can close this tab.`).then(() => finish({ result })),
        (error: unknown) => page(res, 500, 'Authorization failed', error instanceof Error ? error.message : 'see the terminal').then(() => finish({ error })),
      );
    });

    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use: stop what runs there' : (error.code ?? error.message);
      reject(new GhlAuthError('configuration', `cannot listen on ${host}:${port} for the redirect to GHL_REDIRECT_URI (${why}); use a free loopback port, registered as the app's redirect URI`));
    });
    server.listen(port, host, () => {
      timer = setTimeout(() => finish({ error: timedOut(redirectUri, options.timeoutSeconds) }), options.timeoutSeconds * 1000);
      options.ready();
    });
  });
}

/** The request's URL, or undefined for a target no URL can be made of (such as `//x:99999`). */
const requestUrl = (target = '/', base: URL) => (URL.canParse(target, base.href) ? new URL(target, base) : undefined);

function timedOut(where: URL | string, seconds: number): GhlAuthError {
  return new GhlAuthError(
    'reauthorization_required',
    `no authorization reached ${String(where)} within ${seconds} s; nothing was saved. Run \`ghl-auth login\` again (--timeout gives more time); if GHL redirected elsewhere, GHL_REDIRECT_URI does not match the app's redirect URI`,
  );
}

/**
 * Answers with a small page. Resolves once the page is sent or the browser has gone, whichever comes
 * first, so a closed tab never holds up the outcome (which the caller already knows).
 */
function page(res: ServerResponse, status: number, title: string, text: string): Promise<void> {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>ghl-auth: ${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
  if (res.closed) return Promise.resolve();
  const done = new Promise<void>((resolve) => res.once('close', resolve));
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' }).end(body);
  return done;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
