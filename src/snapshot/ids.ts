// ARM resource IDs, compared case-insensitively everywhere (ARM itself returns
// `resourcegroups`, `Microsoft.network` and so on).

export interface ParsedResourceId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Provider namespace, e.g. "Microsoft.Network". */
  namespace: string;
  /** Full type, e.g. "Microsoft.Network/virtualNetworks/subnets". */
  type: string;
  name: string;
  /** Type/name pairs after the namespace, e.g. [["virtualNetworks","v"],["subnets","s"]]. */
  segments: ReadonlyArray<readonly [string, string]>;
}

const RESOURCE_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/([^/]+)\/((?:[^/]+\/[^/]+)(?:\/[^/]+\/[^/]+)*)\/?$/i;

/**
 * The parts of an ARM resource ID. Answers are remembered (and frozen, so no caller can change what
 * the next one reads): a fleet's checks ask about the same subnets and VNets thousands of times.
 */
export function parseResourceId(id: unknown): ParsedResourceId | undefined {
  if (typeof id !== "string") return undefined;
  if (parsedIds.has(id)) return parsedIds.get(id);
  const parsed = parseResourceIdUncached(id);
  if (parsed) {
    for (const pair of parsed.segments) Object.freeze(pair);
    Object.freeze(parsed.segments);
    Object.freeze(parsed);
  }
  if (parsedIds.size >= PARSED_IDS_LIMIT) parsedIds.clear();
  parsedIds.set(id, parsed);
  return parsed;
}

const PARSED_IDS_LIMIT = 50_000;
const parsedIds = new Map<string, ParsedResourceId | undefined>();

function parseResourceIdUncached(id: string): ParsedResourceId | undefined {
  const match = RESOURCE_ID.exec(id.trim());
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, namespace, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const parts = rest.split("/");
  const segments: Array<[string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) segments.push([parts[i] as string, parts[i + 1] as string]);
  const last = segments[segments.length - 1];
  if (!last) return undefined;
  return {
    id: id.trim().replace(/\/$/, ""),
    subscriptionId,
    resourceGroup,
    namespace,
    type: [namespace, ...segments.map(([type]) => type)].join("/"),
    name: last[1],
    segments,
  };
}

/** Canonical key for comparing IDs. */
export function idKey(id: string): string {
  // Checks compare IDs in their inner loops, and a fleet's snapshots repeat the same IDs (a hub zone's
  // links, a shared VNet's subnets) thousands of times: each key is worked out once.
  let key = knownKeys.get(id);
  if (key === undefined) {
    key = id.trim().replace(/\/+$/, "").toLowerCase();
    if (knownKeys.size >= KNOWN_KEYS_LIMIT) knownKeys.clear();
    knownKeys.set(id, key);
  }
  return key;
}

const KNOWN_KEYS_LIMIT = 100_000;
const knownKeys = new Map<string, string>();

export function sameId(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && idKey(a) === idKey(b);
}

/** `/.../virtualNetworks/v/subnets/s` → `/.../virtualNetworks/v`; undefined when not a subnet ID. */
export function vnetIdOfSubnet(subnetId: unknown): string | undefined {
  const parsed = parseResourceId(subnetId);
  if (!parsed || parsed.type.toLowerCase() !== "microsoft.network/virtualnetworks/subnets") return undefined;
  return parsed.id.replace(/\/subnets\/[^/]+$/i, "");
}

/** Provider type of the top-level resource an ID points at, e.g. "Microsoft.Storage/storageAccounts". */
export function topLevelType(id: unknown): string | undefined {
  const parsed = parseResourceId(id);
  const first = parsed?.segments[0];
  return parsed && first ? `${parsed.namespace}/${first[0]}` : undefined;
}

export function normaliseRegion(region: unknown): string {
  return typeof region === "string" ? region.toLowerCase().replace(/[\s_-]/g, "") : "";
}

/** Last segment of an ARM ID, for messages. */
export function nameOf(id: string): string {
  // The last non-empty segment, without splitting the whole ID: findings name resources thousands of times in a fleet.
  let end = id.length;
  while (end > 0 && id.charCodeAt(end - 1) === SLASH) end -= 1;
  const start = id.lastIndexOf("/", end - 1) + 1;
  return end > start ? id.slice(start, end) : id;
}

const SLASH = 47;

/** The resource group named in an ARM ID, for `az` commands. */
export function resourceGroupOf(id: string): string {
  return /\/resourcegroups\/([^/]+)/i.exec(id)?.[1] ?? "<resource-group>";
}
