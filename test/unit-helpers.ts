import assert from 'node:assert/strict';
import { GhlAuthError, type ErrorCode } from '../src/errors.js';
import { messageOf } from '../src/ghl-answer.js';
import type { HttpClient, HttpRequest } from '../src/http-client.js';
import { SecretRegistry } from '../src/secrets.js';

/** The GhlAuthError with `code` that `fn` throws; fails the test when it throws anything else, or nothing. */
export function thrownWithCode(code: ErrorCode, fn: () => unknown): GhlAuthError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GhlAuthError && error.code === code, String(error));
    return error;
  }
  assert.fail(`expected a GhlAuthError with code ${code}`);
}

/** An HttpClient that records each request and answers from `answers` in turn (the last one repeats), as the real client does. */
export function answering(...answers: { status: number; body: unknown }[]): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const http: HttpClient = {
    attemptsByOutcome: { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 },
    send: async (request) => {
      const { status, body } = answers[Math.min(sent.length, answers.length - 1)] ?? { status: 500, body: undefined };
      sent.push(request);
      return { status, headers: {}, body, attempts: 1, message: messageOf(body, new SecretRegistry()) };
    },
  };
  return { http, sent };
}

/** Awaits `promise` and checks it rejects with a GhlAuthError of `code` whose message matches `message`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GhlAuthError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}
