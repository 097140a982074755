import { describe, expect, test } from "vitest";
import { NET, fault, peId } from "../../checks/mutations.js";
import type { PartName } from "../../../src/snapshot/types.js";
import { readParts, requestsTo } from "./support.js";

const ZONES = [
  "privatelink.api.azureml.ms",
  "privatelink.azurecr.io",
  "privatelink.blob.core.windows.net",
  "privatelink.file.core.windows.net",
  "privatelink.notebooks.azure.net",
  "privatelink.vaultcore.azure.net",
];

/** As private-dns asks: the dependencies too, whose endpoints' zones it reads. */
const WITH_DEPENDENCIES: PartName[] = ["privateDns", "storage", "registry", "keyVault"];

describe("the private DNS reader", () => {
  test("without the dependencies, only the workspace's own endpoint's zones", async () => {
    const read = await readParts(["privateDns"]);
    expect(requestsTo(read, /privateDnsZoneGroups$/)).toEqual([`GET ${peId("pe-ml-research")}/privateDnsZoneGroups`]);
    expect(read.kept("Microsoft.Network/privateDnsZones").sort()).toEqual([
      "privatelink.api.azureml.ms",
      "privatelink.notebooks.azure.net",
    ]);
  });

  test("lists every endpoint's zone groups and reads each zone and its links once", async () => {
    const read = await readParts(WITH_DEPENDENCIES);
    expect(requestsTo(read, /privateDnsZoneGroups$/)).toHaveLength(5);
    expect(read.kept("Microsoft.Network/privateDnsZones").sort()).toEqual(ZONES);
    expect(requestsTo(read, /\/privateDnsZones\/[^/]+$/)).toHaveLength(ZONES.length);
    expect(requestsTo(read, /virtualNetworkLinks$/)).toHaveLength(ZONES.length);
    expect(read.snapshot.parts).toEqual(expect.arrayContaining(["privateEndpoints", "computes", "virtualNetworks"]));
  });

  test("a refused zone-group list is recorded against privateDns; the other endpoints' zones are still read", async () => {
    const read = await readParts(WITH_DEPENDENCIES, (scenario) =>
      fault(scenario, "/privateEndpoints/pe-ml-research/privateDnsZoneGroups$"),
    );
    expect(read.errors("privateDns")).toEqual([
      expect.objectContaining({
        resourceId: `${peId("pe-ml-research")}/privateDnsZoneGroups`,
        permission: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read",
      }),
    ]);
    expect(read.kept("Microsoft.Network/privateDnsZones")).toContain("privatelink.blob.core.windows.net");
    expect(read.kept("Microsoft.Network/privateDnsZones")).not.toContain("privatelink.api.azureml.ms");
  });

  test("a missing zone is a 404 recorded against privateDns (the check then says the zone does not exist)", async () => {
    const read = await readParts(WITH_DEPENDENCIES, (scenario) => {
      scenario.resources = scenario.resources.filter(
        (resource) =>
          !resource.id.toLowerCase().startsWith(`${NET}/privateDnsZones/privatelink.azurecr.io`.toLowerCase()),
      );
    });
    expect(read.errors("privateDns")).toEqual([
      expect.objectContaining({ resourceId: `${NET}/privateDnsZones/privatelink.azurecr.io`, statusCode: 404 }),
      expect.objectContaining({
        resourceId: `${NET}/privateDnsZones/privatelink.azurecr.io/virtualNetworkLinks`,
        statusCode: 404,
      }),
    ]);
  });
});
