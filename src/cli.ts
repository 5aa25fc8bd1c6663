#!/usr/bin/env -S node --
// `node --`: without it Node itself takes our --env-file option (nodejs/node#54232) and exits 9.
import { Command, CommanderError } from 'commander';
import { GhlAuthError } from './errors.js';
import { EXIT_CODE_HELP, exitCodeOf } from './exit-codes.js';
import { VERSION } from './version.js';

function buildProgram(): Command {
  const program = new Command('ghl-auth')
    .description('Keeps a GoHighLevel OAuth connection alive and proves it: refreshes the token when needed, reads the health-check contact and tags it.')
    .version(VERSION, '-V, --version')
    .option('--env-file <path>', 'the .env file to load (default: ./.env, or GHL_ENV_FILE)')
    .showHelpAfterError('(run `ghl-auth --help` for usage)')
    .exitOverride()
    .addHelpText('after', `\nExamples:\n  npx ghl-auth demo                        try everything against a local stand-in of GHL\n  npx ghl-auth check                       what cron runs every few hours\n  npx ghl-auth --env-file /etc/ghl.env check\n${EXIT_CODE_HELP}`);

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

  return program;
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
