// CIDR parsing and comparison. Pure: no I/O. Address parsing and prefix matching come from
// ipaddr.js; this module only adds strict input validation and the containment/overlap rules.

import ipaddr from "ipaddr.js";

type Address = ReturnType<typeof ipaddr.parse>;

/** A parsed address block, normalised to its network address. */
export interface ParsedCidr {
  family: "ipv4" | "ipv6";
  /** Network address in canonical text form, e.g. "10.0.1.0" or "2001:db8::". */
  network: string;
  prefixLength: number;
  /** Canonical CIDR text, e.g. "10.0.1.0/24". */
  cidr: string;
}

interface Block {
  address: Address;
  prefixLength: number;
}

const PREFIX_LENGTH = /^\d{1,3}$/;

/**
 * Parse strictly: IPv4 must be four decimal parts (no "10", no "0xa.0.0.1"), IPv6 must not carry a
 * zone id. A bare address is a /32 or /128. Surrounding whitespace is ignored.
 */
function parseBlock(text: string): Block | undefined {
  if (typeof text !== "string") return undefined;
  // NSG rules repeat the same few prefixes across subnets and workspaces, and most are tags
  // ("Internet", "AzureMachineLearning") that ipaddr.js rejects by throwing: both are worth
  // remembering. Blocks are never mutated, so sharing them is safe.
  const known = parsedBlocks.get(text);
  if (known !== undefined || parsedBlocks.has(text)) return known;
  const block = LOOKS_LIKE_ADDRESS.test(text) ? parseBlockUncached(text) : undefined;
  if (parsedBlocks.size >= PARSED_BLOCKS_LIMIT) parsedBlocks.clear();
  parsedBlocks.set(text, block);
  return block;
}

/** Only hex digits, dots, colons, a prefix length and surrounding spaces: anything else is no address. */
const LOOKS_LIKE_ADDRESS = /^\s*[0-9a-f.:%]+(?:\/[0-9]*)?\s*$/i;
const PARSED_BLOCKS_LIMIT = 10_000;
const parsedBlocks = new Map<string, Block | undefined>();

function parseBlockUncached(text: string): Block | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const parts = trimmed.split("/");
  if (parts.length > 2) return undefined;
  const addressText = parts[0] ?? "";
  const lengthText = parts[1];

  let address: Address;
  if (addressText.includes(":")) {
    if (addressText.includes("%") || !ipaddr.IPv6.isValid(addressText)) return undefined;
    address = ipaddr.IPv6.parse(addressText);
  } else {
    if (!ipaddr.IPv4.isValidFourPartDecimal(addressText)) return undefined;
    address = ipaddr.IPv4.parse(addressText);
  }
  const maxLength = address.kind() === "ipv4" ? 32 : 128;

  let prefixLength = maxLength;
  if (lengthText !== undefined) {
    if (!PREFIX_LENGTH.test(lengthText)) return undefined;
    prefixLength = Number(lengthText);
    if (prefixLength > maxLength) return undefined;
  }

  // Host bits set ("10.0.1.7/24") are accepted: normalise to the network address.
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefixLength}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefixLength}`);
  return { address: network, prefixLength };
}

function toParsed(block: Block): ParsedCidr {
  const family = block.address.kind();
  const network = block.address.toString();
  return { family, network, prefixLength: block.prefixLength, cidr: `${network}/${block.prefixLength}` };
}

function blockContains(outer: Block, inner: Block): boolean {
  if (outer.address.kind() !== inner.address.kind()) return false;
  if (outer.prefixLength > inner.prefixLength) return false;
  return inner.address.match(outer.address, outer.prefixLength);
}

/** Parse an address or CIDR; undefined when the text is neither. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const block = parseBlock(text);
  return block === undefined ? undefined : toParsed(block);
}

export function isCidr(text: string): boolean {
  return parseBlock(text) !== undefined;
}

/** Does `outer` contain every address of `inner`? Mixed families never contain each other. */
export function cidrContains(outer: string, inner: string): boolean | undefined {
  const a = parseBlock(outer);
  const b = parseBlock(inner);
  if (a === undefined || b === undefined) return undefined;
  return blockContains(a, b);
}

/** Do the two blocks share at least one address? (CIDR blocks either nest or are disjoint.) */
export function cidrOverlaps(a: string, b: string): boolean | undefined {
  const x = parseBlock(a);
  const y = parseBlock(b);
  if (x === undefined || y === undefined) return undefined;
  return blockContains(x, y) || blockContains(y, x);
}

/** Private / non-public address space: RFC 1918, shared address space 100.64/10, IPv6 ULA fc00::/7. */
const PRIVATE_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
];

/**
 * Where a CIDR lies relative to the private ranges: "private" (entirely inside one), "public"
 * (disjoint from all), "mixed" (contains a private range and public space, e.g. 0.0.0.0/1);
 * undefined when the text is not a CIDR.
 */
export function cidrPrivacy(text: string): "private" | "public" | "mixed" | undefined {
  const block = parseBlock(text);
  if (block === undefined) return undefined;
  let overlaps = false;
  for (const range of PRIVATE_RANGES) {
    const r = parseBlock(range);
    if (r === undefined) continue;
    if (blockContains(r, block)) return "private";
    if (blockContains(block, r)) overlaps = true;
  }
  return overlaps ? "mixed" : "public";
}

/** True when the CIDR lies entirely inside the private ranges. */
export function isPrivateCidr(text: string): boolean {
  return cidrPrivacy(text) === "private";
}
