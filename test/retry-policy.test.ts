import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios';
import { isRetryableStatus, RETRY_POLICY, retryDelayMs } from '../src/http-client.js';

function answered(status: number, headers: Record<string, string> = {}): AxiosError {
  const response = { status, headers, data: '', statusText: '', config: { headers: new AxiosHeaders() } } as AxiosResponse;
  return new AxiosError('failed', 'ERR_BAD_RESPONSE', undefined, undefined, response);
}

describe('retry policy', () => {
  it('retries network-level statuses only: 408, 429, 5xx', () => {
    assert.deepEqual([400, 401, 404, 408, 422, 429, 500, 503].filter(isRetryableStatus), [408, 429, 500, 503]);
  });

  it('honours Retry-After in seconds', () => {
    assert.equal(retryDelayMs(1, answered(429, { 'retry-after': '3' })), 3000);
  });

  it('on a 429 without Retry-After waits the rate-limit interval', () => {
    assert.equal(retryDelayMs(1, answered(429, { 'x-ratelimit-interval-milliseconds': '1500' })), 1500);
    assert.notEqual(retryDelayMs(1, answered(503, { 'x-ratelimit-interval-milliseconds': '1500' }), () => 0), 1500);
  });

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    const base = RETRY_POLICY.baseDelayMs;
    assert.equal(retryDelayMs(1, answered(503), () => 0), base / 2);
    assert.equal(retryDelayMs(1, answered(503), () => 1), base);
    assert.equal(retryDelayMs(3, answered(503), () => 1), base * 4);
    assert.equal(retryDelayMs(30, answered(503), () => 1), RETRY_POLICY.maxBackoffMs);
    assert.equal(retryDelayMs(2, undefined, () => 0), base);
  });
});
