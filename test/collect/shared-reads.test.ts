// The fleet's shared reads (what the sweep answers, what is read once from ARM) and the read budget
// that paces ARM reads by the remaining-reads header, without the network.

import type { PipelineRequest, PipelineResponse, SendRequest } from "@azure/core-rest-pipeline";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { ReadBudget, READ_RESERVE } from "../../src/collect/read-budget.js";
import { SharedReads, SweepIndex, type ReadAllResult, type ReadOneResult } from "../../src/collect/shared-reads.js";

const WS = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
const OTHER_WS = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/other";
const COMPUTES = "Microsoft.MachineLearningServices/workspaces/computes";
const row = (id: string, type: string) => ({ id, type, name: id.split("/").pop() });

describe("SweepIndex", () => {
  const index = new SweepIndex([
    row(WS, "Microsoft.MachineLearningServices/workspaces"),
    row(OTHER_WS, "Microsoft.MachineLearningServices/workspaces"),
    row(`${WS}/computes/c1`, COMPUTES),
  ]);

  it("vouches for a child list only when it returned the parent and indexes the type", () => {
    expect(index.childrenOf(WS.toUpperCase(), COMPUTES)?.map((child) => child.name)).toEqual(["c1"]);
    // The parent is there and the type is indexed: no row means no child.
    expect(index.childrenOf(OTHER_WS, COMPUTES)).toEqual([]);
    // A type the sweep returned no row of anywhere may be one Resource Graph leaves out: unknown, not none.
    expect(index.childrenOf(WS, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")).toBeUndefined();
    // A parent outside the sweep (another subscription): unknown.
    expect(
      index.childrenOf(
        "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/x",
        COMPUTES,
      ),
    ).toBeUndefined();
  });
});

describe("SharedReads", () => {
  it("answers from the sweep without reading, and reads the rest once for the run, failures too", async () => {
    const shared = new SharedReads(new SweepIndex([row(WS, "Microsoft.MachineLearningServices/workspaces")]));
    let reads = 0;
    const failing = async (): Promise<ReadOneResult> => {
      reads += 1;
      return {
        ok: false,
        error: {
          part: "virtualNetworks",
          resourceId: "/v",
          operation: "virtual network get",
          statusCode: 403,
          message: "no",
        },
      };
    };
    expect(await shared.one(WS, failing)).toEqual({ ok: true, body: expect.objectContaining({ id: WS }) });
    expect(reads).toBe(0);
    const vnet = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v";
    const [first, second] = await Promise.all([shared.one(vnet, failing), shared.one(vnet.toUpperCase(), failing)]);
    expect(reads).toBe(1);
    expect(second).toBe(first);
    expect(first.ok).toBe(false);
    expect(shared.servedFromSweep).toBe(1);

    let lists = 0;
    const list = async (): Promise<ReadAllResult> => {
      lists += 1;
      return { ok: true, items: [] };
    };
    await shared.once("S1|westeurope", list);
    await shared.once("s1|westeurope", list);
    expect(lists).toBe(1);
  });
});

describe("ReadBudget", () => {
  /** A pipeline stage answering every request with this many reads left, recording when each was sent. */
  function armAnswering(remaining: () => number, sent: string[]): SendRequest {
    return async (request: PipelineRequest): Promise<PipelineResponse> => {
      sent.push(request.url);
      return {
        request,
        status: 200,
        headers: createHttpHeaders({ "x-ms-ratelimit-remaining-subscription-reads": String(remaining()) }),
      };
    };
  }
  const get = (subscription: string) =>
    createPipelineRequest({
      url: `https://arm.example/subscriptions/${subscription}/resourceGroups/rg?api-version=1`,
      method: "GET",
    });

  it("holds a read back while the subscription's bucket is under the reserve, and lets it go once the refill is due", async () => {
    let clock = 0;
    const budget = new ReadBudget({ concurrency: 4, now: () => clock });
    const policy = budget.policy(() => undefined);
    const sent: string[] = [];
    const next = armAnswering(() => 0, sent);
    await policy.sendRequest(get("s1"), next);
    expect(budget.estimate("s1")).toBe(0);
    // Another subscription's bucket is its own.
    await policy.sendRequest(get("s2"), next);
    expect(sent).toHaveLength(2);
    const held = policy.sendRequest(get("s1"), next);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toHaveLength(2);
    // The refill for the reserve (at 25 a second) has come: the read goes.
    clock += ((READ_RESERVE + 1) / 25) * 1000;
    await held;
    expect(sent).toHaveLength(3);
  });

  it("counts reads in flight as spent, and never sends more than its concurrency at once", async () => {
    const budget = new ReadBudget({ concurrency: 2, now: () => 0 });
    const policy = budget.policy(() => undefined);
    let open = 0;
    let most = 0;
    const slow: SendRequest = async (request) => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 10));
      open -= 1;
      return {
        request,
        status: 200,
        headers: createHttpHeaders({ "x-ms-ratelimit-remaining-subscription-reads": "1000" }),
      };
    };
    await Promise.all(Array.from({ length: 8 }, () => policy.sendRequest(get("s1"), slow)));
    expect(most).toBe(2);
    expect(budget.estimate("s1")).toBe(1000);
  });
});
