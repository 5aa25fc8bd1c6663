import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseMonitoringSettings, readEnv, type Env, type MonitoringSettings } from '../config.js';
import { nextLastRun, readLastRun, writeLastRun, type LastRun } from '../last-run.js';
import { createLogger, type Logger } from '../logger.js';
import { TokenStore } from '../token-store.js';
import { failureAlert, recoveryAlert, sendAlert, type AlertBody } from './alert.js';
import { writeMetrics } from './metrics.js';
import { outcomeOf, type RunOutcome } from './outcome.js';
import { pingEnd, pingStart } from './ping.js';

export interface MonitorOptions {
  envFile?: string;
  /** --metrics-file, which wins over GHL_METRICS_FILE. */
  metricsFile?: string;
}

/** A lock held by another run is not a failure to alert on: that run reports. Pings and metrics still say exit 5. */
const NOT_ALERTED = 'token_file_locked';

/**
 * Wraps one run of `check` the way runitor wraps a job: pings /start, then records and reports how
 * the run ended. Reporting never throws and never changes the run's result.
 */
export class RunMonitor {
  private constructor(
    private readonly settings: MonitoringSettings,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly startedMs: number,
    private readonly startPing: Promise<unknown>,
  ) {}

  /**
   * Settings come from whatever configuration is readable, so a run whose configuration is invalid
   * (exit 2) still alerts, pings and records it. The /start ping runs alongside the check.
   */
  static async start(options: MonitorOptions, processEnv: Env, cwd: string, now: () => number = Date.now): Promise<RunMonitor> {
    let env = processEnv;
    try {
      env = readEnv(processEnv, options.envFile, cwd).env;
    } catch {
      // The run itself reports the unreadable env file; monitoring makes do with the environment.
    }
    const settings = parseMonitoringSettings(env, cwd);
    if (options.metricsFile) settings.metricsFile = resolve(cwd, options.metricsFile);
    const log = await createLogger({ level: settings.logLevel, service: settings.serviceName, pretty: Boolean(process.stdout.isTTY) });
    const startPing = settings.healthchecksUrl ? pingStart(settings.healthchecksUrl, log) : Promise.resolve();
    return new RunMonitor(settings, log, now, now(), startPing);
  }

  /**
   * `error` is what the run threw, undefined when it was healthy; `apiRequests` its GHL requests by
   * outcome; `tagLeftOn` the health-check tag a healthy run found still on the contact.
   */
  async finish(error: unknown, apiRequests: Readonly<Record<string, number>> = {}, tagLeftOn?: string): Promise<void> {
    const { settings, log } = this;
    const outcome = outcomeOf(error, this.startedMs, this.now());
    // Written after the run's locks are released: reporting never holds up another run.
    const previous = await readLastRun(settings.tokensFile);
    const record: LastRun = { ...nextLastRun(previous, outcome, apiRequests), ...(tagLeftOn !== undefined && { tagLeftOn }) };
    await writeLastRun(settings.tokensFile, record).catch((cause: unknown) => this.warn('the last-run record could not be written', cause));
    if (settings.metricsFile) await this.writeMetrics(settings.metricsFile, outcome, record);
    await this.startPing; // so the service sees /start before the end of the run
    const alert = this.alertFor(outcome, previous);
    await Promise.all([
      settings.healthchecksUrl && pingEnd(settings.healthchecksUrl, outcome, log),
      settings.alertWebhookUrl && alert && sendAlert(settings.alertWebhookUrl, alert, log),
    ]);
  }

  private alertFor(outcome: RunOutcome, previous: LastRun | undefined): AlertBody | undefined {
    const context = { service: this.settings.serviceName, locationId: this.settings.locationId, host: hostname() };
    if (!outcome.healthy) return outcome.reason === NOT_ALERTED ? undefined : failureAlert(outcome, context);
    const recovered = previous?.outcome === 'failed' && previous.reason !== NOT_ALERTED;
    return recovered && this.settings.alertOnRecovery ? recoveryAlert(outcome, context, previous) : undefined;
  }

  private async writeMetrics(path: string, outcome: RunOutcome, record: LastRun): Promise<void> {
    // The token file as this run left it: the tokens it used or saved, or those a failed run kept.
    const tokens = await new TokenStore(this.settings.tokensFile, this.log).read().catch(() => undefined);
    const snapshot = { service: this.settings.serviceName, outcome, lastSuccessAt: record.lastSuccessAt, tokens, apiRequestsTotal: record.apiRequestsTotal ?? {}, tagLeftOn: record.tagLeftOn !== undefined };
    await writeMetrics(path, snapshot).catch((cause: unknown) => this.warn(`the metrics file ${path} could not be written`, cause));
  }

  private warn(what: string, cause: unknown): void {
    this.log.warn({ error: (cause as NodeJS.ErrnoException).code ?? String(cause) }, `${what}; the run's exit code is unchanged`);
  }
}
