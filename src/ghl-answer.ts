import { ghlMessage } from './errors.js';
import type { Answer } from './retry-policy.js';
import type { SecretRegistry } from './secrets.js';

const MAX_MESSAGE_CHARS = 160;

/** GHL's error message on one line, scrubbed of every secret the run knows; undefined when there is none. */
export function messageOf(body: unknown, secrets: SecretRegistry): string | undefined {
  // Scrubbed before it is cut, so a cut never leaves part of a secret.
  const line = secrets.scrub(ghlMessage(body)).replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS - 1)}…` : line;
}

/** GHL's id of the request, which its support asks for; only a plausible id is passed on. */
export function traceIdOf(body: unknown): string | undefined {
  const traceId = typeof body === 'object' && body !== null ? (body as { traceId?: unknown }).traceId : undefined;
  return typeof traceId === 'string' && /^[\w.:-]{1,100}$/.test(traceId) ? traceId : undefined;
}

/** A 404 from whatever serves the URL rather than from a GHL endpoint: not JSON, or a framework's "Cannot GET /path". */
export function isRouteNotFound(status: number, body: unknown): boolean {
  return status === 404 && (typeof body !== 'object' || body === null || /^Cannot [A-Z]+ \//.test(ghlMessage(body)));
}

/** A 429 that no retry within this run can clear. */
export const dailyLimitSpent = (answer: Answer) => answer.status === 429 && answer.headers['x-ratelimit-daily-remaining']?.trim() === '0';

export function dailyLimitMessage(answer: Answer): string {
  const limit = answer.headers['x-ratelimit-limit-daily'];
  const retryAfter = answer.headers['retry-after'];
  return `GHL's daily request limit for this app and location is spent (429 with X-RateLimit-Daily-Remaining: 0${limit ? `, daily limit ${limit}` : ''}${retryAfter ? `; GHL says retry after ${retryAfter}` : ''})`;
}
