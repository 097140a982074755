// Resource Graph's own per-user query quota (separate from ARM's read throttle): the window count, the
// `x-ms-user-quota-*` headers every query's answer carries, and the 429 a query over the quota answers.

import { TOKEN_EPSILON } from "./arm-throttle.js";
import { armError, type JsonReply } from "./reply.js";
import type { ResourceGraphQuota } from "./scenario.js";

export type QuotaDecision = { allowed: boolean; remaining: number; resetsAfterMs: number };

/** Resource Graph's per-user quota: `limit` queries per fixed window that starts at its first query. */
export class UserQuota {
  private windowStart: number | undefined;
  private used = 0;

  constructor(
    readonly limits: ResourceGraphQuota,
    private readonly now: () => number,
  ) {}

  /** Counts a query when the window has room; a query over the quota is not counted. */
  take(): QuotaDecision {
    const now = this.now();
    if (this.windowStart === undefined || now >= this.windowStart + this.limits.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetsAfterMs = this.windowStart + this.limits.windowMs - now;
    if (this.used >= this.limits.limit) return { allowed: false, remaining: 0, resetsAfterMs };
    this.used += 1;
    return { allowed: true, remaining: this.limits.limit - this.used, resetsAfterMs };
  }
}

function wholeSecondsAfter(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000 - TOKEN_EPSILON));
}

/** `hh:mm:ss`, rounded up to the second, as Resource Graph sends `x-ms-user-quota-resets-after`. */
function formatQuotaReset(ms: number): string {
  const seconds = wholeSecondsAfter(ms);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

export function quotaHeaders(decision: QuotaDecision): Record<string, string> {
  return {
    "x-ms-user-quota-remaining": String(decision.remaining),
    "x-ms-user-quota-resets-after": formatQuotaReset(decision.resetsAfterMs),
  };
}

export function quotaExceededReply(limits: ResourceGraphQuota, decision: QuotaDecision): JsonReply {
  const retryAfterSeconds = Math.max(1, wholeSecondsAfter(decision.resetsAfterMs));
  const reply = armError(
    429,
    "RateLimiting",
    `Client application has been throttled and should not attempt to repeat the request until an amount of time ` +
      `has elapsed: ${limits.limit} queries are allowed every ${limits.windowMs} ms. Please try again after ` +
      `'${retryAfterSeconds}' seconds. See https://aka.ms/resourcegraph-throttling.`,
  );
  return { ...reply, headers: { "retry-after": String(retryAfterSeconds) } };
}
