import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names that hold secrets wherever they appear in a log object; pino replaces their values. */
const SECRET_KEYS = ['access_token', 'refresh_token', 'client_secret', 'code', 'authorization', 'Authorization', 'accessToken', 'refreshToken', 'clientSecret'];
const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), ...SECRET_KEYS.map((key) => `*.*.${key}`)];

export interface LoggerOptions {
  level: string;
  service: string;
  /** Human-readable lines (a terminal) instead of JSON lines (cron, Docker, log shippers). */
  pretty: boolean;
}

export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const base = {
    level: options.level,
    base: { service: options.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (!options.pretty) return pino(base, pino.destination({ fd: 1, sync: true }));
  // Loaded only for a terminal, and only if installed (an optional dependency; the image has none).
  const pretty = await import('pino-pretty').then(
    (module) => module.default,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw error;
    },
  );
  if (!pretty) return pino(base, plainLines());
  return pino(base, pretty({ sync: true, destination: 1, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss', singleLine: true }));
}

/** Without pino-pretty: `[HH:MM:SS] LEVEL: message {other fields}` from pino's (already redacted) JSON line. */
function plainLines(): { write(line: string): void } {
  const out = pino.destination({ fd: 1, sync: true });
  return {
    write(line: string) {
      const { time, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
      delete fields.service; // on every line, and a terminal knows what it runs
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
