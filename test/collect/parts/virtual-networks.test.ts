import { describe, expect, test } from "vitest";
import { VNET_ID, fault, setSubnet } from "../../checks/mutations.js";
import { readParts, requestsTo } from "./support.js";

describe("the virtual networks reader", () => {
  test("reads the VNet of the compute subnets and of the endpoints once, however many need it", async () => {
    const read = await readParts(["virtualNetworks", "privateEndpoints", "networkSecurityGroups", "routeTables"]);
    expect(read.kept("Microsoft.Network/virtualNetworks")).toEqual(["ml-vnet"]);
    expect(requestsTo(read, /\/virtualNetworks\//)).toEqual([`GET ${VNET_ID}`]);
  });

  test("implies the computes, whose subnets say which VNets to read", async () => {
    const read = await readParts(["virtualNetworks"]);
    expect(read.snapshot.parts).toEqual(expect.arrayContaining(["computes", "virtualNetworks"]));
    expect(read.kept("Microsoft.Network/virtualNetworks")).toEqual(["ml-vnet"]);
  });

  test("a compute subnet that is not a subnet ID is a failed read of virtualNetworks, not a silent skip", async () => {
    const read = await readParts(["virtualNetworks"], (scenario) => setSubnet(scenario, "cpu-build", "not-a-subnet"));
    expect(read.errors("virtualNetworks")).toEqual([
      expect.objectContaining({
        resourceId: "not-a-subnet",
        message: expect.stringContaining("not a subnet resource ID"),
      }),
    ]);
  });

  test("a refused VNet is recorded against virtualNetworks", async () => {
    const read = await readParts(["virtualNetworks"], (scenario) => fault(scenario, "/virtualNetworks/ml-vnet$"));
    expect(read.kept("Microsoft.Network/virtualNetworks")).toEqual([]);
    expect(read.errors("virtualNetworks")).toEqual([
      expect.objectContaining({
        resourceId: VNET_ID,
        statusCode: 403,
        permission: "Microsoft.Network/virtualNetworks/read",
      }),
    ]);
  });
});
