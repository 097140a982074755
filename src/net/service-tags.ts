// Does an NSG address prefix (CIDR, "*" or service tag) cover a given source or destination?
// Pure and offline: service tags' real address ranges are not known here, so any comparison
// that would need them answers "maybe" rather than guessing.

import { cidrContains, cidrOverlaps, cidrPrivacy, isCidr } from "./cidr.js";

/** Destination we want to reach: a service tag, evaluated for traffic from a compute in `region`. */
interface TagDestination {
  kind: "tag";
  tag: string;
  region?: string;
}
interface CidrDestination {
  kind: "cidr";
  cidr: string;
}
export type Destination = TagDestination | CidrDestination;

export type Coverage = "yes" | "no" | "maybe";

export interface CoverageContext {
  vnetPrefixes: string[];
}

/** Region names compare lowercased with spaces, hyphens and underscores removed. */
export function normaliseRegion(region: string): string {
  return region.toLowerCase().replace(/[\s_-]+/g, "");
}

/**
 * Dotted tags whose suffix is part of the tag's name, not a region. They are global (not tied to
 * any region), so a regional `AzureCloud.<region>` prefix may or may not hold their addresses.
 */
const NON_REGIONAL_DOTTED_TAGS: readonly string[] = [
  "AzureFrontDoor.FirstParty",
  "AzureFrontDoor.Frontend",
  "AzureFrontDoor.Backend",
];

const NON_REGIONAL = new Set(NON_REGIONAL_DOTTED_TAGS.map((t) => t.toLowerCase()));

/** A service tag split into its (lowercased) base name and optional normalised region. */
export interface ParsedTag {
  base: string;
  region?: string;
}

export function parseServiceTag(tag: string): ParsedTag {
  const lower = tag.trim().toLowerCase();
  if (NON_REGIONAL.has(lower)) return { base: lower };
  const dot = lower.lastIndexOf(".");
  if (dot <= 0 || dot === lower.length - 1) return { base: lower };
  return { base: lower.slice(0, dot), region: normaliseRegion(lower.slice(dot + 1)) };
}

function isWildcard(prefix: string): boolean {
  const p = prefix.trim().toLowerCase();
  return p === "*" || p === "any";
}

/** Something that was meant to be an address (starts with a digit or holds ':') but does not parse. */
function looksLikeBrokenAddress(prefix: string): boolean {
  const p = prefix.trim();
  return p === "" || /^[0-9]/.test(p) || p.includes(":") || p.includes("/");
}

const SPECIAL_TAGS = new Set(["internet", "virtualnetwork", "azureloadbalancer"]);

function insideAnyVnet(cidr: string, vnetPrefixes: string[]): boolean {
  return vnetPrefixes.some((v) => cidrContains(v, cidr) === true);
}

function overlapsAnyVnet(cidr: string, vnetPrefixes: string[]): boolean {
  return vnetPrefixes.some((v) => cidrOverlaps(v, cidr) === true);
}

/** Compare a CIDR prefix with a CIDR target: contains → yes, partial overlap → maybe, disjoint → no. */
function cidrVsCidr(prefix: string, target: string): Coverage {
  if (cidrContains(prefix, target) === true) return "yes";
  if (cidrOverlaps(prefix, target) === true) return "maybe";
  return "no";
}

/** The VirtualNetwork tag vs a CIDR target. */
function virtualNetworkVsCidr(target: string, vnetPrefixes: string[]): Coverage {
  if (insideAnyVnet(target, vnetPrefixes)) return "yes";
  if (overlapsAnyVnet(target, vnetPrefixes)) return "maybe";
  // Outside the VNet's own space: VirtualNetwork also holds peered VNets and on-premises ranges
  // reached through a gateway, which are (nearly always) private. Public space outside the VNet is not.
  return cidrPrivacy(target) === "public" ? "no" : "maybe";
}

/** The Internet tag vs a CIDR target. */
function internetVsCidr(target: string, vnetPrefixes: string[]): Coverage {
  if (insideAnyVnet(target, vnetPrefixes)) return "no";
  const privacy = cidrPrivacy(target);
  if (privacy === "private") return "no";
  if (privacy === "mixed" || overlapsAnyVnet(target, vnetPrefixes)) return "maybe";
  return "yes";
}

/** Any other service tag (AzureCloud, Storage, ...) vs a CIDR target: ranges unknown offline. */
function publicTagVsCidr(target: string, vnetPrefixes: string[]): Coverage {
  if (insideAnyVnet(target, vnetPrefixes)) return "no";
  return cidrPrivacy(target) === "private" ? "no" : "maybe";
}

function prefixCoversCidr(prefix: string, target: string, context: CoverageContext): Coverage {
  if (!isCidr(target)) return "maybe";
  if (isCidr(prefix)) return cidrVsCidr(prefix, target);
  if (looksLikeBrokenAddress(prefix)) return "maybe";
  const tag = parseServiceTag(prefix);
  if (tag.region === undefined && tag.base === "virtualnetwork")
    return virtualNetworkVsCidr(target, context.vnetPrefixes);
  if (tag.region === undefined && tag.base === "internet") return internetVsCidr(target, context.vnetPrefixes);
  return publicTagVsCidr(target, context.vnetPrefixes);
}

/** A regional prefix `<base>.<region>` vs the destination's effective region. */
function regionMatch(prefixRegion: string, destRegion: string | undefined): Coverage {
  if (destRegion === undefined) return "maybe";
  return prefixRegion === destRegion ? "yes" : "no";
}

function prefixCoversSpecialTag(prefix: string, destBase: string, context: CoverageContext): Coverage {
  const p = parseServiceTag(prefix);
  if (p.region === undefined && p.base === destBase) return "yes";
  if (isCidr(prefix)) {
    if (cidrContains(prefix, "0.0.0.0/0") === true || cidrContains(prefix, "::/0") === true) return "yes";
    if (destBase === "virtualnetwork") {
      if (context.vnetPrefixes.length === 0) return cidrPrivacy(prefix) === "public" ? "no" : "maybe";
      const all = context.vnetPrefixes.every((v) => cidrContains(prefix, v) === true);
      if (all) return "maybe"; // VirtualNetwork is wider than the address space (peerings, gateways)
      return context.vnetPrefixes.some((v) => cidrOverlaps(prefix, v) === true) ? "maybe" : "no";
    }
    if (destBase === "azureloadbalancer") return cidrVsCidr(prefix, "168.63.129.16/32");
    // Internet: a public range holds part of it.
    return cidrPrivacy(prefix) === "private" ? "no" : "maybe";
  }
  if (looksLikeBrokenAddress(prefix)) return "maybe";
  // Another tag: AzureCloud and the service tags are public space, i.e. part of Internet.
  if (destBase === "internet" && !SPECIAL_TAGS.has(p.base)) return "maybe";
  return "no";
}

function prefixCoversTag(prefix: string, destination: TagDestination, context: CoverageContext): Coverage {
  const dest = parseServiceTag(destination.tag);
  if (dest.region === undefined && SPECIAL_TAGS.has(dest.base)) {
    return prefixCoversSpecialTag(prefix, dest.base, context);
  }
  // From here the destination is a public Azure service tag.
  const trimmed = prefix.trim();
  if (trimmed === "0.0.0.0/0" || trimmed === "::/0") return "yes";
  if (isCidr(trimmed)) {
    if (cidrContains(trimmed, "0.0.0.0/0") === true || cidrContains(trimmed, "::/0") === true) return "yes";
    if (insideAnyVnet(trimmed, context.vnetPrefixes)) return "no";
    // Public ranges of a service tag are not known offline: a public CIDR may hold some of them.
    return cidrPrivacy(trimmed) === "private" ? "no" : "maybe";
  }
  if (looksLikeBrokenAddress(trimmed)) return "maybe";

  const p = parseServiceTag(trimmed);
  const destRegion =
    dest.region ??
    (destination.region !== undefined && destination.region.trim() !== ""
      ? normaliseRegion(destination.region)
      : undefined);
  const destNonRegional = dest.region === undefined && NON_REGIONAL.has(dest.base);

  if (p.region === undefined) {
    if (p.base === "internet" || p.base === "azurecloud") return "yes";
    if (p.base === dest.base) return "yes"; // same tag, or the global tag of a regional destination
    return "no";
  }

  // A regional prefix: `<base>.<region>`.
  if (p.base === "azurecloud") {
    if (dest.base === "azurecloud") return regionMatch(p.region, destRegion);
    if (destNonRegional) return "maybe"; // a global service's addresses are not tied to one region
    return regionMatch(p.region, destRegion);
  }
  if (p.base === dest.base) {
    if (destNonRegional) return "no";
    return regionMatch(p.region, destRegion);
  }
  return "no";
}

/** Does an NSG address prefix cover the destination's traffic? */
export function prefixCoversDestination(prefix: string, destination: Destination, context: CoverageContext): Coverage {
  if (typeof prefix !== "string") return "maybe";
  if (isWildcard(prefix)) return "yes";
  if (destination.kind === "cidr") return prefixCoversCidr(prefix, destination.cidr, context);
  return prefixCoversTag(prefix, destination, context);
}

/**
 * Does an NSG address prefix cover the compute subnet's addresses (all of `sourcePrefixes`)?
 * Used for the source of outbound rules and the destination of inbound rules.
 */
export function prefixCoversSource(prefix: string, sourcePrefixes: string[], context: CoverageContext): Coverage {
  if (typeof prefix !== "string") return "maybe";
  if (isWildcard(prefix)) return "yes";
  // The source is a subnet of the VNet, so VirtualNetwork covers it even when its addresses are unknown
  // (IPAM-allocated subnets carry no addressPrefix).
  if (sourcePrefixes.length === 0) return /^virtualnetwork$/i.test(prefix.trim()) ? "yes" : "maybe";
  if (!sourcePrefixes.every((s) => isCidr(s))) return "maybe";

  if (isCidr(prefix)) {
    const results = sourcePrefixes.map((s) => cidrVsCidr(prefix, s));
    if (results.every((r) => r === "yes")) return "yes";
    if (results.every((r) => r === "no")) return "no";
    return "maybe";
  }
  if (looksLikeBrokenAddress(prefix)) return "maybe";

  const tag = parseServiceTag(prefix);
  const vnet = context.vnetPrefixes;
  if (tag.region === undefined && tag.base === "virtualnetwork") {
    if (vnet.length === 0) return sourcePrefixes.every((s) => cidrPrivacy(s) === "private") ? "yes" : "maybe";
    if (sourcePrefixes.every((s) => insideAnyVnet(s, vnet))) return "yes";
    return "maybe";
  }
  if (tag.region === undefined && tag.base === "azureloadbalancer") return "no";
  // Internet, AzureCloud and the other service tags are public address space.
  const privateOrVnet = sourcePrefixes.every((s) => cidrPrivacy(s) === "private" || insideAnyVnet(s, vnet));
  return privateOrVnet ? "no" : "maybe";
}
