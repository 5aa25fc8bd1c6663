import axios, { AxiosError, type AxiosResponse, type RawAxiosResponseHeaders } from 'axios';
import axiosRetry, { retryAfter } from 'axios-retry';
import { GhlAuthError } from './errors.js';
import type { Logger } from './logger.js';

/** Named defaults of the only retry policy in the tool. */
export const RETRY_POLICY = {
  /** Attempts per request, the first included. */
  attempts: 4,
  baseDelayMs: 500,
  maxBackoffMs: 8_000,
  /** Per attempt, except for single-use requests; the run's deadline bounds the whole request, retries included. */
  requestTimeoutMs: 15_000,
} as const;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded (GHL's token endpoint takes nothing else). */
  form?: Record<string, string>;
  json?: unknown;
  /**
   * The request spends a single-use credential (a code, a refresh token). It is never abandoned for
   * slowness while the run's deadline allows: a retry after GHL processed it would present a spent
   * credential and lose the connection.
   */
  singleUse?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  attempts: number;
}

export type Outcome = 'success' | 'client_error' | 'rate_limited' | 'server_error' | 'network_error';

export interface HttpClient {
  /** Answers any final HTTP status; throws ghl_unavailable when GHL could not be reached or kept failing. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Every attempt made, by outcome (retries included). */
  readonly attemptsByOutcome: Readonly<Record<Outcome, number>>;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Aborts everything in flight and every backoff: the run's deadline. */
  signal: AbortSignal;
  log: Logger;
  userAgent: string;
}

export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Backoff before retry `retryNumber` (1-based): Retry-After when GHL sends it, else the rate-limit
 * interval on a 429, else exponential with full jitter.
 */
export function retryDelayMs(retryNumber: number, error: AxiosError | undefined, random: () => number = Math.random): number {
  const announced = retryAfter(error);
  if (announced > 0) return announced;
  const interval = Number(error?.response?.headers['x-ratelimit-interval-milliseconds']);
  if (error?.response?.status === 429 && interval > 0) return interval;
  const ceiling = Math.min(RETRY_POLICY.maxBackoffMs, RETRY_POLICY.baseDelayMs * 2 ** (retryNumber - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const attemptsByOutcome: Record<Outcome, number> = { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 };
  const instance = axios.create({
    baseURL: options.baseUrl,
    timeout: RETRY_POLICY.requestTimeoutMs,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    headers: { Accept: 'application/json', 'User-Agent': options.userAgent },
    maxRedirects: 0,
  });
  instance.interceptors.response.use(
    (response) => {
      attemptsByOutcome.success += 1;
      return response;
    },
    (error: AxiosError) => {
      if (!axios.isCancel(error)) attemptsByOutcome[outcomeOf(error.response?.status)] += 1;
      return Promise.reject(error);
    },
  );
  axiosRetry(instance, {
    retries: RETRY_POLICY.attempts - 1,
    shouldResetTimeout: true,
    retryCondition: (error) => !axios.isCancel(error) && (!error.response || isRetryableStatus(error.response.status)),
    retryDelay: (retryNumber, error) => retryDelayMs(retryNumber, error),
    onRetry: (retryNumber, error, config) =>
      options.log.warn({ method: config.method, path: config.url, status: error.response?.status, error: error.code, retry: retryNumber }, 'GHL request failed, retrying'),
  });

  async function send(request: HttpRequest): Promise<HttpResponse> {
    const started = Date.now();
    let response: AxiosResponse<string>;
    try {
      response = await instance.request<string>({
        method: request.method,
        url: request.path,
        headers: request.headers,
        data: request.form ? new URLSearchParams(request.form) : request.json,
        timeout: request.singleUse ? 0 : RETRY_POLICY.requestTimeoutMs,
        signal: options.signal,
      });
    } catch (error) {
      if (!(error instanceof AxiosError)) throw error;
      const final = error.response;
      if (!final || isRetryableStatus(final.status)) throw unavailable(request, error, options.signal);
      response = final as AxiosResponse<string>;
    }
    const attempts = 1 + ((response.config as { 'axios-retry'?: { retryCount?: number } })['axios-retry']?.retryCount ?? 0);
    options.log.debug({ method: request.method, path: request.path, status: response.status, attempts, ms: Date.now() - started }, 'GHL answered');
    return { status: response.status, headers: flatHeaders(response.headers), body: parseJson(response.data), attempts };
  }

  return { send, attemptsByOutcome };
}

function unavailable(request: HttpRequest, error: AxiosError, signal: AbortSignal): GhlAuthError {
  const where = `${request.method} ${request.path}`;
  const why = signal.aborted
    ? 'the run deadline (GHL_CHECK_TIMEOUT_SECONDS) passed'
    : error.response
      ? `GHL kept answering ${error.response.status} after ${RETRY_POLICY.attempts} attempts`
      : `no answer from GHL after ${RETRY_POLICY.attempts} attempts (${error.code ?? error.message})`;
  return new GhlAuthError('ghl_unavailable', `${where}: ${why}; GHL is unavailable or failing, the next run will try again`, { cause: error });
}

function outcomeOf(status: number | undefined): Outcome {
  if (status === undefined) return 'network_error';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

function parseJson(data: string | undefined): unknown {
  if (!data) return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function flatHeaders(headers: RawAxiosResponseHeaders | AxiosResponse['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}
