import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { SecretRegistry } from './secrets.js';

export type { Logger };

/**
 * Field names that hold secrets wherever they appear in a log object; pino replaces their values. Not
 * `code`: no log call passes an OAuth code, while an error's `code` (EACCES) must stay readable; a
 * known OAuth code is scrubbed from every logged string by its value (secrets.ts), like every secret.
 */
const SECRET_KEYS = ['access_token', 'refresh_token', 'client_secret', 'authorization', 'Authorization', 'accessToken', 'refreshToken', 'clientSecret'];
const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), ...SECRET_KEYS.map((key) => `*.*.${key}`)];

export interface LoggerOptions {
  level: string;
  service: string;
  /** Human-readable lines (a terminal) instead of JSON lines (cron, Docker, log shippers). */
  pretty: boolean;
  /** The run's secrets: every string logged is scrubbed through them, the last line of defence. */
  secrets?: SecretRegistry;
  /** 2 for commands whose stdout is their answer (`status --json`), so a log line cannot corrupt it. */
  fd?: 1 | 2;
}

export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const { secrets } = options;
  const base = {
    level: options.level,
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(secrets && {
      formatters: { log: (object: Record<string, unknown>) => secrets.scrubDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? secrets.scrub(arg) : arg)));
        },
      },
    }),
  };
  const fd = options.fd ?? 1;
  if (!options.pretty) return pino(base, stdoutNeverFailing(fd));
  // Loaded only for a terminal, and only if installed (an optional dependency; the image has none).
  const pretty = await import('pino-pretty').then(
    (module) => module.default,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw error;
    },
  );
  if (!pretty) return pino(base, plainLines(fd));
  // Its formatter alone, not its stream: pino-pretty's stream pipes into its destination and needs a
  // real Node stream there, and ours must stay synchronous and never throw (see stdoutNeverFailing).
  const format = pretty.prettyFactory({ ignore: TERMINAL_IGNORES.join(','), translateTime: 'SYS:HH:MM:ss', singleLine: true });
  const out = stdoutNeverFailing(fd);
  return pino(base, { write: (line: string) => out.write(format(line)) });
}

/**
 * Synchronous writes to stdout that never throw: a log line lost to a full disk or a closed pipe
 * must not change a run's outcome, least of all between GHL's answer and the save of a new token.
 */
export function stdoutNeverFailing(fd = 1): DestinationStream {
  return {
    write(line: string) {
      const bytes = Buffer.from(line);
      for (let written = 0, busy = 0; written < bytes.length; ) {
        try {
          written += writeSync(fd, bytes, written);
        } catch (error) {
          // A full pipe on a non-blocking stdout: wait for the reader a little, then give the line up.
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++busy > 100) return;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        }
      }
    },
  };
}

/**
 * Fields a terminal does without: the same on every line, or the check's whole result, which the
 * summary message already says (log files and shippers get them, as JSON lines).
 */
const TERMINAL_IGNORES = ['pid', 'hostname', 'service', 'result', 'requests'];

/** Without pino-pretty: `[HH:MM:SS] LEVEL: message {other fields}` from pino's (already redacted and scrubbed) JSON line. */
function plainLines(fd: 1 | 2): DestinationStream {
  const out = stdoutNeverFailing(fd);
  return {
    write(line: string) {
      const { time, level, msg, ...all } = JSON.parse(line) as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(all).filter(([key]) => !TERMINAL_IGNORES.includes(key)));
      const label = (pino.levels.labels[Number(level)] ?? String(level)).toUpperCase();
      const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      out.write(`[${new Date(Number(time)).toTimeString().slice(0, 8)}] ${label}: ${String(msg ?? '')}${rest}\n`);
    },
  };
}

/** Enough of a token to tell two apart in a log, never enough to use it. */
export function tokenHint(token: string): string {
  return `${token.slice(0, 6)}…(${token.length} chars)`;
}
