import { resolve } from 'node:path';
import { checkSummary, runCheck, type CheckResult } from '../check.js';
import { CREDENTIALS, parseMonitoringSettings } from '../config.js';
import type { HttpClient } from '../http-client.js';
import { warnIfEnvFileOpen } from '../env-file-mode.js';
import { createLogger } from '../logger.js';
import { RunMonitor } from '../monitoring/run-monitor.js';
import { describeFailure } from '../run-report.js';
import type { Store } from '../store/store.js';
import { assembleRuntime, configFor, loadEnvironment, runSecrets, type GlobalOptions } from '../runtime.js';

export interface CheckOptions extends GlobalOptions {
  /** --metrics-file, which wins over GHL_METRICS_FILE. */
  metricsFile?: string;
  /** --locations, which wins over GHL_CHECK_LOCATIONS. */
  locations?: string;
  /** --json: one JSON object on stdout, logs on stderr. */
  json?: boolean;
}

/** One run of the health check, reported by the monitor whatever happens; .env is read once, one logger. */
export async function checkCommand(options: CheckOptions): Promise<void> {
  const environment = loadEnvironment(options);
  if (options.locations !== undefined) environment.env = { ...environment.env, GHL_CHECK_LOCATIONS: options.locations };
  const settings = parseMonitoringSettings(environment.env, environment.cwd);
  if (options.metricsFile) settings.metricsFile = resolve(environment.cwd, options.metricsFile);
  const secrets = runSecrets(environment);
  const log = await createLogger({ level: settings.logLevel, service: settings.serviceName, pretty: Boolean(process.stdout.isTTY) && !options.json, secrets, fd: options.json ? 2 : 1 });
  warnIfEnvFileOpen(environment, log);
  const monitor = RunMonitor.start(settings, log);
  let http: HttpClient | undefined;
  let store: Store | undefined;
  let result: CheckResult;
  try {
    const runtime = assembleRuntime(configFor(environment, [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']), log, secrets);
    ({ http, store } = runtime);
    result = await runCheck(runtime);
  } catch (error) {
    // Reported, then rethrown untouched: monitoring never changes the exit code.
    if (options.json) printJson({ ...describeFailure(error), locations: [] });
    await monitor.finish(error, http?.attemptsByOutcome, { store });
    throw error;
  }
  const { report, failure } = result;
  if (failure === undefined) log.info({ result, requests: http.attemptsByOutcome }, checkSummary(result));
  else log.info({ result, requests: http.attemptsByOutcome }, `the check failed at ${report.locations.filter((location) => location.exitCode !== 0).length} of ${report.locations.length} location(s)`);
  if (options.json) printJson(report);
  await monitor.finish(failure, http.attemptsByOutcome, { tagLeftOn: result.tagLeftOn, locations: report.locations, store });
  if (failure !== undefined) throw failure;
}

const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
