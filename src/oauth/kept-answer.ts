import { CUT, MAX_JSON_DEPTH } from '../json-depth.js';
import type { HttpResponse } from '../http-client.js';

/**
 * A token answer gone wrong, as kept beside the token file for diagnosis: its keys, shapes, numbers
 * and booleans, but no string long enough to be a token, a code or a secret.
 */
export interface KeptAnswer {
  status: number;
  contentType: string | null;
  /** GHL's id of the request, which its support asks for. */
  traceId: string | null;
  /** The JSON body, redacted; null when the body was not JSON. */
  body: unknown;
  /** A body that was not JSON (an HTML page), cut short, every run of token characters redacted. */
  text?: string;
}

/** Short strings ("ok", "yes") say something and cannot be a credential; longer ones might be. */
const KEPT_STRING_CHARS = 4;
/** Enough items of a list or fields of an object to see its shape; a 1 MB answer is not kept whole. */
const MAX_ITEMS = 50;
const MAX_TEXT_CHARS = 4_000;

export function keptAnswer(response: HttpResponse): KeptAnswer {
  return {
    status: response.status,
    contentType: response.headers['content-type'] ?? null,
    traceId: response.traceId ?? null,
    body: redact(response.body ?? null, 0),
    ...(response.text !== undefined && { text: response.text.slice(0, MAX_TEXT_CHARS).replace(/[\w.~+/=-]{16,}/g, (run) => `[redacted: ${run.length} chars]`) }),
  };
}

/** What the answer was, in a few words: the start of an error message. */
export function shapeOf(response: HttpResponse): string {
  const { body } = response;
  if (body === undefined) return 'a body that is not JSON';
  if (Array.isArray(body)) return 'a JSON array';
  return typeof body === 'object' && body !== null ? 'a JSON object without refresh_token' : 'JSON that is not an object';
}

/** Depth-bounded: the body is already cut at MAX_JSON_DEPTH, and this never goes deeper. */
function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length <= KEPT_STRING_CHARS ? value : `[redacted: ${value.length} chars]`;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_JSON_DEPTH) return CUT;
  const entries = Object.entries(value).slice(0, MAX_ITEMS).map(([key, item]) => [key, redact(item, depth + 1)] as const);
  const more = Object.keys(value).length - entries.length;
  if (Array.isArray(value)) return [...entries.map(([, item]) => item), ...(more > 0 ? [`[${more} more items]`] : [])];
  return Object.fromEntries(more > 0 ? [...entries, ['[more]', `${more} more fields`]] : entries);
}
