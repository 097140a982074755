// The fleet's shared reads (what the sweep answers, what is read once from ARM), without the network.
// The request budget's tests are in request-budget.test.ts.

import { describe, expect, it } from "vitest";
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
