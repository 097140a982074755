import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { describe, expect, test } from "vitest";
import { retryAfterMs } from "../../src/core/retry.js";

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
