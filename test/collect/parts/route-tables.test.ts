import { describe, expect, test } from "vitest";
import { NET, fault } from "../../checks/mutations.js";
import { readParts, requestsTo } from "./support.js";

const ROUTE_TABLE = `${NET}/routeTables/training-rt`;

describe("the route tables reader", () => {
  test("reads the route table the compute subnet names, once, with its VNet", async () => {
    const read = await readParts(["routeTables"]);
    expect(read.kept("Microsoft.Network/routeTables")).toEqual(["training-rt"]);
    expect(requestsTo(read, /routeTables/)).toEqual([`GET ${ROUTE_TABLE}`]);
    expect(read.snapshot.parts).toEqual(expect.arrayContaining(["computes", "virtualNetworks", "routeTables"]));
  });

  test("a refused route table is recorded against routeTables", async () => {
    const read = await readParts(["routeTables"], (scenario) => fault(scenario, "/routeTables/training-rt$"));
    expect(read.errors("routeTables")).toEqual([
      expect.objectContaining({ resourceId: ROUTE_TABLE, permission: "Microsoft.Network/routeTables/read" }),
    ]);
  });

  test("subnets without a route table read none", async () => {
    const read = await readParts(["routeTables"], (scenario) => {
      const vnet = scenario.resources.find((resource) => resource.type === "Microsoft.Network/virtualNetworks");
      for (const subnet of (vnet?.properties?.subnets ?? []) as Array<{ properties: Record<string, unknown> }>)
        delete subnet.properties.routeTable;
    });
    expect(requestsTo(read, /routeTables/)).toEqual([]);
    expect(read.snapshot.errors).toEqual([]);
  });
});
