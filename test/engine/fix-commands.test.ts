// Each fix command the plan may print: its az line spells out every value (Azure's defaults decide
// nothing), and applying it to a snapshot changes exactly what Azure would change, and nothing else.

import { beforeAll, describe, expect, test } from "vitest";
import { applyFix, azLine, type FixCommand } from "../../src/engine/fixes/commands.js";
import type { RawResource, Snapshot } from "../../src/snapshot/types.js";
import { ACR_ID, KV_ID, STORAGE_ID, TRAINING, TRAINING_NSG, VNET_ID, WS_ID } from "../checks/mutations.js";
import { auditScenario, demoScenario } from "../harness.js";

let base: Snapshot;
beforeAll(async () => {
  base = (await auditScenario(demoScenario(), { now: "2026-11-25T05:00:00.000Z" })).snapshot;
});

const ZONE = `${VNET_ID.split("/virtualNetworks/")[0]}/privateDnsZones/privatelink.azurecr.io`;

function resourceOf(snapshot: Snapshot, id: string): Record<string, any> {
  const found = snapshot.resources.find((resource) => String(resource.id).toLowerCase() === id.toLowerCase());
  if (!found) throw new Error(`no ${id}`);
  return found as Record<string, any>;
}

/** The resources a command changed, by ID (the others must be the very same objects). */
function changed(before: Snapshot, after: Snapshot): string[] {
  return after.resources
    .filter((resource, index) => resource !== before.resources[index])
    .map((resource: RawResource) => String(resource.id));
}

describe("fix commands", () => {
  test("nsg-rule-priority: moves the rule, copies only the NSG", () => {
    const command: FixCommand = {
      kind: "nsg-rule-priority",
      nsgId: TRAINING_NSG,
      rule: "DenyInternetOut",
      priority: 150,
    };
    expect(azLine(command)).toBe(
      `az network nsg rule update -g ml-platform-rg --subscription ${WS_ID.split("/")[2]} --nsg-name training-nsg -n DenyInternetOut --priority 150`,
    );
    const after = applyFix(base, command);
    const rule = resourceOf(after, TRAINING_NSG).properties.securityRules.find(
      (entry: any) => entry.name === "DenyInternetOut",
    );
    expect(rule.properties.priority).toBe(150);
    expect(changed(base, after)).toEqual([TRAINING_NSG]);
    // The original is untouched.
    expect(
      resourceOf(base, TRAINING_NSG).properties.securityRules.find((entry: any) => entry.name === "DenyInternetOut")
        .properties.priority,
    ).toBe(105);
  });

  test("nsg-rule-create: every field given, one service tag, the ports together", () => {
    const command: FixCommand = {
      kind: "nsg-rule-create",
      nsgId: TRAINING_NSG,
      name: "Allow-AzureMachineLearning-Tcp-Out",
      priority: 106,
      direction: "Outbound",
      protocol: "Tcp",
      sourcePrefixes: ["10.20.1.0/24"],
      destinationPrefix: "AzureMachineLearning",
      ports: ["443", "18881"],
    };
    expect(azLine(command)).toMatch(
      /--priority 106 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes 10\.20\.1\.0\/24 --source-port-ranges '\*' --destination-address-prefixes AzureMachineLearning --destination-port-ranges 443 18881$/,
    );
    const rules = resourceOf(applyFix(base, command), TRAINING_NSG).properties.securityRules;
    expect(rules.at(-1)).toMatchObject({
      name: "Allow-AzureMachineLearning-Tcp-Out",
      properties: {
        priority: 106,
        access: "Allow",
        destinationAddressPrefix: "AzureMachineLearning",
        destinationPortRanges: ["443", "18881"],
      },
    });
  });

  test("image-build-compute and sync-keys", () => {
    const named = applyFix(base, { kind: "image-build-compute", workspaceId: WS_ID, compute: "cpu-build" });
    expect(resourceOf(named, WS_ID).properties.imageBuildCompute).toBe("cpu-build");
    expect(azLine({ kind: "sync-keys", workspaceId: WS_ID })).toMatch(
      /^az ml workspace sync-keys -n ml-research -g ml-platform-rg /,
    );
    expect(base.keys?.storage.outcome).toBe("mismatch");
    const synced = applyFix(base, { kind: "sync-keys", workspaceId: WS_ID });
    expect(synced.keys?.storage.outcome).toBe("match");
    expect(synced.keys?.registry).toEqual(base.keys?.registry);
  });

  test("dns-zone-link: a completed link to the VNet, registration off", () => {
    const command: FixCommand = { kind: "dns-zone-link", zoneId: ZONE, vnetId: VNET_ID, name: "ml-vnet-link-2" };
    expect(azLine(command)).toMatch(
      /az network private-dns link vnet create .* -z privatelink\.azurecr\.io -n ml-vnet-link-2 -v .*\/virtualNetworks\/ml-vnet -e false$/,
    );
    const after = applyFix(base, command);
    expect(after.resources.length).toBe(base.resources.length + 1);
    expect(after.resources.at(-1)).toMatchObject({
      properties: { virtualNetwork: { id: VNET_ID }, virtualNetworkLinkState: "Completed" },
    });
  });

  test("storage and registry settings", () => {
    const bypass = applyFix(base, {
      kind: "storage-bypass",
      storageId: STORAGE_ID,
      bypass: ["Logging", "AzureServices"],
    });
    expect(resourceOf(bypass, STORAGE_ID).properties.networkAcls.bypass).toBe("Logging, AzureServices");
    expect(azLine({ kind: "storage-bypass", storageId: STORAGE_ID, bypass: ["Logging", "AzureServices"] })).toMatch(
      /--bypass Logging AzureServices$/,
    );
    expect(
      resourceOf(applyFix(base, { kind: "registry-trusted-services", registryId: ACR_ID }), ACR_ID).properties
        .networkRuleBypassOptions,
    ).toBe("AzureServices");
    expect(resourceOf(applyFix(base, { kind: "registry-premium", registryId: ACR_ID }), ACR_ID).sku).toEqual({
      name: "Premium",
      tier: "Premium",
    });
    const quarantine = applyFix(base, { kind: "registry-quarantine-off", registryId: ACR_ID });
    expect(resourceOf(quarantine, ACR_ID).properties.policies.quarantinePolicy.status).toBe("disabled");
    expect(azLine({ kind: "registry-quarantine-off", registryId: ACR_ID })).toBe(
      `az resource update --ids ${ACR_ID} --set properties.policies.quarantinePolicy.status=disabled`,
    );
  });

  test("subnet-service-endpoints and storage-subnet-rule", () => {
    const endpoints = applyFix(base, {
      kind: "subnet-service-endpoints",
      subnetId: TRAINING,
      services: ["Microsoft.Storage"],
    });
    const subnet = resourceOf(endpoints, VNET_ID).properties.subnets.find(
      (entry: any) => entry.id.toLowerCase() === TRAINING.toLowerCase(),
    );
    expect(subnet.properties.serviceEndpoints.map((entry: any) => entry.service)).toContain("Microsoft.Storage");
    // `--service-endpoints` replaces the list, as az does: what the command does not name is gone, what it
    // names and the subnet had keeps its locations.
    const replaced = applyFix(endpoints, {
      kind: "subnet-service-endpoints",
      subnetId: TRAINING,
      services: ["Microsoft.KeyVault", "Microsoft.Storage"],
    });
    const after = resourceOf(replaced, VNET_ID).properties.subnets.find(
      (entry: any) => entry.id.toLowerCase() === TRAINING.toLowerCase(),
    );
    expect(after.properties.serviceEndpoints).toEqual([
      { service: "Microsoft.KeyVault", locations: ["*"], provisioningState: "Succeeded" },
      subnet.properties.serviceEndpoints.find((entry: any) => entry.service === "Microsoft.Storage"),
    ]);
    const rule = applyFix(base, { kind: "storage-subnet-rule", storageId: STORAGE_ID, subnetId: TRAINING });
    expect(resourceOf(rule, STORAGE_ID).properties.networkAcls.virtualNetworkRules).toContainEqual({
      id: TRAINING,
      action: "Allow",
      state: "Succeeded",
    });
    expect(azLine({ kind: "subnet-service-endpoints", subnetId: TRAINING, services: ["Microsoft.Storage"] })).toMatch(
      /az network vnet subnet update -g ml-platform-rg .* --vnet-name ml-vnet -n training --service-endpoints Microsoft\.Storage$/,
    );
  });

  test("route-create: a route to Internet for a service tag, beside the table's others", () => {
    const table = `${VNET_ID.split("/virtualNetworks/")[0]}/routeTables/training-rt`;
    const command: FixCommand = {
      kind: "route-create",
      routeTableId: table,
      name: "AzureMachineLearning-Internet",
      addressPrefix: "AzureMachineLearning",
      nextHopType: "Internet",
    };
    expect(azLine(command)).toBe(
      "az network route-table route create -g ml-platform-rg --subscription 6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7 --route-table-name training-rt -n AzureMachineLearning-Internet --address-prefix AzureMachineLearning --next-hop-type Internet",
    );
    const before = resourceOf(base, table).properties.routes as unknown[];
    const after = applyFix(base, command);
    expect(changed(base, after)).toEqual([table]);
    const routes = resourceOf(after, table).properties.routes as Array<{
      name: string;
      properties: Record<string, unknown>;
    }>;
    expect(routes.slice(0, -1)).toEqual(before);
    expect(routes.at(-1)).toMatchObject({
      name: "AzureMachineLearning-Internet",
      properties: { addressPrefix: "AzureMachineLearning", nextHopType: "Internet" },
    });
  });

  test("a command on a resource the snapshot does not hold changes nothing", () => {
    const after = applyFix(base, { kind: "registry-premium", registryId: KV_ID.replace("ml-research-kv", "nowhere") });
    expect(changed(base, after)).toEqual([]);
  });
});
