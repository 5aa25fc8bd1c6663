import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';
import type { Answer } from './retry-policy.js';
import type { SecretRegistry } from './secrets.js';

/** A suspended sub-account, whichever endpoint says so: temporary, and never a reason to drop tokens. */
export function locationInactiveIn(body: unknown): GhlAuthError | undefined {
  if (!/location is not active/i.test(ghlMessage(body))) return undefined;
  return new GhlAuthError('location_inactive', `GHL says the location is not active (sub-account suspended or deactivated); tokens were kept, ${NEXT_RUN_RETRIES}`);
}

/** GHL's NestJS-shaped errors carry `message` as a string or a list of strings. */
export function ghlMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const { message } = body as { message: unknown };
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.map(String).join('; ');
  }
  return '';
}

/** A short, single-line description of a GHL answer for error messages (never the request): its scrubbed message and traceId. */
export function describeAnswer(answer: { status: number; message?: string; traceId?: string }): string {
  const text = answer.message ? `${answer.status} "${answer.message}"` : `${answer.status}`;
  return answer.traceId ? `${text} (GHL traceId ${answer.traceId})` : text;
}

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
