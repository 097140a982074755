import { describe, expect, test } from "vitest";
import { NET, RG_ID, TRAINING_NSG, fault } from "../../checks/mutations.js";
import { readParts, requestsTo } from "./support.js";

const NSG_LIST = `GET ${RG_ID}/providers/Microsoft.Network/networkSecurityGroups`;

describe("the network security groups reader", () => {
  test("finds the compute subnet's NSG by listing its resource group, with no GET of its own", async () => {
    const read = await readParts(["networkSecurityGroups"]);
    expect(read.kept("Microsoft.Network/networkSecurityGroups")).toEqual(["training-nsg"]);
    expect(requestsTo(read, /networkSecurityGroups/)).toEqual([NSG_LIST]);
    expect(read.snapshot.errors).toEqual([]);
  });

  test("a refused listing is no failure: the NSG the subnet names is read by ID", async () => {
    const read = await readParts(["networkSecurityGroups"], (scenario) => fault(scenario, "/networkSecurityGroups$"));
    expect(read.kept("Microsoft.Network/networkSecurityGroups")).toEqual(["training-nsg"]);
    expect(requestsTo(read, /networkSecurityGroups/)).toEqual([NSG_LIST, `GET ${TRAINING_NSG}`]);
    expect(read.snapshot.errors).toEqual([]);
  });

  test("an NSG refused both ways is recorded against networkSecurityGroups", async () => {
    const read = await readParts(["networkSecurityGroups"], (scenario) => fault(scenario, "/networkSecurityGroups"));
    expect(read.errors("networkSecurityGroups")).toEqual([
      expect.objectContaining({
        resourceId: TRAINING_NSG,
        operation: "network security group get",
        permission: "Microsoft.Network/networkSecurityGroups/read",
      }),
    ]);
  });

  test("an NSG in another resource group than the listing finds is read by ID", async () => {
    const other = `${NET.replace("ml-platform-rg", "net-rg")}/networkSecurityGroups/shared-nsg`;
    const read = await readParts(["networkSecurityGroups"], (scenario) => {
      const nsg = scenario.resources.find((resource) => resource.id === TRAINING_NSG);
      if (!nsg) throw new Error("the healthy workspace has training-nsg");
      nsg.id = other;
      nsg.name = "shared-nsg";
      const vnet = scenario.resources.find((resource) => resource.type === "Microsoft.Network/virtualNetworks");
      for (const subnet of (vnet?.properties?.subnets ?? []) as Array<{
        properties: { networkSecurityGroup?: { id: string } };
      }>)
        if (subnet.properties.networkSecurityGroup) subnet.properties.networkSecurityGroup.id = other;
    });
    expect(read.kept("Microsoft.Network/networkSecurityGroups")).toEqual(["shared-nsg"]);
    expect(requestsTo(read, /networkSecurityGroups/)).toEqual([NSG_LIST, `GET ${other}`]);
  });
});
