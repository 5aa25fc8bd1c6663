import { resolve } from 'node:path';
import { checkSummary, runCheck, type CheckResult } from '../check.js';
import { CREDENTIALS, parseMonitoringSettings } from '../config.js';
import type { HttpClient } from '../http-client.js';
import { createLogger } from '../logger.js';
import { RunMonitor } from '../monitoring/run-monitor.js';
import { SecretRegistry } from '../secrets.js';
import { assembleRuntime, configFor, loadEnvironment, type GlobalOptions } from '../runtime.js';

export interface CheckOptions extends GlobalOptions {
  /** --metrics-file, which wins over GHL_METRICS_FILE. */
  metricsFile?: string;
}

/** One run of the health check, reported by the monitor whatever happens; .env is read once, one logger. */
export async function checkCommand(options: CheckOptions): Promise<void> {
  const environment = loadEnvironment(options);
  const settings = parseMonitoringSettings(environment.env, environment.cwd);
  if (options.metricsFile) settings.metricsFile = resolve(environment.cwd, options.metricsFile);
  const secrets = new SecretRegistry();
  const log = await createLogger({ level: settings.logLevel, service: settings.serviceName, pretty: Boolean(process.stdout.isTTY), secrets });
  const monitor = RunMonitor.start(settings, log);
  let http: HttpClient | undefined;
  let result: CheckResult;
  try {
    const runtime = assembleRuntime(configFor(environment, [...CREDENTIALS, 'GHL_HEALTH_CHECK_CONTACT_ID']), log, secrets);
    http = runtime.http;
    result = await runCheck(runtime);
    runtime.log.info({ result, requests: http.attemptsByOutcome }, checkSummary(result));
  } catch (error) {
    // Reported, then rethrown untouched: monitoring never changes the exit code.
    await monitor.finish(error, http?.attemptsByOutcome);
    throw error;
  }
  await monitor.finish(undefined, http.attemptsByOutcome, { tagLeftOn: result.tagLeftOn });
}
