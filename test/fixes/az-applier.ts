// Runs a --fix-script against a fake ARM scenario the way Azure would take it: each `az` line parsed
// as the shell and az parse it, az's own defaults for what a line leaves out, and Azure's refusals
// (two rules with one priority and direction, a rule name taken twice, several service tags in one
// rule). Written apart from the engine's own patcher (src/engine/fixes/commands.ts) so that a test
// that applies a script here does not take the tool's word for what its commands do.

import type { ArmResource, Scenario } from "../fake-arm/scenario.js";

type Json = Record<string, any>;

/** The words of a shell line: single and double quotes as POSIX sh reads them, no expansion. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: "'" | '"' | undefined;
  let started = false;
  for (const character of line) {
    if (quote) {
      if (character === quote) quote = undefined;
      else current += character;
      continue;
    }
    if (character === "'" || character === '"') {
      quote = character;
      started = true;
    } else if (/\s/.test(character)) {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += character;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (started) words.push(current);
  return words;
}

/** `az group subgroup verb` and its options: each `--flag` with the words after it, `-x` short flags too. */
function parseAz(words: string[]): { command: string; options: Map<string, string[]> } {
  const [az, ...rest] = words;
  if (az !== "az") throw new Error(`not an az line: ${words.join(" ")}`);
  const commandWords: string[] = [];
  let at = 0;
  while (at < rest.length && !(rest[at] ?? "").startsWith("-")) commandWords.push(rest[at++] as string);
  const options = new Map<string, string[]>();
  let flag: string | undefined;
  for (; at < rest.length; at += 1) {
    const word = rest[at] as string;
    if (/^--?[a-z]/i.test(word)) {
      flag = ALIASES[word] ?? word.replace(/^--?/, "");
      if (options.has(flag)) throw new Error(`${flag} given twice`);
      options.set(flag, []);
    } else if (flag) options.get(flag)?.push(word);
    else throw new Error(`value ${word} before any flag`);
  }
  return { command: commandWords.join(" "), options };
}

const ALIASES: Record<string, string> = {
  "-g": "resource-group",
  "-n": "name",
  "-z": "zone-name",
  "-v": "virtual-network",
  "-e": "registration-enabled",
};

function one(options: Map<string, string[]>, flag: string, fallback?: string): string {
  const value = options.get(flag)?.[0] ?? fallback;
  if (value === undefined) throw new Error(`--${flag} is required`);
  return value;
}

function many(options: Map<string, string[]>, flag: string, fallback: string[]): string[] {
  return options.get(flag) ?? fallback;
}

const lower = (text: string) => text.toLowerCase();

function find(scenario: Scenario, predicate: (resource: ArmResource) => boolean, what: string): Json {
  const found = scenario.resources.find(predicate);
  if (!found) throw new Error(`ResourceNotFound: ${what}`);
  return found;
}

/** A top-level resource by its type, resource group and name (as az finds it). */
function byName(scenario: Scenario, type: string, group: string, name: string): Json {
  return find(
    scenario,
    (resource) =>
      lower(resource.type ?? "") === lower(type) &&
      lower(resource.name ?? "") === lower(name) &&
      lower(resource.id).includes(`/resourcegroups/${lower(group)}/`),
    `${type} ${group}/${name}`,
  );
}

function byId(scenario: Scenario, id: string): Json {
  return find(scenario, (resource) => lower(resource.id) === lower(id), id);
}

const SERVICE_TAG = /^[A-Za-z][A-Za-z.]*[A-Za-z]$/;

/** One line of the script applied to the scenario, or the error Azure would answer with. */
function applyAzLine(scenario: Scenario, line: string): void {
  const { command, options } = parseAz(shellWords(line));
  const handler = HANDLERS[command];
  if (!handler) throw new Error(`the applier does not know \`az ${command}\``);
  handler(scenario, options);
}

/** Every command line of a script, in order; comments, blank lines and `set` are skipped. */
export function applyScript(scenario: Scenario, script: string): string[] {
  const applied: string[] = [];
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("set ")) continue;
    applyAzLine(scenario, line);
    applied.push(line);
  }
  return applied;
}

function nsgRules(nsg: Json): Json[] {
  nsg.properties ??= {};
  nsg.properties.securityRules ??= [];
  return nsg.properties.securityRules as Json[];
}

function refuseConflict(rules: Json[], name: string, priority: number, direction: string): void {
  const clash = rules.find(
    (rule) =>
      rule.name !== name &&
      Number(rule.properties?.priority) === priority &&
      lower(String(rule.properties?.direction)) === lower(direction),
  );
  if (clash)
    throw new Error(
      `SecurityRuleConflict: ${name} and ${String(clash.name)} both have priority ${priority} ${direction}`,
    );
}

const HANDLERS: Record<string, (scenario: Scenario, options: Map<string, string[]>) => void> = {
  "network nsg rule update": (scenario, options) => {
    const nsg = byName(
      scenario,
      "Microsoft.Network/networkSecurityGroups",
      one(options, "resource-group"),
      one(options, "nsg-name"),
    );
    const rules = nsgRules(nsg);
    const rule = rules.find((candidate) => candidate.name === one(options, "name"));
    if (!rule) throw new Error(`NotFound: rule ${one(options, "name")}`);
    if (options.has("priority")) {
      const priority = Number(one(options, "priority"));
      refuseConflict(rules, rule.name, priority, rule.properties.direction);
      rule.properties.priority = priority;
    }
  },
  "network nsg rule create": (scenario, options) => {
    const nsg = byName(
      scenario,
      "Microsoft.Network/networkSecurityGroups",
      one(options, "resource-group"),
      one(options, "nsg-name"),
    );
    const rules = nsgRules(nsg);
    const name = one(options, "name");
    if (rules.some((rule) => lower(rule.name) === lower(name))) throw new Error(`rule ${name} exists`);
    // az's defaults: Allow, Inbound, any protocol, any source, any destination, port 80.
    const direction = one(options, "direction", "Inbound");
    const priority = Number(one(options, "priority"));
    if (!(priority >= 100 && priority <= 4096)) throw new Error(`priority ${priority} out of 100-4096`);
    refuseConflict(rules, name, priority, direction);
    const destinations = many(options, "destination-address-prefixes", ["*"]);
    if (destinations.length > 1 && destinations.some((prefix) => SERVICE_TAG.test(prefix)))
      throw new Error(
        "SecurityRuleParameterContainsUnsupportedValue: a service tag cannot be listed with other prefixes",
      );
    const sources = many(options, "source-address-prefixes", ["*"]);
    const ports = many(options, "destination-port-ranges", ["80"]);
    rules.push({
      id: `${String(nsg.id)}/securityRules/${name}`,
      name,
      properties: {
        priority,
        direction,
        access: one(options, "access", "Allow"),
        protocol: one(options, "protocol", "*"),
        ...(sources.length === 1 ? { sourceAddressPrefix: sources[0] } : { sourceAddressPrefixes: sources }),
        sourcePortRange: one(options, "source-port-ranges", "*"),
        ...(destinations.length === 1
          ? { destinationAddressPrefix: destinations[0] }
          : { destinationAddressPrefixes: destinations }),
        ...(ports.length === 1 ? { destinationPortRange: ports[0] } : { destinationPortRanges: ports }),
        provisioningState: "Succeeded",
      },
    });
  },
  "ml workspace update": (scenario, options) => {
    const workspace = byName(
      scenario,
      "Microsoft.MachineLearningServices/workspaces",
      one(options, "resource-group"),
      one(options, "name"),
    );
    if (options.has("image-build-compute"))
      workspace.properties.imageBuildCompute = one(options, "image-build-compute");
  },
  "ml workspace sync-keys": (scenario, options) => {
    const workspace = byName(
      scenario,
      "Microsoft.MachineLearningServices/workspaces",
      one(options, "resource-group"),
      one(options, "name"),
    );
    const actions = (scenario.actions ??= {}) as Json;
    const cached = actions[`${String(workspace.id)}/listKeys`] as Json | undefined;
    if (!cached) return;
    const storageKeys = actions[`${String(workspace.properties.storageAccount)}/listKeys`] as Json | undefined;
    if (storageKeys?.keys?.[0]?.value) cached.userStorageKey = storageKeys.keys[0].value;
    const registryKeys = actions[`${String(workspace.properties.containerRegistry)}/listCredentials`] as
      Json | undefined;
    if (registryKeys?.passwords && cached.containerRegistryCredentials)
      cached.containerRegistryCredentials.passwords = registryKeys.passwords;
  },
  "network private-dns link vnet create": (scenario, options) => {
    const zone = byName(
      scenario,
      "Microsoft.Network/privateDnsZones",
      one(options, "resource-group"),
      one(options, "zone-name"),
    );
    const name = one(options, "name");
    const id = `${String(zone.id)}/virtualNetworkLinks/${name}`;
    if (scenario.resources.some((resource) => lower(resource.id) === lower(id))) throw new Error(`link ${name} exists`);
    scenario.resources.push({
      id,
      name,
      type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      location: "global",
      properties: {
        virtualNetwork: { id: one(options, "virtual-network") },
        registrationEnabled: one(options, "registration-enabled", "false") === "true",
        virtualNetworkLinkState: "Completed",
        provisioningState: "Succeeded",
      },
    });
  },
  "storage account update": (scenario, options) => {
    const storage = byName(
      scenario,
      "Microsoft.Storage/storageAccounts",
      one(options, "resource-group"),
      one(options, "name"),
    );
    if (options.has("bypass")) {
      storage.properties.networkAcls ??= {};
      storage.properties.networkAcls.bypass = many(options, "bypass", []).join(", ");
    }
  },
  "storage account network-rule add": (scenario, options) => {
    const storage = byName(
      scenario,
      "Microsoft.Storage/storageAccounts",
      one(options, "resource-group"),
      one(options, "account-name"),
    );
    const subnet = one(options, "subnet");
    storage.properties.networkAcls ??= {};
    storage.properties.networkAcls.virtualNetworkRules = [
      ...(storage.properties.networkAcls.virtualNetworkRules ?? []),
      { id: subnet, action: "Allow", state: "Succeeded" },
    ];
  },
  "network vnet subnet update": (scenario, options) => {
    const vnet = byName(
      scenario,
      "Microsoft.Network/virtualNetworks",
      one(options, "resource-group"),
      one(options, "vnet-name"),
    );
    const subnet = (vnet.properties.subnets as Json[]).find(
      (candidate) => lower(candidate.name) === lower(one(options, "name")),
    );
    if (!subnet) throw new Error("NotFound: subnet");
    if (options.has("service-endpoints"))
      subnet.properties.serviceEndpoints = many(options, "service-endpoints", []).map((service) => ({
        service,
        locations: ["*"],
        provisioningState: "Succeeded",
      }));
  },
  "acr update": (scenario, options) => {
    const registry = byName(
      scenario,
      "Microsoft.ContainerRegistry/registries",
      one(options, "resource-group"),
      one(options, "name"),
    );
    if (options.has("allow-trusted-services"))
      registry.properties.networkRuleBypassOptions =
        one(options, "allow-trusted-services") === "true" ? "AzureServices" : "None";
    if (options.has("sku")) registry.sku = { name: one(options, "sku"), tier: one(options, "sku") };
  },
  "resource update": (scenario, options) => {
    const resource = byId(scenario, one(options, "ids"));
    for (const assignment of many(options, "set", [])) {
      const [path = "", value = ""] = assignment.split("=");
      const keys = path.split(".");
      let node: Json = resource;
      for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Json;
      node[keys.at(-1) as string] = value;
    }
  },
  "network route-table route create": (scenario, options) => {
    const table = byName(
      scenario,
      "Microsoft.Network/routeTables",
      one(options, "resource-group"),
      one(options, "route-table-name"),
    );
    table.properties ??= {};
    const routes = (table.properties.routes ??= []) as Json[];
    const name = one(options, "name");
    const prefix = one(options, "address-prefix");
    if (routes.some((route) => lower(String(route.name)) === lower(name))) throw new Error(`route ${name} exists`);
    // Azure refuses two routes of one table for the same prefix.
    if (routes.some((route) => lower(String(route.properties?.addressPrefix)) === lower(prefix)))
      throw new Error(`RouteConflict: a route for ${prefix} exists`);
    const nextHopType = one(options, "next-hop-type");
    if (nextHopType === "VirtualAppliance" && !options.has("next-hop-ip-address"))
      throw new Error("--next-hop-ip-address is required for VirtualAppliance");
    routes.push({
      id: `${String(table.id)}/routes/${name}`,
      name,
      properties: {
        addressPrefix: prefix,
        nextHopType,
        ...(options.has("next-hop-ip-address") ? { nextHopIpAddress: one(options, "next-hop-ip-address") } : {}),
        provisioningState: "Succeeded",
      },
    });
  },
};
