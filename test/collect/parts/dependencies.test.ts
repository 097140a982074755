// The storage, registry and key-vault readers (src/collect/parts/storage.ts, registry.ts, key-vault.ts).
import { describe, expect, test } from "vitest";
import { ACR_ID, KV_ID, STORAGE_ID, fault, workspace } from "../../checks/mutations.js";
import { readParts } from "./support.js";

const CASES = [
  { part: "storage", id: STORAGE_ID, type: "Microsoft.Storage/storageAccounts", property: "storageAccount" },
  { part: "registry", id: ACR_ID, type: "Microsoft.ContainerRegistry/registries", property: "containerRegistry" },
  { part: "keyVault", id: KV_ID, type: "Microsoft.KeyVault/vaults", property: "keyVault" },
] as const;

describe.each(CASES)("the $part reader", ({ part, id, type, property }) => {
  test("reads the resource the workspace names, once, and only it", async () => {
    const read = await readParts([part]);
    expect(read.requests.filter((request) => request !== `GET ${read.snapshot.target.workspaceId}`)).toEqual([
      `GET ${id}`,
    ]);
    expect(read.kept(type)).toEqual([id.split("/").pop()]);
    expect(read.snapshot.errors).toEqual([]);
  });

  test("a refused read is recorded against the part, with the permission to grant", async () => {
    const read = await readParts([part], (scenario) => fault(scenario, `/${id.split("/").slice(-2).join("/")}$`));
    expect(read.kept(type)).toEqual([]);
    expect(read.errors(part)).toEqual([
      expect.objectContaining({
        resourceId: id,
        statusCode: 403,
        code: "AuthorizationFailed",
        permission: expect.stringMatching(/\/read$/),
      }),
    ]);
  });

  test("a workspace that names none reads nothing more", async () => {
    const read = await readParts([part], (scenario) => {
      delete workspace(scenario).properties[property];
    });
    expect(read.requests).toEqual([`GET ${read.snapshot.target.workspaceId}`]);
    expect(read.snapshot.errors).toEqual([]);
  });
});
