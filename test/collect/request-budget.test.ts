// The request budget without the network: reads and writes paced per subscription by ARM's
// remaining-requests headers, what each answer counts as, and the floor ARM's buckets impose.

import type { PipelineRequest, PipelineResponse, SendRequest } from "@azure/core-rest-pipeline";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { ARM_BUCKETS, bucketFloorSeconds, RequestBudget, RESERVE } from "../../src/collect/request-budget.js";

const READS = "x-ms-ratelimit-remaining-subscription-reads";
const WRITES = "x-ms-ratelimit-remaining-subscription-writes";
const RESOURCE_REQUESTS = "x-ms-ratelimit-remaining-subscription-resource-requests";

/** A pipeline stage answering every request with these headers, recording what was sent. */
function armAnswering(
  headers: (request: PipelineRequest) => Record<string, string>,
  sent: string[],
  status = 200,
): SendRequest {
  return async (request: PipelineRequest): Promise<PipelineResponse> => {
    sent.push(`${request.method} ${request.url}`);
    return { request, status, headers: createHttpHeaders(headers(request)) };
  };
}
const get = (subscription: string) =>
  createPipelineRequest({
    url: `https://arm.example/subscriptions/${subscription}/resourceGroups/rg?api-version=1`,
    method: "GET",
  });
const post = (subscription: string, action = "Microsoft.MachineLearningServices/workspaces/ws/listKeys") =>
  createPipelineRequest({
    url: `https://arm.example/subscriptions/${subscription}/resourceGroups/rg/providers/${action}?api-version=1`,
    method: "POST",
  });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("RequestBudget", () => {
  it("holds a read back while the subscription's read bucket is under the reserve, and lets it go once the refill is due", async () => {
    let clock = 0;
    const budget = new RequestBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    const sent: string[] = [];
    const next = armAnswering(() => ({ [READS]: "0" }), sent);
    await policy.sendRequest(get("s1"), next);
    expect(budget.estimate("s1")).toBe(0);
    // Another subscription's bucket is its own.
    await policy.sendRequest(get("s2"), next);
    expect(sent).toHaveLength(2);
    const held = policy.sendRequest(get("s1"), next);
    await settle();
    expect(sent).toHaveLength(2);
    // The refill for the reserve (at 25 a second) has come: the read goes.
    clock += ((RESERVE.reads + 1) / 25) * 1000;
    await held;
    expect(sent).toHaveLength(3);
  });

  it("paces POST actions by the writes header at ARM's 10 a second, apart from reads", async () => {
    let clock = 0;
    const budget = new RequestBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    const sent: string[] = [];
    const next = armAnswering(
      (request): Record<string, string> => (request.method === "POST" ? { [WRITES]: "0" } : { [READS]: "200" }),
      sent,
    );
    await policy.sendRequest(post("s1"), next);
    expect(budget.estimate("s1", "writes")).toBe(0);
    // Reads are not held back by the empty write bucket.
    await policy.sendRequest(get("s1"), next);
    expect(sent).toHaveLength(2);
    const held = policy.sendRequest(post("s1"), next);
    await settle();
    expect(sent).toHaveLength(2);
    clock += (RESERVE.writes / ARM_BUCKETS.writes.refillPerSecond) * 1000 + 1;
    await held;
    expect(sent).toHaveLength(3);
    expect(budget.subscriptions()).toEqual([
      { subscriptionId: "s1", reads: 1, writes: 2, resourceRequests: 0, throttled: 0 },
    ]);
  });

  it("counts a 429 as met and the bucket as empty, so the requests behind it wait", async () => {
    let clock = 0;
    const budget = new RequestBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    const sent: string[] = [];
    await policy.sendRequest(
      post("s1"),
      armAnswering(() => ({ "retry-after": "1" }), sent, 429),
    );
    expect(budget.estimate("s1", "writes")).toBe(0);
    const held = policy.sendRequest(
      post("s1"),
      armAnswering(() => ({ [WRITES]: "5" }), sent),
    );
    await settle();
    expect(sent).toHaveLength(1);
    clock += 1000;
    await held;
    expect(budget.subscriptions()[0]).toMatchObject({ writes: 1, throttled: 1 });
  });

  it("learns that an action answered with the resource-requests header spends a provider's own limit, not ARM's write bucket", async () => {
    let clock = 0;
    const budget = new RequestBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    const sent: string[] = [];
    const storageKeys = (account: string) => `Microsoft.Storage/storageAccounts/${account}/listKeys`;
    // Paced as a write until its answer says otherwise.
    await policy.sendRequest(
      post("s1", storageKeys("st1")),
      armAnswering(() => ({ [RESOURCE_REQUESTS]: "11999" }), sent),
    );
    await policy.sendRequest(
      post("s1"),
      armAnswering(() => ({ [WRITES]: "0" }), sent),
    );
    // The write bucket is empty, yet another storage account's listKeys goes at once.
    await policy.sendRequest(
      post("s1", storageKeys("st2")),
      armAnswering(() => ({ [RESOURCE_REQUESTS]: "11998" }), sent),
    );
    expect(sent).toHaveLength(3);
    const held = policy.sendRequest(
      post("s1"),
      armAnswering(() => ({ [WRITES]: "0" }), sent),
    );
    await settle();
    expect(sent).toHaveLength(3);
    clock += 1000;
    await held;
    expect(budget.subscriptions()[0]).toMatchObject({ writes: 2, resourceRequests: 2 });
  });

  it("counts requests in flight as spent, and never sends more than its concurrency at once", async () => {
    const budget = new RequestBudget({ concurrency: 2, now: () => 0 });
    const policy = budget.policy(() => undefined);
    let open = 0;
    let most = 0;
    const slow: SendRequest = async (request) => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 10));
      open -= 1;
      return { request, status: 200, headers: createHttpHeaders({ [READS]: "1000" }) };
    };
    await Promise.all(Array.from({ length: 8 }, () => policy.sendRequest(get("s1"), slow)));
    expect(most).toBe(2);
    expect(budget.estimate("s1")).toBe(1000);
  });

  it.each([
    ["an older answer saying more is older news: the later count stands", 45, 40],
    ["an older answer saying less is believed", 30, 30],
  ])("answers out of order: %s", async (_name, olderSays, expected) => {
    let clock = 0;
    const budget = new RequestBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    // Each answer waits until the test releases it with the remaining-reads count it carries.
    const release: ((remaining: number) => void)[] = [];
    const held: SendRequest = (request) =>
      new Promise((resolve) => {
        release.push((remaining) =>
          resolve({ request, status: 200, headers: createHttpHeaders({ [READS]: String(remaining) }) }),
        );
      });
    const older = policy.sendRequest(get("s1"), held);
    await settle();
    clock = 10;
    const later = policy.sendRequest(get("s1"), held);
    await settle();
    expect(release).toHaveLength(2);
    release[1]?.(40);
    await later;
    release[0]?.(olderSays);
    await older;
    expect(budget.estimate("s1")).toBe(expected);
  });

  it("the floor: each bucket's requests beyond its capacity at its refill rate, the two side by side", () => {
    expect(bucketFloorSeconds(0, 0)).toBe(0);
    expect(bucketFloorSeconds(250, 200)).toBe(0);
    // 3,000 key POSTs in one subscription: (3,000 − 200) / 10.
    expect(bucketFloorSeconds(1_000, 3_000)).toBe(280);
    // 1,250 reads: (1,250 − 250) / 25 = 40 s, more than the writes' (500 − 200) / 10 = 30 s.
    expect(bucketFloorSeconds(1_250, 500)).toBe(40);
    expect(
      bucketFloorSeconds(30, 60, {
        reads: { capacity: 10, refillPerSecond: 10 },
        writes: { capacity: 20, refillPerSecond: 5 },
      }),
    ).toBe(8);
  });
});
