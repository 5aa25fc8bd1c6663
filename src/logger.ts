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
  // Loaded only for a terminal: cron runs never pay for it.
  const { default: pretty } = await import('pino-pretty');
  return pino(base, pretty({ sync: true, destination: 1, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss', singleLine: true }));
}

/** Enough of a token to tell two apart in a log, never enough to use it. */
export function tokenHint(token: string): string {
  return `${token.slice(0, 6)}…(${token.length} chars)`;
}
