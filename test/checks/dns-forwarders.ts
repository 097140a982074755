// Azure Firewalls, firewall policies, DNS Private Resolvers and their inbound endpoints in ARM wire
// format (the shapes of AzureFirewallGet.json, FirewallPolicyGet.json, DnsResolverGet.json and
// InboundEndpointGet.json), for scenarios in which a VNet's DNS servers are one of them: the
// hub-spoke reference (Azure/terraform quickstart 301-machine-learning-hub-spoke-secure), where the
// zones are linked only to the hub VNet and the spoke's DNS server is the firewall's private IP.

import type { ArmResource, Scenario } from "../fake-arm/scenario.js";
import { NET, type Json } from "./mutations.js";

export const FIREWALL_ID = `${NET}/azureFirewalls/hub-fw`;
export const POLICY_ID = `${NET}/firewallPolicies/hub-fw-policy`;
/** The base (parent) policy a child policy names in `basePolicy`. */
export const BASE_POLICY_ID = `${NET}/firewallPolicies/org-base-policy`;
export const RESOLVER_ID = `${NET}/dnsResolvers/hub-resolver`;
export const INBOUND_ID = `${RESOLVER_ID}/inboundEndpoints/hub-inbound`;

export interface FirewallOptions {
  /** Its `AzureFirewallSubnet`. */
  subnetId: string;
  ip: string;
  /** The policy's `dnsSettings`; null: a classic firewall without a policy. */
  dnsSettings?: Json | null;
  /** A classic firewall's `additionalProperties` (`Network.DNS.EnableProxy`, `Network.DNS.Servers`). */
  additionalProperties?: Record<string, string>;
  /** Its name (default hub-fw); its policy is `<name>-policy`. */
  name?: string;
  /** The policy names BASE_POLICY_ID as its `basePolicy`, whose `dnsSettings` these are (absent: none). */
  basePolicy?: { dnsSettings?: Json };
}

const firewallId = (name: string) => `${NET}/azureFirewalls/${name}`;
const policyId = (name: string) => `${NET}/firewallPolicies/${name}-policy`;

/** An Azure Firewall as a GET returns it, with a policy (or, `dnsSettings: null`, none). */
export function firewallBody({
  subnetId,
  ip,
  dnsSettings,
  additionalProperties = {},
  name = "hub-fw",
}: FirewallOptions): ArmResource {
  const id = firewallId(name);
  return {
    id,
    name,
    type: "Microsoft.Network/azureFirewalls",
    location: "westeurope",
    properties: {
      provisioningState: "Succeeded",
      sku: { name: "AZFW_VNet", tier: "Standard" },
      threatIntelMode: "Alert",
      ipConfigurations: [
        {
          id: `${id}/azureFirewallIpConfigurations/fw-ipconfig`,
          name: "fw-ipconfig",
          properties: {
            privateIPAddress: ip,
            privateIPAllocationMethod: "Dynamic",
            provisioningState: "Succeeded",
            subnet: { id: subnetId },
            publicIPAddress: { id: `${NET}/publicIPAddresses/hub-fw-pip` },
          },
        },
      ],
      ...(dnsSettings === null ? {} : { firewallPolicy: { id: policyId(name) } }),
      additionalProperties,
      applicationRuleCollections: [],
      natRuleCollections: [],
      networkRuleCollections: [],
    },
  };
}

function firewallPolicyBody(
  id: string,
  dnsSettings: Json | undefined,
  links: { firewalls?: string[]; basePolicy?: string; childPolicies?: string[] },
): ArmResource {
  return {
    id,
    name: id.split("/").pop(),
    type: "Microsoft.Network/firewallPolicies",
    location: "westeurope",
    properties: {
      provisioningState: "Succeeded",
      sku: { tier: "Standard" },
      threatIntelMode: "Alert",
      ...(dnsSettings === undefined ? {} : { dnsSettings }),
      ...(links.basePolicy ? { basePolicy: { id: links.basePolicy } } : {}),
      firewalls: (links.firewalls ?? []).map((firewall) => ({ id: firewall })),
      childPolicies: (links.childPolicies ?? []).map((child) => ({ id: child })),
      ruleCollectionGroups: [],
    },
  };
}

/** A firewall (and its policy, unless classic, and the base policy it names) in the scenario. */
export function addFirewall(s: Scenario, options: FirewallOptions): void {
  s.resources.push(firewallBody(options));
  if (options.dnsSettings === null) return;
  const name = options.name ?? "hub-fw";
  const dnsSettings = options.dnsSettings ?? { enableProxy: true, servers: [] };
  const base = options.basePolicy;
  s.resources.push(
    firewallPolicyBody(policyId(name), dnsSettings, {
      firewalls: [firewallId(name)],
      ...(base ? { basePolicy: BASE_POLICY_ID } : {}),
    }),
  );
  if (base) s.resources.push(firewallPolicyBody(BASE_POLICY_ID, base.dnsSettings, { childPolicies: [policyId(name)] }));
}

/** A DNS Private Resolver in `vnetId`. */
export function resolverBody(vnetId: string): ArmResource {
  return {
    id: RESOLVER_ID,
    name: "hub-resolver",
    type: "Microsoft.Network/dnsResolvers",
    location: "westeurope",
    properties: {
      virtualNetwork: { id: vnetId },
      dnsResolverState: "Connected",
      provisioningState: "Succeeded",
      resourceGuid: "b6b2d964-8588-4e3a-a7fe-8a5b7fe8eca5",
    },
  };
}

/** A DNS Private Resolver with one inbound endpoint at `ip` in `subnetId`. */
export function addResolver(s: Scenario, vnetId: string, subnetId: string, ip: string): void {
  s.resources.push(resolverBody(vnetId));
  s.resources.push({
    id: INBOUND_ID,
    name: "hub-inbound",
    type: "Microsoft.Network/dnsResolvers/inboundEndpoints",
    location: "westeurope",
    properties: {
      ipConfigurations: [{ subnet: { id: subnetId }, privateIpAddress: ip, privateIpAllocationMethod: "Dynamic" }],
      provisioningState: "Succeeded",
      resourceGuid: "87b3e20a-3b0c-4a44-a3a7-3b4e2f1e1b11",
    },
  });
}
