// Traffic from a compute subnet to a private endpoint, judged by the subnet's NSG. Learn lists
// `VirtualNetwork` TCP 443 as required outbound "when private endpoints are present in the virtual
// network or peered virtual networks"
// (learn.microsoft.com/azure/machine-learning/how-to-access-azureml-behind-firewall), but a deny may
// name the tag, `*` or a CIDR: so the endpoint's own address is tested, not the tag.

import { isCidr } from "./cidr.js";
import { evaluateFlow, type Flow, type FlowVerdict, type NsgRule } from "./nsg.js";
import { nameOf, sameId } from "../snapshot/model.js";
import { eqi } from "../snapshot/json.js";
import { type PrivateEndpointView, type VirtualNetworkView } from "../snapshot/network-views.js";
import type { Lookup } from "../snapshot/types.js";

/** Where a private endpoint's traffic goes, as far as the snapshot tells. */
export interface EndpointDestination {
  /** Its private IP addresses (as /32 or /128), or the prefixes of the subnet it sits in. */
  prefixes: string[];
  /**
   * `ip-addresses`: the endpoint's body names them, and every one must be let through.
   * `subnet`: only its subnet is known, and its address is in one of these prefixes.
   */
  from: "ip-addresses" | "subnet";
  /** The address space of the endpoint's VNet, which the `VirtualNetwork` tag holds when it is peered. */
  vnetPrefixes: string[];
}

export type EndpointDestinationLookup = { ok: true; value: EndpointDestination } | { ok: false; reason: string };

/**
 * The endpoint's addresses from its body (`customDnsConfigs`, static `ipConfigurations`); else the
 * prefixes of its subnet, from its VNet's body (its NIC, which holds the address, is not read).
 */
export function endpointDestination(
  endpoint: PrivateEndpointView,
  endpointVnet: Lookup<VirtualNetworkView> | undefined,
): EndpointDestinationLookup {
  const vnetPrefixes = endpointVnet?.ok ? endpointVnet.value.addressPrefixes : [];
  const addresses = endpoint.ipAddresses.map(asHostPrefix).filter((prefix): prefix is string => prefix !== undefined);
  if (addresses.length > 0) return { ok: true, value: { prefixes: addresses, from: "ip-addresses", vnetPrefixes } };
  if (!endpoint.subnetId) return { ok: false, reason: "its body names neither an address nor a subnet" };
  if (!endpointVnet) return { ok: false, reason: "its body names no address and its subnet is not a subnet ID" };
  if (!endpointVnet.ok)
    return { ok: false, reason: `its body names no address, and its subnet's VNet: ${endpointVnet.reason}` };
  const subnet =
    endpointVnet.value.subnets.find((candidate) => sameId(candidate.id, endpoint.subnetId)) ??
    endpointVnet.value.subnets.find((candidate) => eqi(candidate.name, nameOf(endpoint.subnetId ?? "")));
  const prefixes = subnet?.addressPrefixes.filter((prefix) => isCidr(prefix)) ?? [];
  if (prefixes.length === 0)
    return { ok: false, reason: "its body names no address, and its subnet's address prefix is not in its VNet" };
  return { ok: true, value: { prefixes, from: "subnet", vnetPrefixes } };
}

/** "10.0.0.4" → "10.0.0.4/32"; a CIDR as it is; anything else undefined. */
function asHostPrefix(address: string): string | undefined {
  if (isCidr(address) && address.includes("/")) return address;
  const host = `${address}/${address.includes(":") ? 128 : 32}`;
  return isCidr(host) ? host : undefined;
}

/** The verdict on one flow to the endpoint, and the prefix that decided it. */
export interface EndpointFlowVerdict extends FlowVerdict {
  /** The destination prefix whose verdict this is. */
  prefix: string;
}

/**
 * How the rules decide a flow to the endpoint. With its addresses known, every one must be allowed:
 * a deny of any decides. With only its subnet known, the rules must agree across the subnet's prefixes
 * (evaluateFlow answers `unknown` itself when a rule covers part of a prefix).
 */
export function evaluateEndpointFlow(
  rules: readonly NsgRule[],
  flow: Omit<Flow, "destination">,
  destination: EndpointDestination,
): EndpointFlowVerdict {
  const vnetPrefixes = [...new Set([...flow.vnetPrefixes, ...destination.vnetPrefixes])];
  const verdicts = destination.prefixes.map((prefix) => ({
    prefix,
    ...evaluateFlow(rules, { ...flow, vnetPrefixes, destination: { kind: "cidr", cidr: prefix } }),
  }));
  const deny = verdicts.find((verdict) => verdict.decision === "deny");
  const unknown = verdicts.find((verdict) => verdict.decision === "unknown");
  const [first] = verdicts;
  if (!first) return { prefix: "", decision: "unknown", uncertainRules: [], reason: "no destination to evaluate" };
  if (destination.from === "ip-addresses") return deny ?? unknown ?? first;
  if (verdicts.every((verdict) => verdict.decision === first.decision)) return first;
  return (
    unknown ?? {
      ...first,
      decision: "unknown",
      reason: `the endpoint's address is in one of ${destination.prefixes.join(", ")}, and the rules decide them differently: ${verdicts.map((verdict) => verdict.reason).join("; ")}`,
    }
  );
}
