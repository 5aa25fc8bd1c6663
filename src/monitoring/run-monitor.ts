import { hostname } from 'node:os';
import type { MonitoringSettings } from '../config.js';
import { FileRefused, refusedOwnFile } from '../files/small-file.js';
import { nextLastRun, readLastRun, recoveredLocations, updateLastRun, type LastRun } from './last-run.js';
import type { Logger } from '../logger.js';
import type { LocationResult } from '../run-report.js';
import type { Store } from '../store/store.js';
import { TokenStore } from '../store/token-store.js';
import { failureAlert, recoveryAlert, sendAlert, type AlertBody } from './alert.js';
import { writeMetrics } from './metrics.js';
import { outcomeOf, type RunOutcome } from './outcome.js';
import { pingEnd, pingStart } from './ping.js';

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
   * `settings` come from whatever configuration is readable, so a run whose configuration is invalid
   * (exit 2) still alerts, pings and records it. The /start ping runs alongside the check.
   */
  static start(settings: MonitoringSettings, log: Logger, now: () => number = Date.now): RunMonitor {
    const startPing = settings.healthchecksUrl ? pingStart(settings.healthchecksUrl, log) : Promise.resolve();
    return new RunMonitor(settings, log, now, now(), startPing);
  }

  /**
   * `error` is what the run threw, undefined when it was healthy; `apiRequests` its GHL requests by
   * outcome; `details.tagLeftOn` the health-check tag a healthy run found still on the contact;
   * `details.locations` each location's result, absent when the run reached none; `details.store` the
   * run's token store, for the metrics (without one, the token file).
   */
  async finish(error: unknown, apiRequests: Readonly<Record<string, number>> = {}, details: { tagLeftOn?: string; locations?: LocationResult[]; store?: Pick<Store, 'read'> } = {}): Promise<void> {
    const { settings, log } = this;
    const { tagLeftOn, locations, store } = details;
    const outcome = outcomeOf(error, this.startedMs, this.now());
    // After the token file's lock is released, under the record's own short lock: concurrent runs add up exactly.
    const writeMetrics = (record: LastRun) => (settings.metricsFile ? this.writeMetrics(settings.metricsFile, outcome, record, store) : Promise.resolve());
    const next = (previous: LastRun | undefined) => ({ ...nextLastRun(previous, outcome, apiRequests, locations), ...(tagLeftOn !== undefined && { tagLeftOn }) });
    const updated = await updateLastRun(settings.tokensFile, next, writeMetrics).catch((cause: unknown) => {
      this.warn('the last-run record and metrics were not updated', cause, ' (another run held them, or the record could not be written)');
      return undefined;
    });
    if (updated?.problem) log.warn(`the last-run record ${updated.problem}; this run's record replaced it (its totals and last success start over); the run's exit code is unchanged`);
    const previous = updated ? updated.previous : (await readLastRun(settings.tokensFile)).record;
    await this.startPing; // so the service sees /start before the end of the run
    const alert = this.alertFor(outcome, previous, locations);
    await Promise.all([
      settings.healthchecksUrl && pingEnd(settings.healthchecksUrl, outcome, log),
      settings.alertWebhookUrl && alert && sendAlert(settings.alertWebhookUrl, alert, log),
    ]);
  }

  /**
   * One alert per run at most. A failed run's names its failing locations, and those healthy again since
   * the previous run (whatever GHL_ALERT_ON_RECOVERY says: the alert goes out anyway); a healthy run
   * alerts only as a recovery.
   */
  private alertFor(outcome: RunOutcome, previous: LastRun | undefined, locations: LocationResult[] | undefined): AlertBody | undefined {
    const context = { service: this.settings.serviceName, locationId: this.settings.locationId, host: hostname() };
    const inAlert = locations && { checked: locations.length, failed: locations.filter((location) => location.exitCode !== 0), recovered: recoveredLocations(previous, locations) };
    if (!outcome.healthy) return outcome.reason === NOT_ALERTED ? undefined : failureAlert(outcome, context, inAlert);
    const recovered = previous?.outcome === 'failed' && previous.reason !== NOT_ALERTED;
    return recovered && this.settings.alertOnRecovery ? recoveryAlert(outcome, context, previous, inAlert) : undefined;
  }

  private async writeMetrics(path: string, outcome: RunOutcome, record: LastRun, store: Pick<Store, 'read'> = new TokenStore(this.settings.tokensFile, this.log)): Promise<void> {
    // The store as this run left it: the tokens it used or saved, or those a failed run kept.
    const tokens = await store.read().catch(() => undefined);
    const snapshot = { service: this.settings.serviceName, outcome, lastSuccessAt: record.lastSuccessAt, tokens, apiRequestsTotal: record.apiRequestsTotal ?? {}, tagLeftOn: record.tagLeftOn !== undefined, locations: record.locations };
    await writeMetrics(path, snapshot).catch((cause: unknown) => this.warn(`the metrics file ${path} could not be written`, cause));
  }

  /** A refused file is named, with what to do about it; any other cause gets `guess` and its code. */
  private warn(what: string, cause: unknown, guess = ''): void {
    const unchanged = "the run's exit code is unchanged";
    if (cause instanceof FileRefused) this.log.warn(`${what}: ${refusedOwnFile(cause)}; ${unchanged}`);
    else this.log.warn({ error: (cause as NodeJS.ErrnoException).code ?? String(cause) }, `${what}${guess}; ${unchanged}`);
  }
}
