import { describe, expect, test } from "vitest";
import { WS_ID } from "../../checks/mutations.js";
import { readParts } from "./support.js";

describe("the diagnose reader", () => {
  test("without --diagnose it sends nothing and records that it was not asked for", async () => {
    const read = await readParts(["diagnose"]);
    expect(read.requests).toEqual([`GET ${WS_ID}`]);
    expect(read.snapshot.diagnose).toEqual({ requested: false });
  });

  test("with --diagnose it posts once, polls the operation and keeps each result", async () => {
    const read = await readParts(["diagnose"], () => {}, { diagnose: { timeoutMs: 10_000 } });
    expect(read.requests.filter((request) => request.startsWith("POST"))).toEqual([`POST ${WS_ID}/diagnose`]);
    expect(read.requests.filter((request) => /operationResults/.test(request))).toHaveLength(2);
    // The healthy workspace's diagnose finds nothing: every category empty.
    expect(read.snapshot.diagnose).toEqual({ requested: true, results: [] });
  });

  test("a refused diagnose is recorded against diagnose, with the action to grant", async () => {
    const read = await readParts(
      ["diagnose"],
      (scenario) => {
        scenario.faults = [{ method: "POST", path: "/diagnose$", status: 403, code: "AuthorizationFailed" }];
      },
      { diagnose: { timeoutMs: 10_000 } },
    );
    expect(read.snapshot.diagnose).toMatchObject({ requested: true, error: { statusCode: 403 } });
    expect(read.errors("diagnose")).toEqual([
      expect.objectContaining({ permission: "Microsoft.MachineLearningServices/workspaces/diagnose/action" }),
    ]);
  });
});
