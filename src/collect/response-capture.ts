// What the wire saw of each ARM call: every attempt's status and the raw bodies of its answers,
// kept by a pipeline policy in the async context of the call. Bodies are taken from the wire
// because the SDK's typed models drop and invent fields.

import { AsyncLocalStorage } from "node:async_hooks";
import { isRestError, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { PartName, RetryNote } from "../snapshot/types.js";
import { retryAfterHeaderMs, retryAfterMs } from "../core/retry.js";

/** The requests and retries of one collection, when several share a reader (a fleet). */
export interface RequestTally {
  requests: number;
  retries: RetryNote[];
}

/** One HTTP attempt as the wire saw it: status 0 when no response came (reset, timeout). */
interface Attempt {
  status: number;
  retryAfterMs?: number;
}

export interface Capture {
  bodies: string[];
  attempts: Attempt[];
  /** The last error answer's body: paged lists raise errors that drop ARM's message. */
  errorBody?: string;
}

/** Per-call sink for response bodies; follows the async context into next-page requests too. */
export const captureContext = new AsyncLocalStorage<Capture>();
/** The tally of the collection a request belongs to; follows it through shared reads it starts. */
export const tallyContext = new AsyncLocalStorage<RequestTally>();

/** Resource Graph's own throttling, per user: queries left in the window and when it refills. */
export interface GraphQuota {
  remaining: number;
  resetsAfterMs: number;
  /** performance.now() when the answer came. */
  at: number;
}

const GRAPH_PATH = /\/providers\/Microsoft\.ResourceGraph\//i;

/** What the wire policy tells the reader that owns it. */
export interface WireObserver {
  /** Every attempt, before it is sent. */
  onRequest(isGraph: boolean): void;
  /** A Resource Graph answer that said what is left of the user's quota. */
  onGraphQuota(quota: GraphQuota): void;
}

/** Counts every attempt and keeps the raw body of each successful response for the current call. */
export function responseCapturePolicy(requestTimeoutMs: number, observer: WireObserver): PipelinePolicy {
  return {
    name: "preflightWire",
    sendRequest: async (request, next) => {
      const isGraph = GRAPH_PATH.test(request.url);
      observer.onRequest(isGraph);
      const tally = tallyContext.getStore();
      if (tally) tally.requests += 1;
      request.timeout = requestTimeoutMs;
      const capture = captureContext.getStore();
      let response;
      try {
        response = await next(request);
      } catch (error) {
        capture?.attempts.push({ status: 0 });
        throw error;
      }
      if (isGraph) {
        const quota = graphQuota(
          response.headers.get("x-ms-user-quota-remaining"),
          response.headers.get("x-ms-user-quota-resets-after"),
        );
        if (quota) observer.onGraphQuota(quota);
      }
      // A 202 (a long-running operation still going) paces polling with Retry-After too.
      const wait = response.status === 202 ? retryAfterHeaderMs(response) : retryAfterMs(response);
      capture?.attempts.push({ status: response.status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
      if (capture && response.status >= 200 && response.status < 300 && response.bodyAsText) {
        capture.bodies.push(response.bodyAsText);
      }
      if (capture && response.status >= 400 && response.bodyAsText) capture.errorBody = response.bodyAsText;
      return response;
    },
  };
}

/** `x-ms-user-quota-remaining` and `x-ms-user-quota-resets-after` (hh:mm:ss), when both are there. */
function graphQuota(remaining: string | undefined, resetsAfter: string | undefined): GraphQuota | undefined {
  const left = Number(remaining);
  const clock = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(resetsAfter?.trim() ?? "");
  if (remaining === undefined || !Number.isFinite(left) || !clock) return undefined;
  const resetsAfterMs = ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1000;
  return { remaining: left, resetsAfterMs, at: performance.now() };
}

export function parseBody(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SDK's typed model can trip over a body ARM did send whole (a registry without `sku`); the wire
 * body is what is judged anyway, so a crash after a 200 with a JSON body is not a failed read. Not for
 * the diagnose: its 202s carry bodies too, and a half-finished operation must not read as done.
 */
export function typedModelTripped(part: PartName, error: unknown, capture: Capture): boolean {
  if (part === "diagnose" || isRestError(error) || (error instanceof Error && error.name === "AbortError"))
    return false;
  return capture.attempts.at(-1)?.status === 200 && parseBody(capture.bodies.at(-1)) !== undefined;
}
