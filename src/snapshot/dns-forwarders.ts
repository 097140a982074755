// Views of what can answer DNS for a VNet that names custom DNS servers: Azure Firewalls (their DNS
// proxy, from the firewall policy or, without one, the firewall's own settings) and the inbound
// endpoints of DNS Private Resolvers. Defensive like model.ts: never throw on missing or odd input.

import { vnetIdOfSubnet } from "./ids.js";
import { asArray, asObject, asString } from "./json.js";
import type { RawResource } from "./types.js";

export const FIREWALL_TYPE = "Microsoft.Network/azureFirewalls";
export const DNS_RESOLVER_TYPE = "Microsoft.Network/dnsResolvers";
export const INBOUND_ENDPOINT_TYPE = "Microsoft.Network/dnsResolvers/inboundEndpoints";

/** A private IP of a firewall or inbound endpoint and the subnet it sits in. */
export interface ForwarderAddress {
  ip: string;
  subnetId?: string;
  vnetId?: string;
}

export interface FirewallView {
  id: string;
  name: string;
  /** Private IPs of its `ipConfigurations` (not the management one): what a VNet's DNS servers can name. */
  addresses: ForwarderAddress[];
  policyId?: string;
  /** A firewall without a policy: `additionalProperties["Network.DNS.EnableProxy"]` (absent: undefined). */
  classicEnableProxy?: boolean;
  /** A firewall without a policy: `additionalProperties["Network.DNS.Servers"]`, split. */
  classicServers: string[];
}

export interface FirewallPolicyView {
  id: string;
  name: string;
  /** `dnsSettings.enableProxy`; absent: false, as ARM's default. */
  enableProxy: boolean;
  /** Whether the policy sets `dnsSettings.enableProxy` at all (absent: it may come from its base policy). */
  proxySet: boolean;
  /** `dnsSettings.servers`: empty means Azure DNS. */
  servers: string[];
  /** `basePolicy.id`: the parent policy it inherits rule collections from. */
  basePolicyId?: string;
}

export interface InboundEndpointView {
  id: string;
  name: string;
  /** The DNS Private Resolver it belongs to. */
  resolverId: string;
  addresses: ForwarderAddress[];
}

function props(raw: unknown): Record<string, unknown> {
  return asObject(asObject(raw)?.properties) ?? {};
}

function addressOf(ip: unknown, subnet: unknown): ForwarderAddress[] {
  const address = asString(ip)?.trim();
  if (!address) return [];
  const subnetId = asString(asObject(subnet)?.id);
  return [{ ip: address, subnetId, vnetId: vnetIdOfSubnet(subnetId) }];
}

/** Comma, semicolon or space separated servers, as the firewall's additional properties hold them. */
function serverList(value: unknown): string[] {
  const text = asString(value);
  return text ? text.split(/[\s,;]+/).filter(Boolean) : [];
}

/** Case-insensitive read of a firewall's `additionalProperties` key. */
function additionalProperty(p: Record<string, unknown>, key: string): unknown {
  const additional = asObject(p.additionalProperties) ?? {};
  const found = Object.keys(additional).find((name) => name.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : additional[found];
}

export function firewallView(raw: RawResource): FirewallView {
  const p = props(raw);
  const enableProxy = asString(additionalProperty(p, "Network.DNS.EnableProxy"));
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    addresses: asArray(p.ipConfigurations).flatMap((config) => {
      const cp = props(config);
      return addressOf(cp.privateIPAddress, cp.subnet);
    }),
    policyId: asString(asObject(p.firewallPolicy)?.id),
    classicEnableProxy: enableProxy === undefined ? undefined : enableProxy.trim().toLowerCase() === "true",
    classicServers: serverList(additionalProperty(p, "Network.DNS.Servers")),
  };
}

export function firewallPolicyView(raw: RawResource): FirewallPolicyView {
  const p = props(raw);
  const dns = asObject(p.dnsSettings) ?? {};
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    enableProxy: dns.enableProxy === true || (typeof dns.enableProxy === "string" && /^true$/i.test(dns.enableProxy)),
    proxySet: dns.enableProxy !== undefined && dns.enableProxy !== null,
    servers: asArray(dns.servers)
      .map((server) => asString(server)?.trim() ?? "")
      .filter(Boolean),
    basePolicyId: asString(asObject(p.basePolicy)?.id),
  };
}

export function inboundEndpointView(raw: RawResource): InboundEndpointView {
  const id = asString(raw.id) ?? "";
  return {
    id,
    name: asString(raw.name) ?? "",
    resolverId: id.replace(/\/inboundEndpoints\/[^/]+$/i, ""),
    addresses: asArray(props(raw).ipConfigurations).flatMap((config) => {
      const object = asObject(config) ?? {};
      return addressOf(object.privateIpAddress ?? object.privateIPAddress, object.subnet);
    }),
  };
}
