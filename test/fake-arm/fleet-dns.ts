// The fleet's private DNS: the privatelink.* zones live once, in the connectivity resource group of the
// first subscription, linked to every VNet of the fleet; each private endpoint's zone group puts its
// address in the zones of its group.

import { NETWORK, ref } from "./fleet-wire.js";
import type { ArmResource } from "./scenario.js";

export const CONNECTIVITY_RESOURCE_GROUP = "rg-connectivity";

/** privatelink zone names by private endpoint group. */
const ZONES = {
  amlworkspace: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
  blob: ["privatelink.blob.core.windows.net"],
  file: ["privatelink.file.core.windows.net"],
  registry: ["privatelink.azurecr.io"],
  vault: ["privatelink.vaultcore.azure.net"],
} as const;
export type EndpointGroup = keyof typeof ZONES;
const ALL_ZONES = Object.values(ZONES).flat();

function zoneId(subscriptionId: string, zone: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${CONNECTIVITY_RESOURCE_GROUP}/providers/${NETWORK}/privateDnsZones/${zone}`;
}

/** The `default` zone group of private endpoint `peId`: an A record for `address` in each zone of `groupId`. */
export function dnsZoneGroupResource(
  peId: string,
  peName: string,
  groupId: EndpointGroup,
  address: string,
  dnsSubscriptionId: string,
): ArmResource {
  return {
    id: `${peId}/privateDnsZoneGroups/default`,
    name: "default",
    type: `${NETWORK}/privateEndpoints/privateDnsZoneGroups`,
    properties: {
      provisioningState: "Succeeded",
      privateDnsZoneConfigs: ZONES[groupId].map((zone) => ({
        name: zone.replace(/\./g, "-"),
        properties: {
          privateDnsZoneId: zoneId(dnsSubscriptionId, zone),
          recordSets: [
            { recordType: "A", recordSetName: peName, fqdn: `${peName}.${zone}`, ttl: 10, ipAddresses: [address] },
          ],
        },
      })),
    },
  };
}

/** Central private DNS: each zone once, in `dnsSubscriptionId`, linked to every VNet of the fleet. */
export function addPrivateDns(
  resources: ArmResource[],
  dnsSubscriptionId: string,
  vnetIds: readonly string[],
  workspaceCount: number,
): void {
  for (const zone of ALL_ZONES) {
    const id = zoneId(dnsSubscriptionId, zone);
    resources.push({
      id,
      name: zone,
      type: `${NETWORK}/privateDnsZones`,
      location: "global",
      properties: {
        maxNumberOfRecordSets: 25000,
        numberOfRecordSets: 1 + workspaceCount,
        numberOfVirtualNetworkLinks: vnetIds.length,
        provisioningState: "Succeeded",
      },
    });
    for (const vnetId of vnetIds) {
      // Link names must be unique in the zone: subscription prefix, resource group, VNet.
      const parts = vnetId.split("/");
      const linkName = `${(parts[2] ?? "").slice(0, 8)}-${parts[4]}-${parts[8]}`;
      resources.push({
        id: `${id}/virtualNetworkLinks/${linkName}`,
        name: linkName,
        type: `${NETWORK}/privateDnsZones/virtualNetworkLinks`,
        location: "global",
        properties: {
          virtualNetwork: ref(vnetId),
          registrationEnabled: false,
          virtualNetworkLinkState: "Completed",
          provisioningState: "Succeeded",
        },
      });
    }
  }
}
