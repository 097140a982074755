// ARM's throttling: per subscription, a token bucket for reads, one for writes and one for deletes
// (Learn, request-limits-and-throttling: reads 250 refilled 25 a second, writes and deletes 200 refilled
// 10 a second), the remaining-requests headers every answer carries, and the 429 an empty bucket answers.

import { SUBSCRIPTION_PREFIX } from "./paths.js";
import { armError, type JsonReply } from "./reply.js";
import { RESOURCE_GRAPH_PATH } from "./resource-graph.js";
import type { ArmThrottleLimits, ThrottleLimits } from "./scenario.js";

/** Which bucket a request spends. */
export type BucketKind = "reads" | "writes" | "deletes";

/** Sent when throttling is off: the values ARM's old hourly limits started from. */
const UNTHROTTLED_REMAINING = { reads: "11999", writes: "1199", deletes: "14999" } as const;
/** Absorbs floating-point drift in refills, so 40 ms at 25 per second is a whole token. */
export const TOKEN_EPSILON = 1e-9;

const HEADER: Record<BucketKind, string> = {
  reads: "x-ms-ratelimit-remaining-subscription-reads",
  writes: "x-ms-ratelimit-remaining-subscription-writes",
  deletes: "x-ms-ratelimit-remaining-subscription-deletes",
};
/** What ARM sends instead of the writes header for a provider that overrides the default limit. */
const RESOURCE_REQUESTS_HEADER = "x-ms-ratelimit-remaining-subscription-resource-requests";
/** The resource-requests count a subscription starts from, as recorded answers show it (11999 after the first). */
const RESOURCE_REQUESTS_START = 12_000;

const NOUN: Record<BucketKind, string> = { reads: "read", writes: "write", deletes: "delete" };

/**
 * The bucket a request spends: GET and HEAD are reads; PUT, PATCH and POST (actions such as listKeys
 * included) writes; DELETE deletes. A Resource Graph query spends none (it has its own quota), nor does
 * any other method.
 */
function bucketOf(method: string, path: string): BucketKind | undefined {
  switch (method) {
    case "GET":
    case "HEAD":
      return "reads";
    case "POST":
      return RESOURCE_GRAPH_PATH.test(path) ? undefined : "writes";
    case "PUT":
    case "PATCH":
      return "writes";
    case "DELETE":
      return "deletes";
    default:
      return undefined;
  }
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** What the throttle made of one request: refused or not, and the headers its answer carries. */
export interface ThrottleDecision {
  /** The bucket it spent (or found empty); undefined: none. */
  bucket: BucketKind | undefined;
  allowed: boolean;
  /** Whole seconds until a token is back (refused requests only). */
  retryAfterSeconds?: number;
  /** The remaining-requests headers for the answer. */
  headers: Record<string, string>;
}

/** One kind of token bucket, one per subscription (by lower-cased ID; "" for paths without one). */
class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

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

  /** Takes one token, or says how long until one is back. */
  take(key: string): { allowed: boolean; remaining: number; retryAfterSeconds?: number } {
    const bucket = this.bucket(key);
    if (bucket.tokens + TOKEN_EPSILON >= 1) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return { allowed: true, remaining: TokenBuckets.whole(bucket.tokens) };
    }
    const waitSeconds = (1 - bucket.tokens) / this.limits.refillPerSecond;
    return {
      allowed: false,
      remaining: TokenBuckets.whole(bucket.tokens),
      retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - TOKEN_EPSILON)),
    };
  }

  /** Whole tokens left, without taking one. */
  peek(key: string): number {
    return TokenBuckets.whole(this.bucket(key).tokens);
  }
}

/** ARM's buckets for every subscription; undefined limits: throttling off (fixed headers, nothing refused). */
export class ArmThrottle {
  private readonly buckets: Record<BucketKind, TokenBuckets> | undefined;
  private readonly resourceRequestPaths: RegExp[];
  /** Resource-requests answers per subscription, for the header's count. */
  private readonly resourceRequests = new Map<string, number>();

  constructor(
    readonly limits: ArmThrottleLimits | undefined,
    now: () => number,
  ) {
    this.buckets = limits && {
      reads: new TokenBuckets(limits.reads, now),
      writes: new TokenBuckets(limits.writes, now),
      deletes: new TokenBuckets(limits.deletes, now),
    };
    this.resourceRequestPaths = (limits?.resourceRequests ?? []).map((pattern) => new RegExp(pattern, "i"));
  }

  /** The subscription spelt in `path`, or "" (the bucket shared by paths without one). */
  static keyOf(path: string): string {
    return SUBSCRIPTION_PREFIX.exec(path)?.[1]?.toLowerCase() ?? "";
  }

  /** Charges the request to its bucket and says whether it may go on, with the headers for its answer. */
  decide(method: string, path: string): ThrottleDecision {
    const key = ArmThrottle.keyOf(path);
    // A provider that overrides ARM's default limit (storage listKeys, as recorded since 2020): no ARM bucket
    // is spent, and the answer says so with the resource-requests header instead of the writes one.
    if (method === "POST" && this.resourceRequestPaths.some((pattern) => pattern.test(path))) {
      const used = (this.resourceRequests.get(key) ?? 0) + 1;
      this.resourceRequests.set(key, used);
      return {
        bucket: undefined,
        allowed: true,
        headers: {
          [HEADER.reads]: this.remaining("reads", key),
          [RESOURCE_REQUESTS_HEADER]: String(Math.max(0, RESOURCE_REQUESTS_START - used)),
        },
      };
    }
    const bucket = bucketOf(method, path);
    const taken = bucket && this.buckets ? this.buckets[bucket].take(key) : undefined;
    const headers: Record<string, string> = {};
    // Every answer carries the reads and writes left (the bucket it spent, after it); a delete's, the deletes left.
    for (const kind of ["reads", "writes", ...(bucket === "deletes" ? ["deletes" as const] : [])] as const) {
      headers[HEADER[kind]] = kind === bucket && taken ? String(taken.remaining) : this.remaining(kind, key);
    }
    if (taken && !taken.allowed)
      return { bucket, allowed: false, retryAfterSeconds: taken.retryAfterSeconds ?? 1, headers };
    return { bucket, allowed: true, headers };
  }

  private remaining(kind: BucketKind, key: string): string {
    return this.buckets ? String(this.buckets[kind].peek(key)) : UNTHROTTLED_REMAINING[kind];
  }

  /** The 429 ARM answers when the request's bucket is empty. */
  throttledReply(path: string, decision: ThrottleDecision): JsonReply {
    const bucket = decision.bucket ?? "reads";
    const limits = this.limits?.[bucket] ?? { capacity: 0, refillPerSecond: 0 };
    const retryAfterSeconds = decision.retryAfterSeconds ?? 1;
    const key = ArmThrottle.keyOf(path);
    const scope = key === "" ? "the tenant" : `subscription '${SUBSCRIPTION_PREFIX.exec(path)?.[1] ?? key}'`;
    const reply = armError(
      429,
      "SubscriptionRequestsThrottled",
      `Number of '${NOUN[bucket]}' requests for ${scope} exceeded the limit of '${limits.capacity}' ` +
        `(refilled at ${limits.refillPerSecond} per second). Please try again after '${retryAfterSeconds}' seconds ` +
        "after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
    );
    return { ...reply, headers: { "retry-after": String(retryAfterSeconds) } };
  }
}
