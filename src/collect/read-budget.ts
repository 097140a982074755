// Throttle-aware pacing of ARM requests. ARM meters reads per subscription and principal with a
// token bucket (250, refilled 25 a second) and reports what is left on every answer in
// `x-ms-ratelimit-remaining-subscription-reads`. Waiting before the bucket is empty costs a few
// hundred milliseconds; a 429 costs its Retry-After (seconds) and a retry. A bounded number of
// requests are in flight at once, whatever the subscription.

import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

/** ARM's documented refill rate of the per-subscription read bucket. */
const ARM_READ_REFILL_PER_SECOND = 25;
/** Reads kept in hand: below this many (in flight counted as spent) a read waits for the refill. */
export const READ_RESERVE = 5;
const REMAINING_READS_HEADER = "x-ms-ratelimit-remaining-subscription-reads";

const SUBSCRIPTION_IN_PATH = /^\/subscriptions\/([^/?]+)/i;

interface SubscriptionBudget {
  /** What the last answer said was left, and when it came. */
  remaining?: number;
  at: number;
  /** Reads sent since and not answered: spent, as far as the next estimate knows. */
  inFlight: number;
}

export interface ReadBudgetOptions {
  /** Requests in flight at once across all subscriptions. */
  concurrency: number;
  now?: () => number;
}

export class ReadBudget {
  private readonly budgets = new Map<string, SubscriptionBudget>();
  private readonly limit: LimitFunction;
  private readonly now: () => number;

  constructor(options: ReadBudgetOptions) {
    this.limit = pLimit(options.concurrency);
    this.now = options.now ?? (() => performance.now());
  }

  private budgetOf(subscription: string): SubscriptionBudget {
    let budget = this.budgets.get(subscription);
    if (!budget) {
      budget = { at: this.now(), inFlight: 0 };
      this.budgets.set(subscription, budget);
    }
    return budget;
  }

  /** Reads the bucket holds now by the last answer, the refill since and what is in flight; Infinity before any answer. */
  estimate(subscription: string): number {
    const budget = this.budgetOf(subscription);
    if (budget.remaining === undefined) return Number.POSITIVE_INFINITY;
    const refilled = ((this.now() - budget.at) / 1000) * ARM_READ_REFILL_PER_SECOND;
    return budget.remaining + refilled - budget.inFlight;
  }

  /** The pipeline policy: each attempt (retries too) waits for budget, then for a slot. */
  policy(signalOf: (request: PipelineRequest) => AbortSignal | undefined): PipelinePolicy {
    return {
      name: "preflightReadBudget",
      sendRequest: async (request, next) => {
        const subscription = SUBSCRIPTION_IN_PATH.exec(new URL(request.url).pathname)?.[1]?.toLowerCase();
        const isRead = request.method === "GET" && subscription !== undefined;
        // The read counts as spent from the moment it passes the budget, so the reads waiting
        // behind it see the bucket without it.
        const budget = isRead ? await this.waitForRead(subscription, signalOf(request)) : undefined;
        try {
          return await this.limit(async () => {
            const response = await next(request);
            const header = Number(response.headers.get(REMAINING_READS_HEADER));
            if (
              subscription !== undefined &&
              response.headers.get(REMAINING_READS_HEADER) !== undefined &&
              Number.isFinite(header)
            ) {
              const answered = this.budgetOf(subscription);
              answered.remaining = header;
              answered.at = this.now();
            }
            return response;
          });
        } finally {
          if (budget) budget.inFlight -= 1;
        }
      },
    };
  }

  private async waitForRead(subscription: string, signal: AbortSignal | undefined): Promise<SubscriptionBudget> {
    for (;;) {
      const short = READ_RESERVE - this.estimate(subscription);
      if (short <= 0) break;
      // As long as the refill takes to bring the estimate back to the reserve (at least 20 ms).
      await sleep(
        Math.max(20, Math.ceil((short / ARM_READ_REFILL_PER_SECOND) * 1000)),
        undefined,
        signal ? { signal } : undefined,
      );
    }
    const budget = this.budgetOf(subscription);
    budget.inFlight += 1;
    return budget;
  }
}
