import { GhlAuthError } from '../errors.js';
import { exitCodeOf } from '../exit-codes.js';

/** How a run ended, in the terms every report (alert, ping, metrics, last-run record) shares. */
export interface RunOutcome {
  healthy: boolean;
  exitCode: number;
  /** The error code (errors.ts), `internal_error` for a bug, `healthy` for success. */
  reason: string;
  /** One line that says what to do; safe to send anywhere (GhlAuthError messages never hold a secret). */
  message: string;
  /** When the run ended (ISO). */
  at: string;
  durationMs: number;
}

const MAX_MESSAGE_CHARS = 500;

/** `error` is what the check threw, or undefined for a healthy run. */
export function outcomeOf(error: unknown, startedMs: number, endedMs: number): RunOutcome {
  const timing = { at: new Date(endedMs).toISOString(), durationMs: endedMs - startedMs };
  if (error === undefined) return { healthy: true, exitCode: 0, reason: 'healthy', message: 'healthy', ...timing };
  // Anything else is a bug whose message was never vetted for secrets: it stays in the run's own output.
  const [reason, message] =
    error instanceof GhlAuthError ? [error.code, error.message] : ['internal_error', "internal error in ghl-auth: see the run's log and report it"];
  return { healthy: false, exitCode: exitCodeOf(error), reason, message: oneLine(message), ...timing };
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…` : line;
}
