import { describe, expect, test } from "vitest";
import { PreflightError } from "../../../src/core/errors.js";
import { fault, WS_ID } from "../../checks/mutations.js";
import { HEALTHY } from "../../harness.js";
import { readParts } from "./support.js";

describe("the workspace reader", () => {
  test("reads the workspace alone when nothing else is asked for", async () => {
    const read = await readParts([]);
    expect(read.requests).toEqual([`GET ${WS_ID}`]);
    expect(read.snapshot.parts).toEqual(["workspace"]);
    expect(read.snapshot.target).toMatchObject({
      workspaceId: WS_ID,
      workspace: HEALTHY.workspace,
      location: "westeurope",
    });
  });

  test("without --resource-group, lists the subscription's workspaces first", async () => {
    const read = await readParts([], () => {}, { workspace: { resourceGroup: undefined } });
    expect(read.requests).toEqual([
      `GET /subscriptions/${HEALTHY.subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`,
      `GET ${WS_ID}`,
    ]);
    expect(read.snapshot.target.resourceGroup).toBe(HEALTHY.resourceGroup);
  });

  test("a workspace that cannot be read ends the run with one line naming the permission, and nothing else is read", async () => {
    const attempt = readParts(["storage", "computes", "keys"], (scenario) =>
      fault(scenario, "/workspaces/ml-research$"),
    );
    await expect(attempt).rejects.toThrow(PreflightError);
    await expect(attempt).rejects.toThrow(
      /not allowed to read the workspace .*Microsoft\.MachineLearningServices\/workspaces\/read/,
    );
  });

  test("a workspace that does not exist says which flags to check", async () => {
    const attempt = readParts([], () => {}, { workspace: { name: "no-such-ws" } });
    await expect(attempt).rejects.toThrow(
      /workspace not found: .*no-such-ws .*check --workspace, --resource-group and --subscription/,
    );
  });
});
