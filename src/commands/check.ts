import { runCheck, type CheckResult } from '../check.js';
import { createRuntime, type GlobalOptions } from '../runtime.js';

export async function checkCommand(options: GlobalOptions): Promise<void> {
  const runtime = await createRuntime(options, ['GHL_HEALTH_CHECK_CONTACT_ID']);
  const result = await runCheck(runtime);
  runtime.log.info({ result, requests: runtime.http.attemptsByOutcome }, checkSummary(result));
}

export function checkSummary(result: CheckResult): string {
  return `healthy: tag '${result.tagName}' added to contact '${result.contactId}' (location ${result.locationId ?? 'unknown'}) in ${result.durationMs} ms`;
}
