import { describe, expect, test } from "vitest";
import { ACR_ID, STORAGE_ID, WS_ID, registry, storage, workspace } from "../../checks/mutations.js";
import { readParts } from "./support.js";

const POSTS = /^POST /;

describe("the keys reader", () => {
  test("lists the workspace's keys, then the storage account's and (admin user on) the registry's, and compares them", async () => {
    const read = await readParts(["keys", "storage", "registry"], (scenario) => {
      registry(scenario).properties.adminUserEnabled = true;
    });
    expect(read.requests.filter((request) => POSTS.test(request)).sort()).toEqual(
      [`POST ${WS_ID}/listKeys`, `POST ${STORAGE_ID}/listKeys`, `POST ${ACR_ID}/listCredentials`].sort(),
    );
    expect(read.snapshot.keys?.storage).toMatchObject({ outcome: "match", resourceId: STORAGE_ID });
    expect(read.snapshot.keys?.registry.resourceId).toBe(ACR_ID);
    // Compared in memory: nothing secret is kept.
    expect(JSON.stringify(read.snapshot)).not.toMatch(
      /"(userStorageKey|value)":\s*"(?!\[redacted\])[A-Za-z0-9+/=]{20,}"/,
    );
  });

  test("the registry's credentials are not asked for when its admin user is off", async () => {
    const read = await readParts(["keys", "storage", "registry"], (scenario) => {
      registry(scenario).properties.adminUserEnabled = false;
    });
    expect(read.requests.filter((request) => /listCredentials$/.test(request))).toEqual([]);
    expect(read.snapshot.keys?.registry).toMatchObject({ outcome: "not-applicable" });
  });

  test("a refused workspace listKeys makes both comparisons unknown and asks for no other key", async () => {
    const read = await readParts(["keys", "storage", "registry"], (scenario) => {
      scenario.faults = [
        { method: "POST", path: "/workspaces/ml-research/listKeys$", status: 403, code: "AuthorizationFailed" },
      ];
    });
    expect(read.requests.filter((request) => POSTS.test(request))).toEqual([`POST ${WS_ID}/listKeys`]);
    // The comparison is of the storage account; the read that failed, the workspace's.
    expect(read.snapshot.keys?.storage).toMatchObject({
      outcome: "unknown",
      resourceId: STORAGE_ID,
      reason:
        "workspace listKeys failed (403 AuthorizationFailed; needs Microsoft.MachineLearningServices/workspaces/listKeys/action)",
      error: {
        resourceId: WS_ID,
        operation: "workspace listKeys",
        statusCode: 403,
        code: "AuthorizationFailed",
        permission: "Microsoft.MachineLearningServices/workspaces/listKeys/action",
      },
    });
    expect(read.errors("keys")).toEqual([
      expect.objectContaining({ operation: "workspace listKeys", statusCode: 403 }),
    ]);
  });

  test("no storage listKeys where shared-key access is off: the workspace uses identity, nothing to compare", async () => {
    const sharedKeyOff = await readParts(["keys", "storage", "registry"], (scenario) => {
      storage(scenario).properties.allowSharedKeyAccess = false;
      registry(scenario).properties.adminUserEnabled = true;
    });
    expect(sharedKeyOff.requests.filter((request) => POSTS.test(request)).sort()).toEqual(
      [`POST ${WS_ID}/listKeys`, `POST ${ACR_ID}/listCredentials`].sort(),
    );
    expect(sharedKeyOff.snapshot.keys?.storage).toMatchObject({
      outcome: "not-applicable",
      resourceId: STORAGE_ID,
      reason: expect.stringContaining("allowSharedKeyAccess false") as string,
    });
    expect(sharedKeyOff.snapshot.keys?.registry).toMatchObject({ outcome: "match" });
  });

  test("identity datastores (systemDatastoresAuthMode identity) still have their storage key compared", async () => {
    const identity = await readParts(["keys", "storage", "registry"], (scenario) => {
      workspace(scenario).properties.systemDatastoresAuthMode = "identity";
    });
    expect(identity.requests).toContain(`POST ${STORAGE_ID}/listKeys`);
    expect(identity.snapshot.keys?.storage).toMatchObject({ outcome: "match" });
  });

  test("--no-keys sends no POST and says why nothing was compared", async () => {
    const read = await readParts(["keys", "storage", "registry"], () => {}, { readKeys: false });
    expect(read.requests.filter((request) => POSTS.test(request))).toEqual([]);
    expect(read.snapshot.keys?.storage).toEqual({
      outcome: "not-applicable",
      reason: "keys were not read (--no-keys)",
    });
  });
});
