// reachDependency's virtual-network-rule path: a rule naming the compute subnet admits it only through
// a service endpoint that carries the subnet's identity
// (learn.microsoft.com/azure/storage/common/storage-network-security,
// learn.microsoft.com/azure/key-vault/general/network-security); a rule not in effect admits nothing.

import { describe, expect, it } from "vitest";
import { reachDependency, type ReachContext } from "../../src/net/reachability.js";
import { computeView, storageAccessView, type NetworkAccessView } from "../../src/snapshot/model.js";
import { virtualNetworkView, type VirtualNetworkView } from "../../src/snapshot/network-views.js";
import type { Lookup } from "../../src/snapshot/types.js";

const RG = "/subscriptions/S/resourceGroups/rg/providers";
const VNET = `${RG}/Microsoft.Network/virtualNetworks/vnet`;
const SUBNET = `${VNET}/subnets/compute`;
const STORAGE = `${RG}/Microsoft.Storage/storageAccounts/st`;
const VAULT = `${RG}/Microsoft.KeyVault/vaults/kv`;
const REGISTRY = `${RG}/Microsoft.ContainerRegistry/registries/acr`;

const compute = computeView({
  id: `${RG}/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu`,
  name: "cpu",
  properties: { computeType: "AmlCompute", properties: { subnet: { id: SUBNET } } },
});

/** A resource that admits the compute subnet by a virtual-network rule only. */
function ruleOnly(id: string, location = "westeurope", rule: Record<string, unknown> = {}): NetworkAccessView {
  return storageAccessView({
    id,
    location,
    properties: {
      publicNetworkAccess: "Enabled",
      networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: SUBNET, action: "Allow", ...rule }] },
    },
  });
}

function context(serviceEndpoints: unknown[] | "unreadable", vnetLocation = "westeurope"): ReachContext {
  const vnet: Lookup<VirtualNetworkView> =
    serviceEndpoints === "unreadable"
      ? { ok: false, reason: "the virtual network could not be read (403)" }
      : {
          ok: true,
          value: virtualNetworkView({
            id: VNET,
            location: vnetLocation,
            properties: {
              addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
              subnets: [
                { id: SUBNET, name: "compute", properties: { addressPrefix: "10.0.1.0/24", serviceEndpoints } },
              ],
            },
          }),
        };
  return {
    privateEndpoints: () => ({ ok: false, reason: "not collected" }),
    virtualNetworks: () => vnet,
    managedNetwork: false,
  };
}

const endpoint = (service: string, locations?: string[], provisioningState = "Succeeded") => ({
  service,
  ...(locations ? { locations } : {}),
  provisioningState,
});

describe("reachDependency: a virtual-network rule needs the subnet's service endpoint", () => {
  it.each([
    [
      "Microsoft.Storage for the account's region",
      STORAGE,
      "westeurope",
      [endpoint("Microsoft.Storage", ["westeurope", "northeurope"])],
    ],
    [
      "Microsoft.Storage for the pair ARM lists",
      STORAGE,
      "northeurope",
      [endpoint("Microsoft.Storage", ["westeurope", "northeurope"])],
    ],
    ["Microsoft.Storage.Global for any region", STORAGE, "eastus", [endpoint("Microsoft.Storage.Global", ["*"])]],
    [
      "Microsoft.Storage with no regions, same region as the VNet",
      STORAGE,
      "westeurope",
      [endpoint("Microsoft.Storage")],
    ],
    ["Microsoft.KeyVault for a key vault", VAULT, "westeurope", [endpoint("Microsoft.KeyVault", ["*"])]],
    ["a registry's rule, taken at its word (no service table entry)", REGISTRY, "westeurope", []],
  ])("reachable: %s", (_name, id, location, endpoints) => {
    const reach = reachDependency(compute, ruleOnly(id, location), context(endpoints));
    expect(reach).toMatchObject({ status: "reachable", path: "service-endpoint" });
    expect(reach.serviceEndpointGap).toBeUndefined();
  });

  it.each([
    ["no endpoint at all", STORAGE, "westeurope", [], ["Microsoft.Storage"]],
    [
      "only another service's endpoint, which is kept",
      STORAGE,
      "westeurope",
      [endpoint("Microsoft.Sql")],
      ["Microsoft.Sql", "Microsoft.Storage"],
    ],
    [
      "Microsoft.Storage in state Failed",
      STORAGE,
      "westeurope",
      [endpoint("Microsoft.Storage", ["westeurope"], "Failed")],
      ["Microsoft.Storage"],
    ],
    [
      "Microsoft.Storage serving other regions: the global one replaces it",
      STORAGE,
      "eastus",
      [endpoint("Microsoft.Storage", ["westeurope", "northeurope"])],
      ["Microsoft.Storage.Global"],
    ],
    [
      "a key vault without Microsoft.KeyVault",
      VAULT,
      "westeurope",
      [endpoint("Microsoft.Storage", ["westeurope"])],
      ["Microsoft.Storage", "Microsoft.KeyVault"],
    ],
  ])("unreachable (403): %s", (_name, id, location, endpoints, wanted) => {
    const reach = reachDependency(compute, ruleOnly(id, location), context(endpoints));
    expect(reach).toMatchObject({ status: "unreachable", path: "service-endpoint" });
    expect(reach.serviceEndpointGap).toMatchObject({ subnetId: SUBNET, wanted });
    expect(reach.reason).toMatch(/403/);
  });

  it.each([
    ["Microsoft.Storage names no regions and the account is elsewhere", [endpoint("Microsoft.Storage")], "westeurope"],
    ["the endpoint is still Updating", [endpoint("Microsoft.Storage", ["westeurope"], "Updating")], "westeurope"],
    ["the compute VNet cannot be read", "unreadable" as const, "westeurope"],
  ])("unknown: %s", (_name, endpoints, vnetLocation) => {
    const reach = reachDependency(compute, ruleOnly(STORAGE, "northeurope"), context(endpoints, vnetLocation));
    expect(reach.status).toBe("unknown");
  });

  it("unknown with the failed read named, so the remediation can grant it", () => {
    const reach = reachDependency(compute, ruleOnly(STORAGE), context("unreadable"));
    expect(reach.unresolved).toEqual([expect.objectContaining({ resourceId: VNET })]);
  });

  it.each(["NetworkSourceDeleted", "Failed", "Provisioning"])(
    "a rule in state %s admits nothing, and says so",
    (state) => {
      const dependency = ruleOnly(STORAGE, "westeurope", { state });
      expect(dependency.subnetRules).toEqual([]);
      expect(dependency.inactiveSubnetRules).toEqual([{ id: SUBNET, state }]);
      const reach = reachDependency(compute, dependency, context([endpoint("Microsoft.Storage", ["westeurope"])]));
      expect(reach).toMatchObject({
        status: "unreachable",
        evidence: { inactiveVirtualNetworkRules: [{ id: SUBNET, state }] },
      });
      expect(reach.reason).toContain(state);
    },
  );
});
