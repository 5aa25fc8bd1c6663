import { runCheck, type CheckResult } from '../check.js';
import type { HttpClient } from '../http-client.js';
import { RunMonitor, type MonitorOptions } from '../monitoring/run-monitor.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';

export async function checkCommand(options: GlobalOptions & MonitorOptions): Promise<void> {
  const monitor = await RunMonitor.start(options, process.env, process.cwd());
  let http: HttpClient | undefined;
  let result: CheckResult;
  try {
    const runtime = await createRuntime(options, ['GHL_HEALTH_CHECK_CONTACT_ID']);
    http = runtime.http;
    result = await runCheck(runtime);
    runtime.log.info({ result, requests: http.attemptsByOutcome }, checkSummary(result));
  } catch (error) {
    // Reported, then rethrown untouched: monitoring never changes the exit code.
    await monitor.finish(error, http?.attemptsByOutcome);
    throw error;
  }
  await monitor.finish(undefined, http.attemptsByOutcome, result.tagLeftOn);
}

export function checkSummary(result: CheckResult): string {
  const leftOn = result.tagLeftOn === undefined ? '' : ' (it was still on the contact: removed and added again; check the GHL workflow, see the warning)';
  return `healthy: tag '${result.tagName}' added to contact '${result.contactId}' (location ${result.locationId ?? 'unknown'}) in ${result.durationMs} ms${leftOn}`;
}
