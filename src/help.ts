/**
 * The text `--help` shows after each command's options: what it does in practice, examples, and the
 * exit codes that command can end with. Every line fits 80 columns.
 */

/** A Postgres store (GHL_TOKEN_STORE) that fails this way ends a run as GHL unavailable does: exit 4. */
const STORE_DOWN = 'the Postgres store unreachable or not answering';
const GHL_OR_STORE_DOWN = 'GHL unavailable or failing, or (before anything was spent) the Postgres\n     store unreachable or not answering';

/** What each exit code means; 0 is said per command. Same numbers as the README and exit-codes.ts. */
const EXIT_MEANINGS: Record<number, string> = {
  1: 'internal error (a bug: please report it)',
  2: 'configuration or local setup (env, token file, contact id, credentials)',
  3: 're-authorization required: run `ghl-auth login --force`',
  4: `${GHL_OR_STORE_DOWN} (temporary: the next run tries again)`,
  5: 'token file or Postgres store locked by another run (try again)',
};

/** Exit 4 of a command that sends GHL nothing: only the store can be down. */
const STORE_DOWN_ONLY = { 4: `${STORE_DOWN} (try again later)` };

/** `meanings` words a code for the command, e.g. `token`'s 4: no next run follows a program's request. */
function exitCodes(success: string, codes: number[], meanings: Record<number, string> = {}): string {
  return ['Exit codes:', `  0  ${success}`, ...codes.map((code) => `  ${code}  ${meanings[code] ?? EXIT_MEANINGS[code]}`)].join('\n');
}

const section = (...paragraphs: string[]) => `\n${paragraphs.join('\n\n')}`;

export const HELP = {
  program: section(
    `Examples:
  npx ghl-auth demo       try it against a local stand-in of GHL
  npx ghl-auth login      the first authorization, in a browser
  npx ghl-auth status     is the connection healthy, and until when?
  npx ghl-auth check      what cron runs every few hours
  npx ghl-auth token      the access token, for your other programs
  npx -- ghl-auth --env-file /etc/ghl.env check`,
    exitCodes('healthy / done', [1, 2, 3, 4, 5]),
  ),
  check: section(
    `The first run exchanges GHL_AUTHORIZATION_CODE when there is no token file
yet; later runs use the file. Every run can alert a webhook on failure
(GHL_ALERT_WEBHOOK_URL), ping a dead-man's switch (GHL_HEALTHCHECKS_URL) and
write metrics (GHL_METRICS_FILE): see the README's Monitoring section.
With a Company token (an agency install) it mints a Location token per
location and checks GHL_LOCATION_ID, plus GHL_CHECK_LOCATIONS (or --locations):
\`all\` installed locations, or a list. The run exits with its worst
location's code (1, 3, 2, 4, 5 in that order): see README "Agencies".
After GHL_RUN_TIMEOUT_SECONDS (default 3000) no more location checks start;
the locations left fail with exit 4.`,
    `Examples:
  npx ghl-auth check
  npx ghl-auth check --metrics-file /var/lib/node_exporter/ghl_auth.prom
  npx ghl-auth check --locations all --json     every installed location
  crontab line (any minute but :00, when everyone else's jobs run):
  17 */6 * * * cd /opt/ghl-auth && npx ghl-auth check >> check.log 2>&1`,
    exitCodes('healthy', [1, 2, 3, 4, 5]),
  ),
  login: section(
    `With a loopback GHL_REDIRECT_URI (http://localhost:PORT/path) login listens
on exactly that address and exchanges the code the moment GHL redirects
there. With any other redirect URI it asks for the URL the browser landed on
(or just its code), on the terminal or as one line on stdin.
A refused authorization (access_denied) or the timeout ends it with exit 3,
nothing saved; a URL or redirect without this login's state is refused and
login keeps waiting.`,
    `Examples:
  npx ghl-auth login
  npx ghl-auth login --force          re-authorize (new scopes, location)
  on a server, after \`ssh -L 3000:localhost:3000 server\` from your laptop:
  npx ghl-auth login --no-browser --timeout 600`,
    exitCodes('authorized, tokens saved', [1, 2, 3, 4, 5]),
  ),
  exchange: section(
    `Codes are single-use and expire within minutes: run this right after
authorizing. A used or expired code ends with exit 3.`,
    `Examples:
  npx ghl-auth exchange --code 4f9c0e...
  GHL_AUTHORIZATION_CODE=4f9c0e... npx ghl-auth exchange --force`,
    exitCodes('exchanged, tokens saved', [1, 2, 3, 4, 5]),
  ),
  authorizeUrl: section(
    `White-label apps set GHL_AUTHORIZE_URL to
https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation
(not the agency's own domain).`,
    `Examples:
  npx ghl-auth authorize-url
  npx ghl-auth authorize-url | xclip -selection clipboard`,
  ),
  status: section(
    `Shows the token type: a Location token reaches its own location; a Company
token (agency install) reaches those it mints Location tokens for, and status
says how many were approved at install and whether GHL_LOCATION_ID is one.
When the last check covered several locations, it lists each one's outcome
(--json: the array locations).`,
    `--verify sends GHL a refresh request for a token that cannot exist: a wrong
client id or secret is refused at once (exit 2), right ones get "Invalid
grant". No token of yours is sent or spent.`,
    `Examples:
  npx ghl-auth status
  npx ghl-auth status --verify        after editing GHL_CLIENT_SECRET
  npx ghl-auth status --json | jq .accessToken.expiresAt
  npx ghl-auth status --json | jq '.locations[] | select(.exitCode != 0)'`,
    `Exit codes:
  0  the tokens are usable
  2  the token file is missing or unreadable, the configuration is invalid,
     the token is for another location than GHL_LOCATION_ID, it cannot reach
     the locations to check (a Location token with GHL_CHECK_LOCATIONS, a
     Company token with no location set), or (--verify) GHL rejects the
     client id or secret
  3  re-authorization required (scopes missing, refresh token expired or
     declared dead by GHL, or the last check said so): run
     \`ghl-auth login --force\`
  4  ${STORE_DOWN}, or (--verify) GHL could
     not be reached`,
  ),
  refresh: section(
    `Examples:
  npx ghl-auth refresh            only if it expires within the margin
  npx ghl-auth refresh --force    now, whatever its expiry`,
    exitCodes('refreshed, or not due yet (it says which)', [1, 2, 3, 4, 5]),
  ),
  token: section(
    `Only the token and a newline on stdout; logs and errors go to stderr. Other
programs ask here and never refresh themselves: GHL's refresh tokens are
single-use, so a second refresher kills the connection. No alert, no ping.`,
    `Examples:
  curl -H "Authorization: Bearer $(npx ghl-auth token)" ...
  npx ghl-auth token --min-ttl 3600     valid for at least another hour
  npx ghl-auth token --json | jq -r .expiresAt`,
    exitCodes('a token was printed', [1, 2, 3, 4, 5], { 4: `${GHL_OR_STORE_DOWN} (temporary: try again later)` }),
  ),
  tokens: section(`Examples:
  npx ghl-auth tokens import tokens.json
  npx ghl-auth tokens import --force ghl_tokens.json.bak
  npx ghl-auth tokens migrate --to postgres://ghl:PASSWORD@db:5432/ghl`),
  tokensMigrate: section(
    `Copies the connection from the store in use (GHL_TOKEN_STORE, else
GHL_TOKENS_FILE) to --to, under both stores' locks, refreshing nothing.
Then the source is retired so only one store is ever used: a token file is
renamed <file>.migrated-<time>.json (0600), a Postgres row is marked moved
(runs still pointed at it exit 2 saying where it went). Point every host at
the new store afterwards.`,
    `Examples:
  npx ghl-auth tokens migrate --to 'postgres://ghl:PASSWORD@db:5432/ghl?sslmode=require'
  GHL_TOKEN_STORE=postgres://... npx ghl-auth tokens migrate --to ./ghl_tokens.json`,
    exitCodes('moved', [1, 2, 4, 5], { 4: `a Postgres store unreachable or not answering (try again later)` }),
  ),
  storeMigrate: section(
    `Creates the schema GHL_TOKEN_STORE_SCHEMA (default ghl_auth) and its tables
in GHL_TOKEN_STORE, or brings them to this version; idempotent. Every run
does the same on first use, so this is only needed when the runs' database
user may not create schemas.`,
    `Examples:
  GHL_TOKEN_STORE=postgres://admin:PASSWORD@db:5432/ghl npx ghl-auth store migrate`,
    exitCodes('the schema is current', [1, 2, 4], STORE_DOWN_ONLY),
  ),
  tokensImport: section(
    `The JSON needs access_token, refresh_token, and expires_in (seconds from
now, at most 86400) or expires_at (ISO 8601, or Unix time; at most a day
ahead); other fields (scope, locationId, companyId, ...) are kept.
Incomplete input: exit 2, nothing saved.`,
    `Examples:
  npx ghl-auth tokens import tokens.json
  pbpaste | npx ghl-auth tokens import -
  undo a re-authorization (login --force kept the old file as .bak):
  npx ghl-auth tokens import --force ghl_tokens.json.bak`,
    exitCodes('imported, tokens saved', [1, 2, 4, 5], STORE_DOWN_ONLY),
  ),
  demo: section(`Examples:
  npx ghl-auth demo            a sub-account install, then an agency install
  npx ghl-auth demo --agency   only the agency install`),
};
