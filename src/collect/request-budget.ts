// Throttle-aware pacing of ARM requests. ARM meters each subscription, per principal, with token
// buckets (Learn, request-limits-and-throttling): reads 250 refilled 25 a second, writes 200 refilled
// 10 a second. GETs spend reads; POST actions such as listKeys and listCredentials spend writes (their
// answers carry `x-ms-ratelimit-remaining-subscription-writes`), except where a resource provider has
// overridden ARM's default limit: its answers carry `...-resource-requests` instead (storage listKeys,
// in recordings since 2020), and such actions are then no longer paced as writes. Every answer says
// what is left of its bucket; a request waits before it is sent when that count, less the requests of
// the bucket still in flight, plus the refill since, would drop under a small reserve. Waiting costs
// a fraction of a second; a 429 costs its Retry-After and a retry. A bounded number of requests are
// in flight at once, whatever the subscription.

import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";

/** The two buckets the collector spends (it never deletes). */
export type BucketKind = "reads" | "writes";

export interface BucketLimits {
  capacity: number;
  refillPerSecond: number;
}

/** ARM's documented per-subscription, per-principal buckets (Learn, request-limits-and-throttling). */
export const ARM_BUCKETS: Readonly<Record<BucketKind, Readonly<BucketLimits>>> = Object.freeze({
  reads: Object.freeze({ capacity: 250, refillPerSecond: 25 }),
  writes: Object.freeze({ capacity: 200, refillPerSecond: 10 }),
});

/** Tokens kept in hand: below this many (in flight counted as spent) a request waits for the refill. */
export const RESERVE: Readonly<Record<BucketKind, number>> = Object.freeze({ reads: 5, writes: 2 });

const REMAINING_HEADER: Record<BucketKind, string> = {
  reads: "x-ms-ratelimit-remaining-subscription-reads",
  writes: "x-ms-ratelimit-remaining-subscription-writes",
};
const RESOURCE_REQUESTS_HEADER = "x-ms-ratelimit-remaining-subscription-resource-requests";

const SUBSCRIPTION_IN_PATH = /^\/subscriptions\/([^/?]+)/i;

/**
 * The least time ARM's buckets allow for this many reads and writes in one subscription: each bucket
 * starts full and refills at its rate, and the two refill side by side.
 */
export function bucketFloorSeconds(reads: number, writes: number, limits = ARM_BUCKETS): number {
  const floor = (count: number, bucket: BucketLimits) =>
    Math.max(0, (count - bucket.capacity) / bucket.refillPerSecond);
  return Math.max(floor(reads, limits.reads), floor(writes, limits.writes));
}

/** What one subscription's buckets met in this run. */
export interface SubscriptionUsage {
  subscriptionId: string;
  /** Reads answered (not 429). */
  reads: number;
  /** Writes answered (not 429): POST actions, paced by the writes header. */
  writes: number;
  /** POST actions whose answers carried the resource-requests header instead: a provider's own limit, not ARM's write bucket. */
  resourceRequests: number;
  /** Answers 429, reads and writes. */
  throttled: number;
}

interface BucketState {
  /** What the last answer said was left, and when it came. */
  remaining?: number;
  at: number;
  /** When the request behind `remaining` passed the budget: an answer to an older one is older news. */
  sentAt?: number;
  /** Requests sent since and not answered: spent, as far as the next estimate knows. */
  inFlight: number;
}

/** A request that passed the budget: where it went, the bucket it spent, and when. */
interface SentRequest {
  subscription: string;
  method: string;
  path: string;
  kind: BucketKind | undefined;
  sentAt: number;
}

export interface RequestBudgetOptions {
  /** Requests in flight at once across all subscriptions. */
  concurrency: number;
  now?: () => number;
}

/** `microsoft.storage/storageaccounts/listkeys`: the provider, resource types and action of a POST's path. */
function actionKey(path: string): string {
  const at = path.toLowerCase().lastIndexOf("/providers/");
  if (at === -1) return path.toLowerCase();
  const [namespace, ...rest] = path
    .slice(at + "/providers/".length)
    .toLowerCase()
    .split("/");
  const types = rest.filter((_, index) => index % 2 === 0);
  return [namespace, ...types].join("/");
}

export class RequestBudget {
  private readonly buckets = new Map<string, BucketState>();
  private readonly usage = new Map<string, SubscriptionUsage>();
  /** POST actions (see actionKey) whose provider has its own limit: not paced as writes. */
  private readonly ownLimit = new Set<string>();
  private readonly limit: LimitFunction;
  private readonly now: () => number;

  constructor(options: RequestBudgetOptions) {
    this.limit = pLimit(options.concurrency);
    this.now = options.now ?? (() => performance.now());
  }

  private bucketOf(subscription: string, kind: BucketKind): BucketState {
    const key = `${kind}|${subscription}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { at: this.now(), inFlight: 0 };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private usageOf(subscription: string): SubscriptionUsage {
    let usage = this.usage.get(subscription);
    if (!usage) {
      usage = { subscriptionId: subscription, reads: 0, writes: 0, resourceRequests: 0, throttled: 0 };
      this.usage.set(subscription, usage);
    }
    return usage;
  }

  /** Tokens the bucket holds now by the last answer, the refill since and what is in flight; Infinity before any answer. */
  estimate(subscription: string, kind: BucketKind = "reads"): number {
    const bucket = this.bucketOf(subscription.toLowerCase(), kind);
    if (bucket.remaining === undefined) return Number.POSITIVE_INFINITY;
    const refilled = ((this.now() - bucket.at) / 1000) * ARM_BUCKETS[kind].refillPerSecond;
    return bucket.remaining + refilled - bucket.inFlight;
  }

  /** Reads, writes and 429s per subscription so far (subscriptions by lower-cased ID, sorted). */
  subscriptions(): SubscriptionUsage[] {
    return [...this.usage.values()]
      .map((usage) => ({ ...usage }))
      .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId));
  }

  /** The bucket a request spends, or undefined (no subscription in its path, a method the collector never sends). */
  private kindOf(method: string, path: string): BucketKind | undefined {
    if (method === "GET" || method === "HEAD") return "reads";
    if (method === "POST" || method === "PUT" || method === "PATCH")
      return method === "POST" && this.ownLimit.has(actionKey(path)) ? undefined : "writes";
    return undefined;
  }

  /** The pipeline policy: each attempt (retries too) waits for its bucket, then for a slot. */
  policy(signalOf: (request: PipelineRequest) => AbortSignal | undefined): PipelinePolicy {
    return {
      name: "preflightRequestBudget",
      sendRequest: async (request, next) => {
        const path = new URL(request.url).pathname;
        const subscription = SUBSCRIPTION_IN_PATH.exec(path)?.[1]?.toLowerCase();
        const kind = subscription === undefined ? undefined : this.kindOf(request.method, path);
        // The request counts as spent from the moment it passes the budget, so the ones waiting behind it
        // see the bucket without it.
        const bucket =
          subscription !== undefined && kind !== undefined
            ? await this.waitFor(subscription, kind, signalOf(request))
            : undefined;
        const sentAt = this.now();
        try {
          return await this.limit(async () => {
            const response = await next(request);
            if (subscription !== undefined)
              this.note({ subscription, method: request.method, path, kind, sentAt }, response);
            return response;
          });
        } finally {
          if (bucket) bucket.inFlight -= 1;
        }
      },
    };
  }

  /** What an answer says of its bucket, and what the request counts as. */
  private note(sent: SentRequest, response: PipelineResponse): void {
    const { subscription, method, path, kind, sentAt } = sent;
    const usage = this.usageOf(subscription);
    const remaining = (header: string) => {
      const text = response.headers.get(header);
      const value = Number(text);
      return text !== undefined && text.trim() !== "" && Number.isFinite(value) ? value : undefined;
    };
    const writesLeft = remaining(REMAINING_HEADER.writes);
    const ownLimit = method === "POST" && writesLeft === undefined && remaining(RESOURCE_REQUESTS_HEADER) !== undefined;
    if (ownLimit) this.ownLimit.add(actionKey(path));
    if (response.status === 429) usage.throttled += 1;
    else if (ownLimit) usage.resourceRequests += 1;
    else if (kind) usage[kind] += 1;
    if (!kind || ownLimit) return;
    const left = kind === "writes" ? writesLeft : remaining(REMAINING_HEADER.reads);
    const bucket = this.bucketOf(subscription, kind);
    // Throttled without saying what is left: empty, as far as the requests waiting behind it know.
    const said = left ?? (response.status === 429 ? 0 : undefined);
    if (said === undefined) return;
    // Answers overtake each other: one to a request sent before the answer already noted counts only
    // when it says less (taking its larger count would spend tokens a later request already took).
    const older = bucket.sentAt !== undefined && sentAt < bucket.sentAt;
    if (older && bucket.remaining !== undefined && said >= bucket.remaining) return;
    bucket.remaining = said;
    bucket.at = this.now();
    bucket.sentAt = older ? bucket.sentAt : sentAt;
  }

  private async waitFor(subscription: string, kind: BucketKind, signal: AbortSignal | undefined): Promise<BucketState> {
    const rate = ARM_BUCKETS[kind].refillPerSecond;
    for (;;) {
      const short = RESERVE[kind] - this.estimate(subscription, kind);
      if (short <= 0) break;
      // As long as the refill takes to bring the estimate back to the reserve (at least 20 ms).
      await sleep(Math.max(20, Math.ceil((short / rate) * 1000)), undefined, signal ? { signal } : undefined);
    }
    const bucket = this.bucketOf(subscription, kind);
    bucket.inFlight += 1;
    return bucket;
  }
}
