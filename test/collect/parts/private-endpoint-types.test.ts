import { describe, expect, test } from "vitest";
import { HEALTHY } from "../../harness.js";
import { fault } from "../../checks/mutations.js";
import { readParts, requestsTo } from "./support.js";

const TYPES = `GET /subscriptions/${HEALTHY.subscriptionId}/providers/Microsoft.Network/locations/westeurope/availablePrivateEndpointTypes`;

describe("the private endpoint types reader", () => {
  test("asks once per region its endpoints are in, whatever the spelling", async () => {
    const read = await readParts(["privateEndpointTypes", "storage", "registry", "keyVault"]);
    expect(requestsTo(read, /availablePrivateEndpointTypes/)).toEqual([TYPES]);
    expect(Object.keys(read.snapshot.privateEndpointTypes)).toEqual(["westeurope"]);
    expect(read.snapshot.privateEndpointTypes.westeurope).toEqual(
      expect.arrayContaining(["Microsoft.Storage/storageAccounts", "Microsoft.ContainerRegistry/registries"]),
    );
  });

  test("implies the private endpoints", async () => {
    const read = await readParts(["privateEndpointTypes"]);
    expect(read.snapshot.parts).toContain("privateEndpoints");
    expect(requestsTo(read, /availablePrivateEndpointTypes/)).toEqual([TYPES]);
  });

  test("a refused list is recorded once against privateEndpointTypes, and the region has no types", async () => {
    const read = await readParts(["privateEndpointTypes", "storage"], (scenario) =>
      fault(scenario, "/availablePrivateEndpointTypes$"),
    );
    expect(read.errors("privateEndpointTypes")).toEqual([
      expect.objectContaining({
        statusCode: 403,
        permission: "Microsoft.Network/locations/availablePrivateEndpointTypes/read",
      }),
    ]);
    expect(read.snapshot.privateEndpointTypes).toEqual({});
  });
});
