// The per-resource-group network of a generated fleet: each resource group holds one VNet (shared
// "training" compute subnet, one "private-endpoints" subnet, per-workspace subnets for some workspaces),
// one NSG, one route table and one NAT gateway, all shared by its workspaces; and, when a planted
// private-endpoint-region failure needs one, a DR VNet peered with it (peering Connected both ways).

import { NETWORK, nameOf, ref } from "./fleet-wire.js";
import type { ArmResource } from "./scenario.js";

/** The regions workspaces live in, alternating by resource group. */
const FLEET_REGIONS = ["westeurope", "northeurope"] as const;
/**
 * Where a planted private-endpoint-region failure puts a key vault's endpoint: a DR VNet in a region whose
 * availablePrivateEndpointTypes (in this fleet) does not list key vaults.
 */
export const DR_REGION = "swedencentral";

const titleCase = (region: string) =>
  region === "westeurope" ? "WestEurope" : region === "northeurope" ? "NorthEurope" : region;

function securityRule(
  nsgId: string,
  name: string,
  priority: number,
  direction: string,
  access: string,
  protocol: string,
  source: string,
  destination: string,
  port: string,
) {
  return {
    id: `${nsgId}/securityRules/${name}`,
    name,
    type: `${NETWORK}/networkSecurityGroups/securityRules`,
    properties: {
      priority,
      direction,
      access,
      protocol,
      sourceAddressPrefix: source,
      sourcePortRange: "*",
      destinationAddressPrefix: destination,
      destinationPortRange: port,
      provisioningState: "Succeeded",
    },
  };
}

/** The healthy example's compute-subnet rules, with the region's MCR tag; `denyMcr` adds a lockdown rule ahead of them. */
export function nsgResource(nsgId: string, region: string, subnetIds: string[], denyMcr: boolean): ArmResource {
  const rules = [
    securityRule(nsgId, "AllowAzureMLInbound", 100, "Inbound", "Allow", "Tcp", "AzureMachineLearning", "*", "44224"),
    ...(denyMcr
      ? [
          securityRule(
            nsgId,
            "DenyContainerRegistryOut",
            90,
            "Outbound",
            "Deny",
            "Tcp",
            "VirtualNetwork",
            "MicrosoftContainerRegistry",
            "443",
          ),
        ]
      : []),
    securityRule(
      nsgId,
      "AllowContainerRegistryOut",
      100,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      `MicrosoftContainerRegistry.${titleCase(region)}`,
      "443",
    ),
    securityRule(
      nsgId,
      "AllowFrontDoorFirstPartyOut",
      110,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      "AzureFrontDoor.FirstParty",
      "443",
    ),
    securityRule(nsgId, "AllowAzureCloudOut", 120, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureCloud", "443"),
    securityRule(
      nsgId,
      "AllowAzureMLServiceOut",
      130,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      "AzureMachineLearning",
      "18881",
    ),
    securityRule(
      nsgId,
      "AllowAzureMLUdpOut",
      140,
      "Outbound",
      "Allow",
      "Udp",
      "VirtualNetwork",
      "AzureMachineLearning",
      "5831",
    ),
    securityRule(nsgId, "DenyInternetOut", 4000, "Outbound", "Deny", "*", "VirtualNetwork", "Internet", "*"),
  ];
  return {
    id: nsgId,
    name: nameOf(nsgId),
    type: `${NETWORK}/networkSecurityGroups`,
    location: region,
    properties: { provisioningState: "Succeeded", securityRules: rules, subnets: subnetIds.map(ref) },
  };
}

interface Subnet {
  id: string;
  prefix: string;
  nsgId?: string;
  /** A compute subnet: service endpoint for storage, NAT gateway egress, the RG's route table. */
  compute: boolean;
}

function subnetEntry(subnet: Subnet, group: ResourceGroupPlan) {
  const properties: Record<string, unknown> = { addressPrefix: subnet.prefix };
  if (subnet.nsgId) properties.networkSecurityGroup = ref(subnet.nsgId);
  if (subnet.compute) properties.serviceEndpoints = [{ service: "Microsoft.Storage", locations: [group.region] }];
  properties.privateEndpointNetworkPolicies = "Disabled";
  properties.provisioningState = "Succeeded";
  if (subnet.compute) {
    properties.natGateway = ref(group.natGatewayId);
    properties.defaultOutboundAccess = false;
    properties.routeTable = ref(group.routeTableId);
  }
  return { id: subnet.id, name: nameOf(subnet.id), type: `${NETWORK}/virtualNetworks/subnets`, properties };
}

export interface ResourceGroupPlan {
  subscriptionId: string;
  subscriptionIndex: number;
  name: string;
  id: string;
  region: string;
  /** Second octet of the VNet's 10.x.0.0/16. */
  octet: number;
  vnetId: string;
  trainingSubnetId: string;
  endpointSubnetId: string;
  nsgId: string;
  routeTableId: string;
  natGatewayId: string;
  /** Subnets beyond training and private-endpoints, in order of creation. */
  extraSubnets: Subnet[];
  /** Compute subnets on the shared NSG, route table and NAT gateway. */
  sharedNsgSubnets: string[];
  computeSubnets: string[];
  endpointCount: number;
  /** The DR VNet for planted key vault endpoints, made when first needed. */
  drVnet?: { id: string; subnetId: string; prefix: string; endpointCount: number };
}

/** The resource groups of every subscription, in order, with their network's IDs; nothing in them yet. */
export function planResourceGroups(
  subscriptionIds: readonly string[],
  groupsPerSubscription: number,
): ResourceGroupPlan[] {
  const groups: ResourceGroupPlan[] = [];
  for (let s = 0; s < subscriptionIds.length; s++) {
    for (let r = 0; r < groupsPerSubscription; r++) {
      const subscriptionId = subscriptionIds[s] as string;
      const region = FLEET_REGIONS[r % FLEET_REGIONS.length] as string;
      const name = `rg-ml-${region === "westeurope" ? "weu" : "neu"}-${String(r + 1).padStart(2, "0")}`;
      const id = `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
      const net = `${id}/providers/${NETWORK}`;
      const vnetId = `${net}/virtualNetworks/vnet-ml-${r + 1}`;
      groups.push({
        subscriptionId,
        subscriptionIndex: s,
        name,
        id,
        region,
        octet: groups.length % 256,
        vnetId,
        trainingSubnetId: `${vnetId}/subnets/training`,
        endpointSubnetId: `${vnetId}/subnets/private-endpoints`,
        nsgId: `${net}/networkSecurityGroups/nsg-ml-compute`,
        routeTableId: `${net}/routeTables/rt-ml-compute`,
        natGatewayId: `${net}/natGateways/nat-ml`,
        extraSubnets: [],
        sharedNsgSubnets: [`${vnetId}/subnets/training`],
        computeSubnets: [`${vnetId}/subnets/training`],
        endpointCount: 0,
      });
    }
  }
  return groups;
}

/** A compute subnet of the workspace `name` (its name plus `suffix`) in the group's VNet, on `nsgId`; its ID. */
export function addComputeSubnet(group: ResourceGroupPlan, name: string, suffix: string, nsgId: string): string {
  const slot = group.extraSubnets.length % 512;
  const subnet: Subnet = {
    id: `${group.vnetId}/subnets/${name}${suffix}`,
    prefix: `10.${group.octet}.${128 + Math.floor(slot / 4)}.${(slot % 4) * 64}/26`,
    nsgId,
    compute: true,
  };
  group.extraSubnets.push(subnet);
  group.computeSubnets.push(subnet.id);
  if (nsgId === group.nsgId) group.sharedNsgSubnets.push(subnet.id);
  return subnet.id;
}

/** Where a private endpoint goes: its subnet, region and address. */
export interface EndpointPlacement {
  subnetId: string;
  location: string;
  address: string;
}

/** The next private endpoint's place: the group's endpoint subnet, or (`inDrVnet`) the DR VNet, made when first needed. */
export function placeEndpoint(group: ResourceGroupPlan, inDrVnet: boolean): EndpointPlacement {
  if (inDrVnet) {
    const dr = (group.drVnet ??= (() => {
      const prefix = `172.16.${group.octet}.0/24`;
      const id = `${group.id}/providers/${NETWORK}/virtualNetworks/vnet-ml-dr`;
      return { id, subnetId: `${id}/subnets/private-endpoints`, prefix, endpointCount: 0 };
    })());
    return {
      subnetId: dr.subnetId,
      location: DR_REGION,
      address: `172.16.${group.octet}.${4 + (dr.endpointCount++ % 250)}`,
    };
  }
  const offset = 4 + (group.endpointCount++ % 16000);
  return {
    subnetId: group.endpointSubnetId,
    location: group.region,
    address: `10.${group.octet}.${Math.floor(offset / 256)}.${offset % 256}`,
  };
}

function vnetResource(group: ResourceGroupPlan): ArmResource {
  const subnets: Subnet[] = [
    { id: group.trainingSubnetId, prefix: `10.${group.octet}.64.0/19`, nsgId: group.nsgId, compute: true },
    { id: group.endpointSubnetId, prefix: `10.${group.octet}.0.0/18`, compute: false },
    ...group.extraSubnets,
  ];
  return {
    id: group.vnetId,
    name: nameOf(group.vnetId),
    type: `${NETWORK}/virtualNetworks`,
    location: group.region,
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: [`10.${group.octet}.0.0/16`] },
      subnets: subnets.map((subnet) => subnetEntry(subnet, group)),
      virtualNetworkPeerings: group.drVnet ? [peeringEntry(group.vnetId, group.drVnet.id)] : [],
      enableDdosProtection: false,
    },
  };
}

function routeTableResource(group: ResourceGroupPlan): ArmResource {
  return {
    id: group.routeTableId,
    name: nameOf(group.routeTableId),
    type: `${NETWORK}/routeTables`,
    location: group.region,
    properties: {
      disableBgpRoutePropagation: false,
      provisioningState: "Succeeded",
      routes: [
        {
          name: "to-onprem",
          id: `${group.routeTableId}/routes/to-onprem`,
          properties: {
            addressPrefix: "192.168.0.0/16",
            nextHopType: "VirtualNetworkGateway",
            provisioningState: "Succeeded",
          },
        },
      ],
      subnets: group.computeSubnets.map(ref),
    },
  };
}

/** The NAT gateway and its public IP. */
function natGatewayResources(group: ResourceGroupPlan): ArmResource[] {
  const publicIpId = `${group.id}/providers/${NETWORK}/publicIPAddresses/pip-nat-ml`;
  return [
    {
      id: group.natGatewayId,
      name: nameOf(group.natGatewayId),
      type: `${NETWORK}/natGateways`,
      location: group.region,
      sku: { name: "Standard" },
      properties: {
        provisioningState: "Succeeded",
        idleTimeoutInMinutes: 4,
        subnets: group.computeSubnets.map(ref),
        publicIpAddresses: [ref(publicIpId)],
      },
    },
    {
      id: publicIpId,
      name: nameOf(publicIpId),
      type: `${NETWORK}/publicIPAddresses`,
      location: group.region,
      sku: { name: "Standard", tier: "Regional" },
      properties: {
        provisioningState: "Succeeded",
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
      },
    },
  ];
}

/**
 * A Connected peering of `fromId` towards `toId`. The DR VNet is peered with the group's VNet so that its
 * key vault endpoints are reachable: a vault whose only endpoint sits in an unpeered VNet denies the
 * computes (learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints), which would fail
 * subnet-colocation too, not only the planted private-endpoint-region.
 */
function peeringEntry(fromId: string, toId: string) {
  const name = `to-${nameOf(toId)}`;
  return {
    id: `${fromId}/virtualNetworkPeerings/${name}`,
    name,
    type: `${NETWORK}/virtualNetworks/virtualNetworkPeerings`,
    properties: {
      peeringState: "Connected",
      peeringSyncLevel: "FullyInSync",
      remoteVirtualNetwork: ref(toId),
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
      allowGatewayTransit: false,
      useRemoteGateways: false,
      provisioningState: "Succeeded",
    },
  };
}

function drVnetResource(group: ResourceGroupPlan, dr: NonNullable<ResourceGroupPlan["drVnet"]>): ArmResource {
  return {
    id: dr.id,
    name: nameOf(dr.id),
    type: `${NETWORK}/virtualNetworks`,
    location: DR_REGION,
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: [dr.prefix] },
      subnets: [subnetEntry({ id: dr.subnetId, prefix: dr.prefix, compute: false }, group)],
      virtualNetworkPeerings: [peeringEntry(dr.id, group.vnetId)],
      enableDdosProtection: false,
    },
  };
}

/**
 * The resource groups' shared network (VNet, NSG, route table, NAT gateway and its IP, any DR VNet), once
 * every workspace has added its subnets; returns the IDs of every VNet, for the DNS zones' links.
 */
export function addGroupNetworks(resources: ArmResource[], groups: readonly ResourceGroupPlan[]): string[] {
  const vnetIds: string[] = [];
  for (const group of groups) {
    vnetIds.push(group.vnetId);
    resources.push(vnetResource(group));
    resources.push(nsgResource(group.nsgId, group.region, group.sharedNsgSubnets, false));
    resources.push(routeTableResource(group));
    resources.push(...natGatewayResources(group));
    if (group.drVnet) {
      vnetIds.push(group.drVnet.id);
      resources.push(drVnetResource(group, group.drVnet));
    }
  }
  return vnetIds;
}
