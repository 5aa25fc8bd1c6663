import { setTimeout as wait } from 'node:timers/promises';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';
import { dailyLimitMessage, dailyLimitSpent, describeAnswer, isRouteNotFound, messageOf, traceIdOf } from './ghl-answer.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from './rate-limit.js';
import { CUT, cutDeepJson, MAX_JSON_DEPTH } from './json-depth.js';
import { isRetryableStatus, retryDelayMs, timerMs, type Answer, type RetryPolicy } from './retry-policy.js';
import type { SecretRegistry } from './secrets.js';

/**
 * How long a request that spends a single-use credential waits for its answer once sent, whatever
 * the run's deadline, unless the client is given its own (`oneTimeAnswerMs`: two run deadlines): GHL
 * has likely spent the credential by then, and its answer holds the only copy of the new pair. Such
 * a request is started only with time left (ONE_TIME_MIN_LEFT_MS).
 */
export const ONE_TIME_ANSWER_MS = 120_000;

/** Far above any answer GHL or a monitoring service gives. Counted after decompression, so a gzip bomb stops here. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to the client's base URL; an absolute URL for a client without one. */
  path: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded (GHL's token endpoint takes nothing else). */
  form?: Record<string, string>;
  json?: unknown;
  /** Sent as is, with the Content-Type the caller sets in `headers`. */
  raw?: string;
  /**
   * The request spends a single-use credential (a code, a refresh token). Once sent it is bounded by
   * the client's one-time bound alone (ONE_TIME_ANSWER_MS), not by the deadline: an answer dropped after GHL processed the request
   * loses the pair it issued, and a retry would present a spent credential.
   */
  singleUse?: boolean;
  /** How logs and errors name the request when its URL is itself a secret (a webhook). */
  logAs?: string;
  /** The rate-limit bucket GHL counts the request in ('company:X', 'location:Y'): every attempt waits for the client's limiter. */
  resource?: string;
  /** The deadline of this request and its retries, instead of the client's (one location's part of a run). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON (nested at most MAX_JSON_DEPTH deep), or undefined when the body was not JSON. */
  body: unknown;
  /** The body as received when it was not JSON (an HTML page), for a record of an answer gone wrong. */
  text?: string;
  attempts: number;
  /** GHL's error message on one line, scrubbed of every secret the run knows; absent when the body has none. */
  message?: string;
  /** GHL's id of the request, which its support asks for. */
  traceId?: string;
}

export type Outcome = 'success' | 'client_error' | 'rate_limited' | 'server_error' | 'network_error';

export interface HttpClient {
  /** Answers any final HTTP status; throws ghl_unavailable when the service could not be reached or kept failing. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Every attempt made, by outcome (retries included). */
  readonly attemptsByOutcome: Readonly<Record<Outcome, number>>;
}

export interface HttpClientOptions {
  /** None: every request's path is an absolute URL. */
  baseUrl?: string;
  /** Who answers, in logs and messages: "GHL". */
  service: string;
  policy: RetryPolicy;
  /** Aborts everything in flight and every backoff: the run's deadline. */
  signal: AbortSignal;
  log: Logger;
  userAgent: string;
  /** Learns the secrets of every request and answer; scrubs every message taken from an answer. */
  secrets: SecretRegistry;
  /** The setting the base URL came from when it is not the service's own: failures that suggest a wrong URL name it. */
  baseUrlSetting?: string;
  /** The bound of a single-use request once sent, instead of ONE_TIME_ANSWER_MS. */
  oneTimeAnswerMs?: number;
  /** Paces the requests that name a `resource`, shared by the whole run; none: nothing is paced. */
  limiter?: RateLimiter;
}

const PROXY_ADVICE = "fix the user and password in HTTPS_PROXY or HTTP_PROXY (whichever the URL's scheme uses; else ALL_PROXY), or list the host in NO_PROXY";

type Tried = { response: AxiosResponse<string> } | { failure: string; deadline?: boolean; tooLarge?: boolean };

/** The only HTTP client: the retry loop around axios, which is loaded on the first request (commands without one never load it). */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { policy, log, secrets, service, limiter, oneTimeAnswerMs = ONE_TIME_ANSWER_MS } = options;
  const attemptsByOutcome: Record<Outcome, number> = { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 };
  let axios: Promise<AxiosInstance> | undefined;
  const instance = () => (axios ??= import('axios').then(({ default: lib }) => lib.create(axiosConfig(options))));
  const host = options.baseUrl ? new URL(options.baseUrl).host : undefined;
  const baseUrlNote = options.baseUrlSetting ? `; ${options.baseUrlSetting} points at ${host}: check it if this persists` : '';
  const traceOf = (answer: { traceId?: string }) => (answer.traceId ? ` (${service} traceId ${answer.traceId})` : '');

  async function tryOnce(request: HttpRequest, signal: AbortSignal): Promise<Tried> {
    const http = await instance();
    const answered = request.resource ? await limiter?.acquire(request.resource, signal) : undefined;
    if (signal.aborted) {
      answered?.();
      return { failure: 'deadline', deadline: true };
    }
    const attemptTimer = AbortSignal.timeout(timerMs(request.singleUse ? oneTimeAnswerMs : policy.attemptTimeoutMs));
    try {
      const response = await http.request<string>({
        method: request.method,
        url: request.path,
        headers: request.headers,
        data: request.form ? new URLSearchParams(request.form) : (request.raw ?? request.json),
        signal: request.singleUse ? attemptTimer : AbortSignal.any([signal, attemptTimer]),
      });
      answered?.();
      attemptsByOutcome[outcomeOf(response.status)] += 1;
      return { response };
    } catch (error) {
      if (signal.aborted && !request.singleUse) return { failure: 'deadline', deadline: true };
      const { code, message } = error as { code?: string; message?: string };
      if (!code) throw error; // not a transport failure: a bug
      attemptsByOutcome.network_error += 1;
      if (attemptTimer.aborted) return { failure: `no answer within ${request.singleUse ? oneTimeAnswerMs : policy.attemptTimeoutMs} ms` };
      if (/maxContentLength/.test(String(message))) return { failure: 'too large', tooLarge: true };
      return { failure: code };
    }
  }

  async function send(request: HttpRequest): Promise<HttpResponse> {
    const signal = request.signal ?? options.signal;
    secrets.add(...secretsSentBy(request));
    const where = request.logAs ?? `${request.method} ${request.path}`;
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      const tried = await tryOnce(request, signal);
      let answer: (Answer & { traceId?: string }) | undefined;
      if ('response' in tried) {
        const response = answered(tried.response, attempt);
        if (request.resource) limiter?.observe(request.resource, response);
        if (!isRetryableStatus(response.status)) return judged(where, response, started);
        answer = response;
        log.warn({ request: where, status: response.status, traceId: response.traceId, attempt }, `${service} answered ${response.status}`);
        if (dailyLimitSpent(response)) throw failed(where, `${dailyLimitMessage(response)}${traceOf(response)}`, '429');
      } else if (tried.tooLarge) {
        throw new GhlAuthError('ghl_unexpected_response', `${where}: ${service}'s answer was larger than ${MAX_RESPONSE_BYTES} bytes (decompressed); nothing was read; ${NEXT_RUN_RETRIES}${baseUrlNote}`, { cause: new Error(tried.failure) });
      }
      if ('deadline' in tried) throw failed(where, `the run deadline (GHL_CHECK_TIMEOUT_SECONDS) passed${answer ? '' : baseUrlNote}`, 'deadline');
      if (attempt >= policy.attempts) {
        const why = answer
          ? `${service} kept answering ${answer.status} after ${attempt} attempts${traceOf(answer)}`
          : `no answer from ${service} after ${attempt} attempts (${'failure' in tried ? tried.failure : ''}${baseUrlNote})`;
        throw failed(where, why, answer ? String(answer.status) : 'failure' in tried ? tried.failure : '');
      }
      const delayMs = retryDelayMs(policy, attempt, answer);
      log.warn({ request: where, status: answer?.status, error: 'failure' in tried ? tried.failure : undefined, retry: attempt, delayMs }, `${service} request failed, retrying`);
      const waited = await wait(timerMs(delayMs), true, { signal }).catch(() => false);
      if (!waited) throw failed(where, 'the run deadline (GHL_CHECK_TIMEOUT_SECONDS) passed', 'deadline');
    }
  }

  function answered(raw: AxiosResponse<string>, attempts: number): HttpResponse {
    const cut = raw.data ? cutDeepJson(raw.data) : undefined;
    if (cut !== undefined) log.warn({ status: raw.status }, `${service}'s answer nests deeper than ${MAX_JSON_DEPTH} levels; what is deeper was read as "${CUT}"`);
    const body = parseJson(cut ?? raw.data);
    secrets.add(...tokensIn(body));
    const text = body === undefined && raw.data ? { text: raw.data } : {};
    return { status: raw.status, headers: flatHeaders(raw.headers), body, ...text, attempts, message: messageOf(body, secrets), traceId: traceIdOf(body) };
  }

  function judged(where: string, response: HttpResponse, started: number): HttpResponse {
    // No service answers 407: a proxy did, and neither a retry nor the next run gets past it.
    if (response.status === 407) {
      throw new GhlAuthError('configuration', `${where}: the proxy refused its credentials (${describeAnswer(response)}): ${PROXY_ADVICE}`, { cause: new Error('407') });
    }
    const fields = { request: where, status: response.status, attempts: response.attempts, traceId: response.traceId, ms: Date.now() - started };
    if (response.status >= 400) log.warn(fields, `${service} answered ${describeAnswer(response)}`);
    else log.debug(fields, `${service} answered`);
    if (options.baseUrlSetting && isRouteNotFound(response.status, response.body)) {
      throw new GhlAuthError(
        'configuration',
        `${where}: ${host} answered ${describeAnswer(response)}, which is no ${service} endpoint: check ${options.baseUrlSetting} (it points at ${host})`,
      );
    }
    return response;
  }

  function failed(where: string, why: string, reason: string): GhlAuthError {
    return new GhlAuthError('ghl_unavailable', `${where}: ${why}; ${service} is unavailable or failing, ${NEXT_RUN_RETRIES}`, { cause: new Error(reason) });
  }

  return { send, attemptsByOutcome };
}

/** The client for one part of a run: its requests carry this deadline and rate-limit bucket unless they name their own. */
export function withDefaults(http: HttpClient, defaults: Pick<HttpRequest, 'signal' | 'resource'>): HttpClient {
  return { send: (request) => http.send({ ...defaults, ...request }), attemptsByOutcome: http.attemptsByOutcome };
}

/** The short reason a request failed (a status, an error code, "deadline"), for a one-line warning. */
export function failureReason(error: unknown): string {
  return error instanceof GhlAuthError && error.cause instanceof Error ? error.cause.message : 'failed';
}

function axiosConfig(options: HttpClientOptions) {
  return {
    baseURL: options.baseUrl,
    responseType: 'text' as const,
    transformResponse: [(data: unknown) => data],
    headers: { Accept: 'application/json', 'User-Agent': options.userAgent },
    maxRedirects: 0,
    maxContentLength: MAX_RESPONSE_BYTES,
    // Every status is an answer; the loop above decides what is retried. Proxies come from HTTPS_PROXY / NO_PROXY.
    validateStatus: () => true,
  };
}

/** The credentials a request carries: GHL may echo any of them back in an error message. */
function secretsSentBy(request: HttpRequest): (string | undefined)[] {
  const bearer = /^Bearer (.+)$/.exec(request.headers?.Authorization ?? '')?.[1];
  return [bearer, request.form?.client_secret, request.form?.refresh_token, request.form?.code];
}

/** The tokens of an answer: where GHL puts them, or one level down (a pair wrapped in `data`, or in a list). */
function tokensIn(body: unknown): (string | undefined)[] {
  const objects = (value: unknown): object[] => (typeof value === 'object' && value !== null ? [value] : []);
  return objects(body)
    .flatMap((top) => [top, ...Object.values(top).flatMap(objects)])
    .flatMap((level) => Object.entries(level).map(([key, value]) => (/token/i.test(key) && typeof value === 'string' ? value : undefined)));
}

function outcomeOf(status: number): Outcome {
  if (status < 400) return 'success';
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

function flatHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}
