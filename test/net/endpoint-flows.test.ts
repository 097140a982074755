// Flows to a private endpoint judged at its own address (or its subnet's prefix): Learn's `VirtualNetwork`
// 443 row (how-to-access-azureml-behind-firewall) is met or broken by whatever rule covers that address.

import { describe, expect, it } from "vitest";
import { endpointDestination, evaluateEndpointFlow } from "../../src/net/endpoint-flows.js";
import { rulesFromNsg, type Flow, type NsgRule } from "../../src/net/index.js";
import { privateEndpointView, virtualNetworkView, type VirtualNetworkView } from "../../src/snapshot/network-views.js";
import type { Lookup } from "../../src/snapshot/types.js";

const NET = "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network";
const PE_VNET = `${NET}/virtualNetworks/hub`;
const PE_SUBNET = `${PE_VNET}/subnets/endpoints`;

function endpoint(properties: Record<string, unknown> = {}) {
  return privateEndpointView({
    id: `${NET}/privateEndpoints/pe`,
    location: "westeurope",
    properties: { subnet: { id: PE_SUBNET }, customDnsConfigs: [], ...properties },
  });
}

const hub: Lookup<VirtualNetworkView> = {
  ok: true,
  value: virtualNetworkView({
    id: PE_VNET,
    location: "westeurope",
    properties: {
      addressSpace: { addressPrefixes: ["10.30.0.0/16"] },
      subnets: [{ id: PE_SUBNET, name: "endpoints", properties: { addressPrefix: "10.30.1.0/24" } }],
    },
  }),
};

function nsg(...securityRules: Array<Record<string, unknown>>): readonly NsgRule[] {
  return rulesFromNsg({
    properties: {
      securityRules: securityRules.map((properties, index) => ({
        name: `rule${index}`,
        properties: {
          direction: "Outbound",
          access: "Deny",
          protocol: "*",
          sourceAddressPrefix: "*",
          sourcePortRange: "*",
          destinationPortRange: "*",
          priority: 1000 + index,
          ...properties,
        },
      })),
    },
  }).rules;
}

/** TCP 443 from a compute subnet in 10.20.0.0/16. */
const FLOW: Omit<Flow, "destination"> = {
  direction: "Outbound",
  protocol: "Tcp",
  port: 443,
  sourcePrefixes: ["10.20.1.0/24"],
  vnetPrefixes: ["10.20.0.0/16"],
};

describe("endpointDestination", () => {
  it("takes the addresses the body names (customDnsConfigs and static ipConfigurations), every one", () => {
    const view = endpoint({
      customDnsConfigs: [
        { fqdn: "acr.azurecr.io", ipAddresses: ["10.30.1.4"] },
        { fqdn: "acr.westeurope.data.azurecr.io", ipAddresses: ["10.30.1.5"] },
      ],
      ipConfigurations: [{ name: "c", properties: { privateIPAddress: "10.30.1.4" } }],
    });
    expect(endpointDestination(view, hub)).toEqual({
      ok: true,
      value: { prefixes: ["10.30.1.4/32", "10.30.1.5/32"], from: "ip-addresses", vnetPrefixes: ["10.30.0.0/16"] },
    });
  });

  it("falls back on its subnet's prefix when the body names no address", () => {
    expect(endpointDestination(endpoint(), hub)).toMatchObject({
      ok: true,
      value: { prefixes: ["10.30.1.0/24"], from: "subnet" },
    });
  });

  it("says why when neither is known", () => {
    expect(endpointDestination(endpoint(), { ok: false, reason: "403" })).toMatchObject({ ok: false });
    expect(endpointDestination(endpoint({ subnet: null }), undefined)).toMatchObject({ ok: false });
  });
});

describe("evaluateEndpointFlow", () => {
  const byAddress = {
    prefixes: ["10.30.1.4/32", "10.30.1.5/32"],
    from: "ip-addresses" as const,
    vnetPrefixes: ["10.30.0.0/16"],
  };
  const bySubnet = { prefixes: ["10.30.1.0/24"], from: "subnet" as const, vnetPrefixes: ["10.30.0.0/16"] };

  it("the default AllowVnetOutBound lets a peered endpoint through: VirtualNetwork holds the peer's space", () => {
    expect(evaluateEndpointFlow(nsg(), FLOW, bySubnet)).toMatchObject({
      decision: "allow",
      decidingRule: { name: "AllowVnetOutBound" },
    });
    // Without the peer's space, VirtualNetwork may or may not hold it.
    expect(evaluateEndpointFlow(nsg(), FLOW, { ...bySubnet, vnetPrefixes: [] }).decision).toBe("unknown");
  });

  it.each([
    ["the VirtualNetwork tag", { destinationAddressPrefix: "VirtualNetwork" }],
    ["*", { destinationAddressPrefix: "*" }],
    ["a CIDR covering the endpoint", { destinationAddressPrefix: "10.30.0.0/16" }],
  ])("a deny on %s decides, and is named", (_name, rule) => {
    const verdict = evaluateEndpointFlow(nsg(rule), FLOW, bySubnet);
    expect(verdict).toMatchObject({ decision: "deny", decidingRule: { name: "rule0", access: "Deny" } });
  });

  it("a deny of one of the endpoint's addresses decides for all of them", () => {
    const verdict = evaluateEndpointFlow(nsg({ destinationAddressPrefix: "10.30.1.5/32" }), FLOW, byAddress);
    expect(verdict).toMatchObject({ decision: "deny", prefix: "10.30.1.5/32" });
  });

  it("a deny of part of its subnet is unknown when only the subnet is known, and no matter when the address is outside it", () => {
    const rules = nsg({ destinationAddressPrefix: "10.30.1.128/25" });
    expect(evaluateEndpointFlow(rules, FLOW, bySubnet).decision).toBe("unknown");
    expect(evaluateEndpointFlow(rules, FLOW, byAddress).decision).toBe("allow");
  });

  it("a deny on another port or Internet changes nothing", () => {
    expect(
      evaluateEndpointFlow(
        nsg({ destinationAddressPrefix: "VirtualNetwork", destinationPortRange: "22" }),
        FLOW,
        bySubnet,
      ).decision,
    ).toBe("allow");
    expect(evaluateEndpointFlow(nsg({ destinationAddressPrefix: "Internet" }), FLOW, bySubnet).decision).toBe("allow");
  });
});
