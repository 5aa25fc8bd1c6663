#!/usr/bin/env -S node --
// `node --`: without it Node itself takes our --env-file option (nodejs/node#54232) and exits 9.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { locationProblem, minTtlProblem } from './lifecycle/access-token-rules.js';
import { GhlAuthError } from './errors.js';
import { exitCodeOf } from './exit-codes.js';
import { HELP } from './help.js';
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
    .addHelpText('after', HELP.program);

  program
    .command('check')
    .description('Refresh the token if it expires soon, read the health-check contact and add the health-check tag')
    .addHelpText('after', HELP.check)
    .option('--metrics-file <path>', 'write Prometheus metrics of the run to this file (default: GHL_METRICS_FILE)')
    .option('--locations <list>', "'all' installed locations and/or location ids separated by commas, LOCATION:CONTACT for a contact of its own (default: GHL_CHECK_LOCATIONS)")
    .option('--json', 'print { exitCode, reason, locations: [...] } on stdout; logs go to stderr')
    .action(async (options: { metricsFile?: string; locations?: string; json?: boolean }) => (await import('./commands/check.js')).checkCommand({ ...program.opts(), ...options }));

  program
    .command('demo')
    .description('Run the real code against a built-in local stand-in of GHL, in a temporary directory (no account needed)')
    .option('--agency', 'only the agency install: a Company token, Location tokens minted for three locations')
    .addHelpText('after', HELP.demo)
    .action(async (options: { agency?: boolean }) => (await import('./commands/demo.js')).demoCommand(options));

  program
    .command('login')
    .description('Authorize the app in a browser and save the tokens: the whole first run, no code to copy')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .option('--no-browser', 'only print the URL; do not try to open a browser')
    .option('--timeout <seconds>', 'give up when no authorization arrives within this (at most 3600)', wholeSeconds(loginTimeoutProblem), 300)
    .addHelpText('after', HELP.login)
    .action(async (options) => (await import('./commands/login.js')).loginCommand(program.opts(), options));

  program
    .command('exchange')
    .description('Exchange an authorization code for tokens and save them (no check)')
    .option('--code <code>', 'the code from the redirect URL (default: GHL_AUTHORIZATION_CODE)')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .addHelpText('after', HELP.exchange)
    .action(async (options) => (await import('./commands/exchange.js')).exchangeCommand(program.opts(), options));

  program
    .command('authorize-url')
    .description("Print the app's authorization URL (GHL_AUTHORIZE_URL, GHL_SCOPES), e.g. for the agency admin who installs it")
    .addHelpText('after', HELP.authorizeUrl)
    .action(async () => (await import('./commands/authorize-url.js')).authorizeUrlCommand(program.opts()));

  program
    .command('status')
    .description('Show the saved connection: location, scopes, expiries, last check. No network unless --verify; never prints a token')
    .option('--json', 'one JSON object instead of lines')
    .option('--verify', 'also ask GHL whether it accepts the client id and secret (one request, nothing spent)')
    .addHelpText('after', HELP.status)
    .action(async (options) => (await import('./commands/status.js')).statusCommand(program.opts(), options));

  program
    .command('refresh')
    .description('Refresh the access token now if it expires within GHL_REFRESH_MARGIN_SECONDS (always with --force)')
    .option('--force', 'refresh even if the access token is still valid')
    .addHelpText('after', HELP.refresh)
    .action(async (options) => (await import('./commands/refresh.js')).refreshCommand(program.opts(), options));

  program
    .command('token')
    .description('Print a usable access token for other programs, refreshed under the lock when needed (only ghl-auth may refresh)')
    .option('--location <id>', 'the location the token must be for (default: GHL_LOCATION_ID)', checked(locationProblem))
    .option('--min-ttl <seconds>', 'refresh first if it expires within this (default: GHL_REFRESH_MARGIN_SECONDS)', wholeSeconds(minTtlProblem))
    .option('--json', 'print { accessToken, expiresAt, locationId, companyId, userType, scopes }')
    .addHelpText('after', HELP.token)
    .action(async (options) => (await import('./commands/token.js')).tokenCommand(program.opts(), options));

  const tokens = program.command('tokens').description('Manage the token file or store').addHelpText('after', HELP.tokens);
  tokens
    .command('import')
    .argument('[file]', "a JSON token response, or a ghl-auth token file; '-' or none: stdin")
    .description('Save tokens obtained elsewhere, validated, under the lock')
    .option('--force', 'replace an existing token file (the old one is kept as <file>.bak)')
    .addHelpText('after', HELP.tokensImport)
    .action(async (file: string | undefined, options) => (await import('./commands/tokens-import.js')).tokensImportCommand(program.opts(), file, options));
  tokens
    .command('migrate')
    .description('Move the connection to another store (a postgres:// URL or a token file), refreshing nothing')
    .requiredOption('--to <store>', 'postgres://user:password@host:5432/db, or a token file path')
    .option('--force', 'replace a connection already there (the old one is kept as its backup)')
    .addHelpText('after', HELP.tokensMigrate)
    .action(async (options: { to: string; force?: boolean }) => (await import('./commands/tokens-migrate.js')).tokensMigrateCommand(program.opts(), options));

  program
    .command('store')
    .description('The Postgres token store (GHL_TOKEN_STORE)')
    .command('migrate')
    .description('Create or upgrade the schema (GHL_TOKEN_STORE_SCHEMA); runs also do it on first use')
    .addHelpText('after', HELP.storeMigrate)
    .action(async () => (await import('./commands/store-migrate.js')).storeMigrateCommand(program.opts()));

  return program;
}

/** Bounded: past Node's timer limit (about 24 days) a timeout fires at once. */
const loginTimeoutProblem = (seconds: number) => (Number.isInteger(seconds) && seconds > 0 && seconds <= 3600 ? undefined : 'must be a whole number of seconds from 1 to 3600');

/** A parser of digits only ('1e3', '0x10' and ' 5' are refused), then checked by `problemOf`. */
const wholeSeconds = (problemOf: (value: number) => string | undefined) => (value: string) => checked(problemOf)(/^\d+$/.test(value) ? Number(value) : NaN);

/** A commander argument parser from a check that says what is wrong with a value (exit 2, naming the option). */
function checked<T>(problemOf: (value: T) => string | undefined): (value: T) => T {
  return (value) => {
    const problem = problemOf(value);
    if (problem) throw new InvalidArgumentError(problem);
    return value;
  };
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
