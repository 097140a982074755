// ARM's read throttling: a token bucket per subscription, and the 429 an empty bucket answers.

import { SUBSCRIPTION_PREFIX } from "./paths.js";
import { armError, type JsonReply } from "./reply.js";
import type { ThrottleLimits } from "./scenario.js";

/** Sent when throttling is off. */
export const UNTHROTTLED_REMAINING_READS = "11999";
/** Absorbs floating-point drift in refills, so 40 ms at 25 per second is a whole token. */
export const TOKEN_EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type ThrottleDecision =
  { allowed: true; remaining: number } | { allowed: false; remaining: number; retryAfterSeconds: number };

/** ARM's read token buckets, one per subscription (by lower-cased ID; "" for paths without one). */
export class ReadThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** The subscription spelt in `path`, or "" (the shared bucket). */
  static keyOf(path: string): string {
    return SUBSCRIPTION_PREFIX.exec(path)?.[1]?.toLowerCase() ?? "";
  }

  /** The bucket for `key`, refilled up to now; a new bucket starts full. */
  private bucket(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.limits.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedMs = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.limits.capacity, bucket.tokens + (elapsedMs * this.limits.refillPerSecond) / 1000);
    bucket.updatedAt = Math.max(bucket.updatedAt, now);
    return bucket;
  }

  private static whole(tokens: number): number {
    return Math.max(0, Math.floor(tokens + TOKEN_EPSILON));
  }

  /** Takes one token for a read, or says how long until one is back. */
  take(key: string): ThrottleDecision {
    const bucket = this.bucket(key);
    if (bucket.tokens + TOKEN_EPSILON >= 1) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return { allowed: true, remaining: ReadThrottle.whole(bucket.tokens) };
    }
    const waitSeconds = (1 - bucket.tokens) / this.limits.refillPerSecond;
    return {
      allowed: false,
      remaining: ReadThrottle.whole(bucket.tokens),
      retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - TOKEN_EPSILON)),
    };
  }

  /** Whole tokens left, without taking one (requests that are not reads). */
  peek(key: string): number {
    return ReadThrottle.whole(this.bucket(key).tokens);
  }
}

export function throttledReply(
  path: string,
  subscriptionKey: string,
  limits: ThrottleLimits,
  retryAfterSeconds: number,
): JsonReply {
  const scope =
    subscriptionKey === "" ? "the tenant" : `subscription '${SUBSCRIPTION_PREFIX.exec(path)?.[1] ?? subscriptionKey}'`;
  const reply = armError(
    429,
    "SubscriptionRequestsThrottled",
    `Number of 'read' requests for ${scope} actually exceeded the limit of '${limits.capacity}' ` +
      `(refilled at ${limits.refillPerSecond} per second). Please try again after '${retryAfterSeconds}' seconds.`,
  );
  return { ...reply, headers: { "retry-after": String(retryAfterSeconds) } };
}
