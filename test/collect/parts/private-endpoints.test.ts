import { describe, expect, test } from "vitest";
import { ACR_ID, KV_ID, STORAGE_ID, fault, peId, storage } from "../../checks/mutations.js";
import { readParts, requestsTo } from "./support.js";

const ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints";
const ALL = [
  "pe-ml-research",
  "pe-mlresearchacr",
  "pe-mlresearchstore-blob",
  "pe-mlresearchstore-file",
  "pe-ml-research-kv",
];

describe("the private endpoints reader", () => {
  test("with the dependencies collected: the workspace's endpoints and each dependency's, one GET each", async () => {
    const read = await readParts(["privateEndpoints", "storage", "registry", "keyVault"]);
    expect(read.kept(ENDPOINT_TYPE).sort()).toEqual([...ALL].sort());
    expect(requestsTo(read, /\/privateEndpoints\//).sort()).toEqual(ALL.map((name) => `GET ${peId(name)}`).sort());
    expect(
      read.requests.filter((request) => [STORAGE_ID, ACR_ID, KV_ID].some((id) => request === `GET ${id}`)),
    ).toHaveLength(3);
  });

  test("alone: only the workspace's own endpoints (a dependency not collected is not read for its endpoints)", async () => {
    const read = await readParts(["privateEndpoints"]);
    expect(read.kept(ENDPOINT_TYPE)).toEqual(["pe-ml-research"]);
    expect(requestsTo(read, /storageAccounts|registries|vaults/)).toEqual([]);
  });

  test("a refused endpoint is recorded against privateEndpoints; the others are still read", async () => {
    const read = await readParts(["privateEndpoints", "storage"], (scenario) =>
      fault(scenario, "/privateEndpoints/pe-mlresearchstore-blob$"),
    );
    expect(read.kept(ENDPOINT_TYPE).sort()).toEqual(["pe-ml-research", "pe-mlresearchstore-file"]);
    expect(read.errors("privateEndpoints")).toEqual([
      expect.objectContaining({
        resourceId: peId("pe-mlresearchstore-blob"),
        operation: "private endpoint get",
        statusCode: 403,
      }),
    ]);
  });

  test("a dependency with no endpoint connections adds none", async () => {
    const read = await readParts(["privateEndpoints", "storage"], (scenario) => {
      storage(scenario).properties.privateEndpointConnections = [];
    });
    expect(read.kept(ENDPOINT_TYPE)).toEqual(["pe-ml-research"]);
  });
});
