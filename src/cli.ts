#!/usr/bin/env -S node --
// `node --`: without it Node itself takes our --env-file option (nodejs/node#54232) and exits 9.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { GhlAuthError } from './errors.js';
import { EXIT_CODE_HELP, exitCodeOf } from './exit-codes.js';
import { VERSION } from './version.js';

// dist/ is a bundle: stack traces of the chunks loaded from here on (every command) point at src/.
process.setSourceMapsEnabled(true);

function buildProgram(): Command {
  const program = new Command('ghl-auth')
    .description('Keeps a GoHighLevel OAuth connection alive and proves it: refreshes the token when needed, reads the health-check contact and tags it.')
    .version(VERSION, '-V, --version')
    .option('--env-file <path>', 'the .env file to load (default: ./.env, or GHL_ENV_FILE)')
    .showHelpAfterError('(run `ghl-auth --help` for usage)')
    .exitOverride()
    .addHelpText('after', `\nExamples:\n  npx ghl-auth demo                        try everything against a local stand-in of GHL\n  npx ghl-auth login                       the first authorization, in a browser\n  npx ghl-auth status                      is the connection healthy, and until when?\n  npx ghl-auth check                       what cron runs every few hours\n  npx -- ghl-auth --env-file /etc/ghl.env check\n${EXIT_CODE_HELP}`);

  program
    .command('check')
    .description('Refresh the token if it expires soon, read the health-check contact and add the health-check tag')
    .addHelpText(
      'after',
      `\nThe first run exchanges GHL_AUTHORIZATION_CODE when there is no token file yet; later runs use the file.\nEvery run can alert a webhook on failure (GHL_ALERT_WEBHOOK_URL), ping a dead-man's switch\n(GHL_HEALTHCHECKS_URL) and write metrics (GHL_METRICS_FILE): see the README's Monitoring section.\n\nExamples:\n  npx ghl-auth check\n  npx ghl-auth check --metrics-file /var/lib/node_exporter/textfile_collector/ghl_auth.prom\n  0 */6 * * * cd /opt/ghl-auth && npx ghl-auth check >> /var/log/ghl_auth_check.log 2>&1\n${EXIT_CODE_HELP}`,
    )
    .option('--metrics-file <path>', 'write Prometheus metrics of the run to this file (default: GHL_METRICS_FILE)')
    .action(async (options: { metricsFile?: string }) => (await import('./commands/check.js')).checkCommand({ ...program.opts(), ...options }));

  program
    .command('demo')
    .description('Run the real code against a built-in local stand-in of GHL, in a temporary directory (no account needed)')
    .addHelpText('after', '\nExample:\n  npx ghl-auth demo')
    .action(async () => (await import('./commands/demo.js')).demoCommand());

  program
    .command('login')
    .description('Authorize the app in a browser and save the tokens: the whole first run, no code to copy')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .option('--no-browser', 'only print the URL; do not try to open a browser')
    .option('--timeout <seconds>', 'give up when no authorization arrives within this', positiveInteger, 300)
    .addHelpText(
      'after',
      `
With a loopback GHL_REDIRECT_URI (http://localhost:PORT/path) login listens on exactly that address and
exchanges the code the moment GHL redirects there. With any other redirect URI it asks for the URL the
browser landed on (or just its code), on the terminal or as one line on stdin; with neither it exits 2.
A refused authorization (access_denied) or the timeout ends it with exit 3, nothing saved; a refusal or
code without this login's state gets a 400 in the browser and login keeps waiting.

Examples:
  npx ghl-auth login
  npx ghl-auth login --no-browser --timeout 600     on a server, after ssh -L 3000:localhost:3000 (open the URL on your laptop)
  npx ghl-auth login --force                        re-authorize (new scopes, another location)
${EXIT_CODE_HELP}`,
    )
    .action(async (options) => (await import('./commands/login.js')).loginCommand(program.opts(), options));

  program
    .command('exchange')
    .description('Exchange an authorization code for tokens and save them (no check)')
    .option('--code <code>', 'the code from the redirect URL (default: GHL_AUTHORIZATION_CODE)')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .addHelpText('after', `\nCodes are single-use and expire within minutes: run this right after authorizing. A used code ends with exit 3.\n\nExamples:\n  npx ghl-auth exchange --code 4f9c0e...\n  GHL_AUTHORIZATION_CODE=4f9c0e... npx ghl-auth exchange --force\n${EXIT_CODE_HELP}`)
    .action(async (options) => (await import('./commands/exchange.js')).exchangeCommand(program.opts(), options));

  program
    .command('authorize-url')
    .description("Print the app's authorization URL (GHL_AUTHORIZE_URL, GHL_SCOPES), e.g. for the agency admin who installs it")
    .addHelpText('after', '\nExamples:\n  npx ghl-auth authorize-url\n  npx ghl-auth authorize-url | xclip -selection clipboard')
    .action(async () => (await import('./commands/authorize-url.js')).authorizeUrlCommand(program.opts()));

  program
    .command('status')
    .description('Show the saved connection: location, scopes, expiries, last check. No network; never prints a token')
    .option('--json', 'one JSON object instead of lines')
    .addHelpText(
      'after',
      `\nExit 0 when the tokens are usable, 2 when the token file is missing or unreadable (or holds another location),\n3 when re-authorization is needed (scopes missing, refresh token expired, last check said so).\n\nExamples:\n  npx ghl-auth status\n  npx ghl-auth status --json | jq .accessToken.expiresAt`,
    )
    .action(async (options) => (await import('./commands/status.js')).statusCommand(program.opts(), options));

  program
    .command('refresh')
    .description('Refresh the access token now if it expires within GHL_REFRESH_MARGIN_SECONDS (always with --force)')
    .option('--force', 'refresh even if the access token is still valid')
    .addHelpText('after', `\nExamples:\n  npx ghl-auth refresh\n  npx ghl-auth refresh --force\n${EXIT_CODE_HELP}`)
    .action(async (options) => (await import('./commands/refresh.js')).refreshCommand(program.opts(), options));

  program
    .command('tokens')
    .description('Manage the token file')
    .command('import')
    .argument('[file]', "a JSON token response, or a ghl-auth token file; '-' or none: stdin")
    .description('Save tokens obtained elsewhere, validated, under the lock')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .addHelpText(
      'after',
      `\nThe JSON needs access_token, refresh_token, and expires_in (seconds from now) or expires_at (ISO 8601, or Unix\ntime); other fields (scope, locationId, companyId, ...) are kept. Incomplete input ends with exit 2, nothing saved.\n\nExamples:\n  npx ghl-auth tokens import tokens.json\n  pbpaste | npx ghl-auth tokens import -\n  npx ghl-auth tokens import --force ghl_tokens.json.bak     undo a re-authorization`,
    )
    .action(async (file: string | undefined, options) => (await import('./commands/tokens-import.js')).tokensImportCommand(program.opts(), file, options));

  return program;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('must be a whole number of seconds above 0');
  return number;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed it
    if (error instanceof GhlAuthError) {
      process.stderr.write(`ghl-auth: ${error.message} [${error.code}]\n`);
      return exitCodeOf(error);
    }
    process.stderr.write(`ghl-auth: internal error, please report it: ${error instanceof Error ? error.stack : String(error)}\n`);
    return 1;
  }
}

process.exit(await main(process.argv));
