import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineResponse,
  type SendRequest,
} from "@azure/core-rest-pipeline";
import { afterEach, describe, expect, test, vi } from "vitest";
import { DEFAULT_RETRY, preflightRetryPolicy, retryAfterMs } from "../../src/core/retry.js";

function response(status: number, headers: Record<string, string>): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: "https://127.0.0.1/" }) };
}

describe("retryAfterMs", () => {
  test("reads Retry-After in seconds, the millisecond headers first, and an HTTP date", () => {
    expect(retryAfterMs(response(429, { "retry-after": "7" }))).toBe(7000);
    expect(retryAfterMs(response(503, { "retry-after": "2", "retry-after-ms": "150" }))).toBe(150);
    expect(retryAfterMs(response(429, { "x-ms-retry-after-ms": "20" }))).toBe(20);
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(retryAfterMs(response(429, { "retry-after": "Wed, 25 Nov 2026 10:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(response(429, { "retry-after": "Wed, 25 Nov 2026 09:00:00 GMT" }), now)).toBe(0);
  });

  test("is undefined for other statuses, no header, or a header that is neither number nor date", () => {
    expect(retryAfterMs(response(500, { "retry-after": "3" }))).toBeUndefined();
    expect(retryAfterMs(response(429, {}))).toBeUndefined();
    expect(retryAfterMs(response(429, { "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

// The policy's waits on Vitest's fake timers: what it waits is seen by moving time, not by reading a clock.
describe("preflightRetryPolicy", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A next stage answering 429 with this Retry-After first, then 200; `calls` counts what was sent. */
  function throttledOnce(retryAfter: string): { next: SendRequest; calls: () => number } {
    let calls = 0;
    const next: SendRequest = async (request) => {
      calls += 1;
      return calls === 1
        ? { ...response(429, { "retry-after": retryAfter }), request }
        : { ...response(200, {}), request };
    };
    return { next, calls: () => calls };
  }
  const request = () => createPipelineRequest({ url: "https://127.0.0.1/simple/numpy/" });

  test("waits out a Retry-After under the cap in full before it retries", async () => {
    vi.useFakeTimers();
    const { next, calls } = throttledOnce("1");
    const answered = preflightRetryPolicy(DEFAULT_RETRY).sendRequest(request(), next);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await answered).status).toBe(200);
    expect(calls()).toBe(2);
  });

  test("does not wait for a Retry-After over the cap: the 429 comes back at once", async () => {
    vi.useFakeTimers();
    const { next, calls } = throttledOnce("61");
    const answered = preflightRetryPolicy(DEFAULT_RETRY).sendRequest(request(), next);
    await vi.advanceTimersByTimeAsync(0);
    await expect(answered).resolves.toMatchObject({ status: 429 });
    expect(calls()).toBe(1);
  });
});
