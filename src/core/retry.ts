// Retries with limits the SDK's default policy lacks: it waits out any Retry-After however long,
// so one throttled read could hold a run for an hour. Here a wait longer than the cap is not
// taken; the read fails at once and its check says `unknown`, naming the wait ARM asked for.

import { retryPolicy, type PipelinePolicy, type PipelineResponse, type RetryStrategy } from "@azure/core-rest-pipeline";

export interface RetrySettings {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Base of the exponential back-off for 5xx, 408 and dropped connections. */
  retryDelayMs: number;
  /** Longest exponential back-off. */
  maxRetryDelayMs: number;
  /** Longest Retry-After (429, 503) waited for; a longer one ends the read. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  maxRetries: 3,
  retryDelayMs: 1_000,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** The wait a 429/503 asks for, in ms: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` (seconds or a date). */
export function retryAfterMs(response: PipelineResponse | undefined, now = Date.now()): number | undefined {
  if (!response || (response.status !== 429 && response.status !== 503)) return undefined;
  return retryAfterHeaderMs(response, now);
}

/** The wait a response's Retry-After headers ask for, whatever its status (a 202 uses it to pace polling). */
export function retryAfterHeaderMs(response: PipelineResponse, now = Date.now()): number | undefined {
  for (const header of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(response.headers.get(header));
    if (response.headers.get(header) && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = response.headers.get("retry-after")?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Dropped or refused connections are worth another attempt; other transport errors are not. */
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "ECONNABORTED",
]);

function throttlingStrategy(settings: RetrySettings): RetryStrategy {
  return {
    name: "preflightThrottling",
    retry({ response }) {
      const wait = retryAfterMs(response);
      if (wait === undefined) return { skipStrategy: true };
      // Too long a wait: hand the response back (the SDK raises it as a RestError) instead of sleeping.
      if (wait > settings.maxRetryAfterMs) return {};
      return { retryAfterInMs: wait };
    },
  };
}

function backoffStrategy(settings: RetrySettings): RetryStrategy {
  return {
    name: "preflightBackoff",
    retry({ retryCount, response, responseError }) {
      // A 429/503 with Retry-After belongs to the throttling strategy, even when it declined to wait.
      if (retryAfterMs(response) !== undefined) return {};
      const status = response?.status;
      const transientStatus =
        status !== undefined && (status === 408 || (status >= 500 && status !== 501 && status !== 505));
      const transientNetwork =
        !response && responseError?.code !== undefined && TRANSIENT_NETWORK_CODES.has(responseError.code);
      if (!transientStatus && !transientNetwork) return responseError ? { errorToThrow: responseError } : {};
      const exponential = Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** retryCount);
      // Jitter in [0.8, 1.2) keeps parallel reads from retrying in lockstep.
      return { retryAfterInMs: Math.round(exponential * (0.8 + Math.random() * 0.4)) };
    },
  };
}

/** The SDK's retry loop with the strategies above; replaces each client's `defaultRetryPolicy`. */
export function preflightRetryPolicy(settings: RetrySettings): PipelinePolicy {
  const policy = retryPolicy([throttlingStrategy(settings), backoffStrategy(settings)], {
    maxRetries: settings.maxRetries,
  });
  return { name: "preflightRetryPolicy", sendRequest: (request, next) => policy.sendRequest(request, next) };
}
