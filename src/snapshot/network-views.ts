// Typed views over the network resources a workspace depends on: private endpoints, virtual networks
// and their subnets, route tables, and private DNS zone groups and links. Like model.ts, they read only
// the fields checks decide on and never throw on missing, null or mistyped input.

import { parseResourceId, topLevelType, vnetIdOfSubnet } from "./ids.js";
import { asObject, asArray, asString, asBoolean, eqi, props, stringList, nonEmpty } from "./json.js";
import type { RawResource } from "./types.js";

export interface PrivateEndpointView {
  id: string;
  location: string;
  subnetId?: string;
  vnetId?: string;
  /**
   * The endpoint's private IP addresses as its own body gives them: `customDnsConfigs[].ipAddresses` and
   * static `ipConfigurations[].properties.privateIPAddress`. Empty when the body names none (its NIC holds them).
   */
  ipAddresses: string[];
  /** One entry per link to a target resource (automatic and manual approval). */
  links: Array<{ targetId?: string; targetType?: string; groupIds: string[]; status?: string }>;
}

export function privateEndpointView(raw: RawResource): PrivateEndpointView {
  const p = props(raw);
  const subnetId = asString(asObject(p.subnet)?.id);
  const links = [...asArray(p.privateLinkServiceConnections), ...asArray(p.manualPrivateLinkServiceConnections)].map(
    (link) => {
      const lp = props(link);
      const targetId = asString(lp.privateLinkServiceId);
      return {
        targetId,
        targetType: topLevelType(targetId),
        groupIds: stringList(lp.groupIds),
        status: asString(asObject(lp.privateLinkServiceConnectionState)?.status),
      };
    },
  );
  const ipAddresses = [
    ...asArray(p.customDnsConfigs).flatMap((config) => stringList(asObject(config)?.ipAddresses)),
    ...asArray(p.ipConfigurations).flatMap((config) => stringList(props(config).privateIPAddress)),
  ]
    .map((address) => address.trim())
    .filter(Boolean);
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    subnetId,
    vnetId: vnetIdOfSubnet(subnetId),
    ipAddresses: [...new Set(ipAddresses)],
    links,
  };
}

export interface SubnetView {
  id: string;
  name: string;
  addressPrefixes: string[];
  networkSecurityGroupId?: string;
  routeTableId?: string;
  natGatewayId?: string;
  /** `defaultOutboundAccess`: false means no implicit outbound; undefined when ARM sends none. */
  defaultOutboundAccess?: boolean;
  /** `serviceEndpoints[]`: the services whose traffic leaves the subnet with its identity. */
  serviceEndpoints: ServiceEndpointView[];
}

export interface ServiceEndpointView {
  /** "Microsoft.Storage", "Microsoft.Storage.Global", "Microsoft.KeyVault", ... */
  service: string;
  /** The regions it serves ("*" for all); empty when ARM sends none. */
  locations: string[];
  /** "Succeeded" once in effect; undefined when ARM sends none. */
  provisioningState?: string;
}

export interface VirtualNetworkView {
  id: string;
  location: string;
  addressPrefixes: string[];
  subnets: SubnetView[];
  /** Peerings that carry traffic now (peeringState Connected). */
  connectedPeers: string[];
  /** Every peering with its state, for evidence. */
  peerings: Array<{ name: string; remoteVnetId?: string; state?: string }>;
  /** `dhcpOptions.dnsServers`: custom DNS servers; empty means Azure-provided DNS (168.63.129.16). */
  dnsServers: string[];
}

export function virtualNetworkView(raw: RawResource): VirtualNetworkView {
  const p = props(raw);
  const peerings = asArray(p.virtualNetworkPeerings).map((peering) => {
    const pp = props(peering);
    return {
      name: asString(asObject(peering)?.name) ?? "",
      remoteVnetId: asString(asObject(pp.remoteVirtualNetwork)?.id),
      state: asString(pp.peeringState),
    };
  });
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    addressPrefixes: stringList(asObject(p.addressSpace)?.addressPrefixes),
    subnets: asArray(p.subnets).map((subnet) => subnetView(subnet)),
    connectedPeers: peerings
      .filter((peering) => eqi(peering.state, "Connected") && peering.remoteVnetId)
      .map((peering) => peering.remoteVnetId as string),
    peerings,
    dnsServers: stringList(asObject(p.dhcpOptions)?.dnsServers)
      .map((server) => server.trim())
      .filter(Boolean),
  };
}

function subnetView(raw: unknown): SubnetView {
  const object = asObject(raw) ?? {};
  const p = props(raw);
  const prefixes = [...stringList(p.addressPrefix), ...stringList(p.addressPrefixes)];
  return {
    id: asString(object.id) ?? "",
    name: asString(object.name) ?? "",
    addressPrefixes: [...new Set(prefixes)],
    networkSecurityGroupId: asString(asObject(p.networkSecurityGroup)?.id),
    routeTableId: asString(asObject(p.routeTable)?.id),
    natGatewayId: asString(asObject(p.natGateway)?.id),
    defaultOutboundAccess: asBoolean(p.defaultOutboundAccess),
    serviceEndpoints: asArray(p.serviceEndpoints).flatMap((entry) => {
      const endpoint = asObject(entry);
      const service = asString(endpoint?.service)?.trim();
      return service
        ? [
            {
              service,
              locations: stringList(endpoint?.locations)
                .map((location) => location.trim())
                .filter(Boolean),
              provisioningState: asString(endpoint?.provisioningState),
            },
          ]
        : [];
    }),
  };
}

export interface RouteView {
  name: string;
  /** A CIDR or a service tag (route tables accept tags such as "AzureMachineLearning"). */
  addressPrefix?: string;
  /** "VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance" or "None". */
  nextHopType?: string;
  nextHopIpAddress?: string;
}

export interface RouteTableView {
  id: string;
  location: string;
  disableBgpRoutePropagation?: boolean;
  routes: RouteView[];
}

export function routeTableView(raw: RawResource): RouteTableView {
  const p = props(raw);
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    disableBgpRoutePropagation: asBoolean(p.disableBgpRoutePropagation),
    routes: asArray(p.routes).map((route) => {
      const rp = props(route);
      return {
        name: asString(asObject(route)?.name) ?? "",
        addressPrefix: asString(rp.addressPrefix)?.trim(),
        nextHopType: asString(rp.nextHopType),
        nextHopIpAddress: asString(rp.nextHopIpAddress),
      };
    }),
  };
}

/** A private endpoint's DNS zone group: the private DNS zones its records are written to. */
export interface DnsZoneGroupView {
  id: string;
  name: string;
  zones: Array<{ zoneId?: string; zoneName?: string; recordSets: Array<{ fqdn?: string; ipAddresses: string[] }> }>;
}

export function dnsZoneGroupView(raw: RawResource): DnsZoneGroupView {
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    zones: asArray(props(raw).privateDnsZoneConfigs).map((config) => {
      const cp = props(config);
      const zoneId = nonEmpty(asString(cp.privateDnsZoneId));
      return {
        zoneId,
        zoneName: zoneId ? (parseResourceId(zoneId)?.name ?? zoneId.split("/").pop()) : undefined,
        recordSets: asArray(cp.recordSets).map((record) => {
          const r = asObject(record) ?? {};
          return { fqdn: asString(r.fqdn), ipAddresses: stringList(r.ipAddresses) };
        }),
      };
    }),
  };
}

/** A private DNS zone's link to a VNet. */
export interface DnsZoneLinkView {
  id: string;
  name: string;
  vnetId?: string;
  /** "Completed" once the link resolves; "InProgress" before. */
  linkState?: string;
  provisioningState?: string;
}

export function dnsZoneLinkView(raw: RawResource): DnsZoneLinkView {
  const p = props(raw);
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    vnetId: asString(asObject(p.virtualNetwork)?.id),
    linkState: asString(p.virtualNetworkLinkState),
    provisioningState: asString(p.provisioningState),
  };
}
