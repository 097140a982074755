import { describe, expect, test } from "vitest";
import { WS_ID, fault } from "../../checks/mutations.js";
import { readParts } from "./support.js";

describe("the computes reader", () => {
  test("lists the workspace's computes once and keeps each", async () => {
    const read = await readParts(["computes"]);
    expect(read.requests).toEqual([`GET ${WS_ID}`, `GET ${WS_ID}/computes`]);
    expect(read.kept("Microsoft.MachineLearningServices/workspaces/computes").sort()).toEqual([
      "ci-alice",
      "cpu-build",
      "gpu-train",
    ]);
  });

  test("a refused list is recorded against computes, with the permission to grant", async () => {
    const read = await readParts(["computes"], (scenario) => fault(scenario, "/computes$"));
    expect(read.kept("Microsoft.MachineLearningServices/workspaces/computes")).toEqual([]);
    expect(read.errors("computes")).toEqual([
      expect.objectContaining({
        resourceId: `${WS_ID}/computes`,
        operation: "computes list",
        statusCode: 403,
        permission: "Microsoft.MachineLearningServices/workspaces/computes/read",
      }),
    ]);
  });

  test("a list over several pages is read whole", async () => {
    const read = await readParts(["computes"], () => {}, { pageSize: 1 });
    expect(read.kept("Microsoft.MachineLearningServices/workspaces/computes")).toHaveLength(3);
    expect(read.requests.filter((request) => request.endsWith("/computes"))).toHaveLength(3);
  });
});
