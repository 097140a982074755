// Mutations of snapshots for the property tests: structural faults (a property deleted, nulled,
// given the wrong type, odd casing, unknown fields) at random paths, and re-casing of the strings
// ARM compares case-insensitively (resource IDs, enum values, names), consistently or not.

import fc from "fast-check";
import type { Snapshot } from "../../src/snapshot/types.js";
import { rng } from "../fake-arm/random.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type Container = JsonValue[] | { [key: string]: JsonValue };
export type Path = Array<string | number>;

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === "object";
}

/** Every path under `root` (containers and leaves), depth first; the root itself is []. */
export function pathsOf(root: JsonValue, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(root)) root.forEach((item, index) => out.push(...pathsOf(item, [...prefix, index])));
  else if (isContainer(root))
    for (const [key, value] of Object.entries(root)) out.push(...pathsOf(value, [...prefix, key]));
  return out;
}

function get(root: JsonValue, path: Path): JsonValue | undefined {
  let at: JsonValue | undefined = root;
  for (const step of path) {
    if (!isContainer(at)) return undefined;
    at = (at as Record<string | number, JsonValue>)[step];
  }
  return at;
}

/** Replace the value at `path` (the root when []); returns the new root. */
function set(root: JsonValue, path: Path, value: JsonValue): JsonValue {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1));
  if (isContainer(parent))
    (parent as Record<string | number, JsonValue>)[path[path.length - 1] as string | number] = value;
  return root;
}

/** Set (or, with undefined, delete) the value at a non-root path, in place. */
export function setAt(root: JsonValue, path: Path, value: JsonValue | undefined): void {
  if (value === undefined) remove(root, path);
  else set(root, path, value);
}

function remove(root: JsonValue, path: Path): JsonValue {
  if (path.length === 0) return root;
  const parent = get(root, path.slice(0, -1));
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else if (isContainer(parent)) delete parent[last as string];
  return root;
}

// ---- casing -------------------------------------------------------------------------------------------

// One drawn seed decides every per-string choice: the fixtures' deterministic generator.

const CASINGS = ["lower", "upper", "random", "swap", "structure"] as const;
type Casing = (typeof CASINGS)[number];

function randomCase(text: string, random: () => number): string {
  return [...text].map((char) => (random() < 0.5 ? char.toLowerCase() : char.toUpperCase())).join("");
}

function swapCase(text: string): string {
  return [...text].map((char) => (char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase())).join("");
}

/**
 * Re-case one string. `structure` on an ARM ID re-cases only what ARM itself varies (the
 * `subscriptions`/`resourceGroups`/`providers` keywords, the provider namespace and the type
 * segments: `resourcegroups`, `Microsoft.network`, `virtualnetworks`), keeping the names.
 */
function recase(text: string, casing: Casing, random: () => number): string {
  switch (casing) {
    case "lower":
      return text.toLowerCase();
    case "upper":
      return text.toUpperCase();
    case "random":
      return randomCase(text, random);
    case "swap":
      return swapCase(text);
    case "structure": {
      if (!isArmIdLike(text)) return randomCase(text, random);
      const segments = text.split("/");
      const providers = segments.findIndex((segment) => segment.toLowerCase() === "providers");
      return segments
        .map((segment, index) => {
          const structural =
            index === 1 ||
            index === 3 ||
            index === providers ||
            index === providers + 1 ||
            (providers > 0 && index > providers + 1 && (index - providers) % 2 === 0);
          if (!structural) return segment;
          const pick = random();
          return pick < 0.4 ? segment.toLowerCase() : pick < 0.6 ? segment.toUpperCase() : randomCase(segment, random);
        })
        .join("/");
    }
  }
}

function isArmIdLike(text: string): boolean {
  return /^\/subscriptions\//i.test(text);
}

/**
 * Keys whose string values ARM compares case-insensitively: enum values (`Enabled`, `Deny`, `Allow`,
 * `Outbound`, `Tcp`, `Succeeded`, `AzureServices`, `Premium`, `Approved`, `Connected`...), regions,
 * resource types, resource names and NSG address prefixes (service tags and CIDRs).
 */
const ENUM_KEYS = new Set([
  "publicNetworkAccess",
  "defaultAction",
  "action",
  "state",
  "bypass",
  "networkRuleBypassOptions",
  "provisioningState",
  "computeType",
  "status",
  "peeringState",
  "peeringSyncLevel",
  "isolationMode",
  "access",
  "direction",
  "protocol",
  "sourceAddressPrefix",
  "destinationAddressPrefix",
  "sourcePortRange",
  "destinationPortRange",
  "addressPrefix",
  "tier",
  "kind",
  "type",
  "location",
  "computeLocation",
  "vmSize",
  "privateEndpointNetworkPolicies",
  "adminUserEnabled",
  "allowSharedKeyAccess",
  "enableNodePublicIp",
]);
/** Keys whose value is a list of such strings. */
const ENUM_LIST_KEYS = new Set([
  "groupIds",
  "requiredMembers",
  "sourceAddressPrefixes",
  "destinationAddressPrefixes",
  "addressPrefixes",
  "sourcePortRanges",
  "destinationPortRanges",
]);
/** Keys whose value is a resource or compute name (ARM names are case-insensitive). */
const NAME_KEYS = new Set(["name", "imageBuildCompute"]);

export interface RecasePlan {
  /** Re-case ARM resource IDs (every string that starts /subscriptions/). */
  ids: boolean;
  /** Which IDs: all, only resources' own `id` fields (referees), or only the other fields (referrers). */
  idScope: "all" | "own" | "references";
  /** Re-case enum values, regions and types. */
  enums: boolean;
  /** Re-case resource names. */
  names: boolean;
  /**
   * consistent: one spelling per distinct value (referrer and referee agree);
   * independent: each occurrence on its own (they disagree).
   */
  mode: "consistent" | "independent";
  casings: Casing[];
  /** Share of occurrences left as they are, so that re-cased and original spellings mix. */
  keep: number;
  seed: number;
}

export const FULL_LOWER: RecasePlan = {
  ids: true,
  idScope: "all",
  enums: true,
  names: true,
  mode: "consistent",
  casings: ["lower"],
  keep: 0,
  seed: 1,
};

type Category = "id" | "enum" | "name";

/** What kind of case-insensitive string sits at this key, if any. */
function categoryOf(
  key: string | number | undefined,
  parentKey: string | number | undefined,
  value: string,
  under: Path,
): Category | undefined {
  if (isArmIdLike(value)) return "id";
  // The snapshot's own fields are exact: its parts and key outcomes are schema enums, its times are times.
  if (
    under[0] === "keys" ||
    under[0] === "parts" ||
    under[0] === "tool" ||
    (under[0] === "errors" && key !== "resourceId")
  )
    return undefined;
  if (under[0] === "privateEndpointTypes") return "enum";
  if (under[0] === "target")
    return key === "workspace" || key === "resourceGroup" || key === "subscriptionId" || key === "location"
      ? "name"
      : undefined;
  if (typeof key === "string" && ENUM_KEYS.has(key)) return "enum";
  if (typeof key === "number" && typeof parentKey === "string" && ENUM_LIST_KEYS.has(parentKey)) return "enum";
  if (typeof key === "string" && NAME_KEYS.has(key)) return "name";
  return undefined;
}

/**
 * A copy of the snapshot with IDs, enum values and names re-cased by the plan. Returns the copy and
 * how many strings it changed. Object keys are kept, but for the regions of privateEndpointTypes.
 */
export function recaseSnapshot(snapshot: Snapshot, plan: RecasePlan): { snapshot: Snapshot; changed: number } {
  const random = rng(plan.seed);
  const chosen = new Map<string, string>();
  let changed = 0;
  const respell = (value: string, category: Category): string => {
    if (
      (category === "id" && !plan.ids) ||
      (category === "enum" && !plan.enums) ||
      (category === "name" && !plan.names)
    )
      return value;
    const key = `${category}:${value.toLowerCase()}`;
    if (plan.mode === "consistent" && chosen.has(key)) return chosen.get(key) as string;
    const casing = plan.casings[Math.floor(random() * plan.casings.length)] ?? "lower";
    const next = random() < plan.keep ? value : recase(value, casing, random);
    if (plan.mode === "consistent") chosen.set(key, next);
    return next;
  };
  const walk = (value: JsonValue, path: Path): JsonValue => {
    if (typeof value === "string") {
      const key = path[path.length - 1];
      const category = categoryOf(key, path[path.length - 2], value, path);
      if (!category) return value;
      if (category === "id" && plan.idScope !== "all" && (key === "id") !== (plan.idScope === "own")) return value;
      const next = respell(value, category);
      if (next !== value) changed++;
      return next;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isContainer(value)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, inner] of Object.entries(value)) {
        const name = path.length === 1 && path[0] === "privateEndpointTypes" ? respell(key, "enum") : key;
        if (name !== key) changed++;
        out[name] = walk(inner, [...path, key]);
      }
      return out;
    }
    return value;
  };
  return { snapshot: walk(snapshot as unknown as JsonValue, []) as unknown as Snapshot, changed };
}

export const recasePlan: fc.Arbitrary<RecasePlan> = fc
  .record({
    ids: fc.boolean(),
    idScope: fc.constantFrom("all" as const, "all" as const, "own" as const, "references" as const),
    enums: fc.boolean(),
    names: fc.boolean(),
    mode: fc.constantFrom("consistent" as const, "independent" as const),
    casings: fc.uniqueArray(fc.constantFrom(...CASINGS), { minLength: 1, maxLength: CASINGS.length }),
    keep: fc.constantFrom(0, 0.25, 0.5, 0.9),
    seed: fc.integer(),
  })
  .filter((plan) => plan.ids || plan.enums || plan.names);

// ---- structural mutations ----------------------------------------------------------------------------

/** Fields the snapshot views and checks read: a mutation aimed at one of them usually matters. */
export const READ_KEYS = new Set([
  ...ENUM_KEYS,
  ...ENUM_LIST_KEYS,
  ...NAME_KEYS,
  "id",
  "properties",
  "storageAccount",
  "containerRegistry",
  "keyVault",
  "managedNetwork",
  "privateEndpointConnections",
  "privateEndpoint",
  "privateLinkServiceConnectionState",
  "privateLinkServiceConnections",
  "manualPrivateLinkServiceConnections",
  "privateLinkServiceId",
  "networkAcls",
  "networkRuleSet",
  "virtualNetworkRules",
  "virtualNetworkResourceId",
  "sku",
  "subnet",
  "subnets",
  "subnetId",
  "aksNetworkingConfiguration",
  "addressSpace",
  "networkSecurityGroup",
  "routeTable",
  "virtualNetworkPeerings",
  "remoteVirtualNetwork",
  "securityRules",
  "defaultSecurityRules",
  "priority",
  "sourceApplicationSecurityGroups",
  "destinationApplicationSecurityGroups",
]);

export type Mutation =
  | { kind: "delete"; at: number; focus: boolean }
  | { kind: "null"; at: number; focus: boolean }
  | { kind: "replace"; at: number; focus: boolean; value: JsonValue }
  | { kind: "recase"; at: number; focus: boolean; casing: Casing; seed: number }
  | { kind: "add"; at: number; focus: boolean; key: string; value: JsonValue };

/** Values of the wrong type (or the right type with an odd value) for any field. */
const oddValue: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -5, max: 70000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constantFrom(
    "",
    " ",
    "true",
    "False",
    "Enabled",
    "deny",
    "ALLOW",
    "*",
    "0",
    "443",
    "10.0.0.0/8",
    "::/0",
    "not/an/id",
    "/subscriptions/",
    "/subscriptions/x/resourcegroups/y/providers/z/a/b",
    "Microsoft.Network/virtualNetworks",
    "null",
    "[]",
    "__proto__",
    "constructor",
    "toString",
  ),
  fc.string({ maxLength: 12 }),
  fc.constant<JsonValue>([]),
  fc.constant<JsonValue>({}),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>,
);

const fieldName = fc.oneof(
  fc.constantFrom(...READ_KEYS, "__proto__", "constructor", "extra", "Properties", "ID"),
  fc.string({ minLength: 1, maxLength: 8 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), focus: fc.boolean() }),
  fc.record({ kind: fc.constant("null" as const), at: fc.nat(), focus: fc.boolean() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), focus: fc.boolean(), value: oddValue }),
  fc.record({
    kind: fc.constant("recase" as const),
    at: fc.nat(),
    focus: fc.boolean(),
    casing: fc.constantFrom(...CASINGS),
    seed: fc.integer(),
  }),
  fc.record({ kind: fc.constant("add" as const), at: fc.nat(), focus: fc.boolean(), key: fieldName, value: oddValue }),
);

/** Where mutations land: inside the resources (what ARM sent), or anywhere in the snapshot file. */
export type Scope = "resources" | "snapshot";

/** Every string under `value` re-cased. */
function recaseAll(value: JsonValue, casing: Casing, random: () => number): JsonValue {
  if (typeof value === "string") return recase(value, casing, random);
  if (Array.isArray(value)) return value.map((item) => recaseAll(item, casing, random));
  if (isContainer(value))
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, recaseAll(inner, casing, random)]));
  return value;
}

/** Apply the mutations in order to a copy of `snapshot`; returns the mutated value and what each did. */
export function mutate(
  snapshot: Snapshot,
  mutations: readonly Mutation[],
  scope: Scope,
): { value: JsonValue; log: string[] } {
  let root = structuredClone(snapshot) as unknown as JsonValue;
  const log: string[] = [];
  for (const step of mutations) {
    const base: Path = scope === "resources" ? ["resources"] : [];
    // Inside the resources: a whole resource (deleted, nulled...) or anything in one.
    const all = pathsOf(get(root, base) ?? null, base).filter((path) => scope === "snapshot" || path.length >= 2);
    const focused = all.filter((path) => READ_KEYS.has(String(path[path.length - 1])));
    const candidates = step.focus && focused.length > 0 ? focused : all;
    if (candidates.length === 0) continue;
    const path = candidates[step.at % candidates.length] as Path;
    const where = `/${path.join("/")}`;
    switch (step.kind) {
      case "delete":
        root = remove(root, path);
        log.push(`delete ${where}`);
        break;
      case "null":
        root = set(root, path, null);
        log.push(`null ${where}`);
        break;
      case "replace":
        root = set(root, path, structuredClone(step.value));
        log.push(`replace ${where} with ${JSON.stringify(step.value)}`);
        break;
      case "recase":
        root = set(root, path, recaseAll(get(root, path) ?? null, step.casing, rng(step.seed)));
        log.push(`recase ${where} (${step.casing})`);
        break;
      case "add": {
        const target = get(root, path);
        const value = structuredClone(step.value);
        if (Array.isArray(target)) target.push(value);
        else if (isContainer(target))
          Object.defineProperty(target, step.key, { value, enumerable: true, configurable: true, writable: true });
        else break;
        log.push(`add ${JSON.stringify(step.key)} to ${where}`);
        break;
      }
    }
  }
  return { value: root, log };
}
